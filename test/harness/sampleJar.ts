// A jar for UI flows and the demo: the Flink stand-in's fixture builder when present (test/fixtures/jars.ts),
// else a small valid zip with a manifest naming the main class.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZipFile } from 'yazl';

export const WORDCOUNT_CLASS_FALLBACK = 'org.apache.flink.examples.java.wordcount.WordCount';

interface JarsFixture {
  buildJar(file: string, opts?: { mainClass?: string }): Promise<string>;
  WORDCOUNT_CLASS?: string;
}

/** The fixtures module when it has been written and compiled next to this out dir. */
export function jarsFixture(): JarsFixture | undefined {
  const compiled = path.resolve(__dirname, '..', 'fixtures', 'jars.js');
  if (!fs.existsSync(compiled)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(compiled) as Partial<JarsFixture>;
  return typeof mod.buildJar === 'function' ? (mod as JarsFixture) : undefined;
}

/** Writes a WordCount jar to `file`; says which builder made it. */
export async function writeWordCountJar(file: string): Promise<{ file: string; builder: 'fixtures' | 'fallback'; mainClass: string }> {
  const fixture = jarsFixture();
  if (fixture) {
    const mainClass = fixture.WORDCOUNT_CLASS ?? WORDCOUNT_CLASS_FALLBACK;
    await fixture.buildJar(file, { mainClass });
    return { file, builder: 'fixtures', mainClass };
  }
  await writePlainJar(file, WORDCOUNT_CLASS_FALLBACK);
  return { file, builder: 'fallback', mainClass: WORDCOUNT_CLASS_FALLBACK };
}

function writePlainJar(file: string, mainClass: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from(`Manifest-Version: 1.0\r\nMain-Class: ${mainClass}\r\n\r\n`), 'META-INF/MANIFEST.MF');
    zip.addBuffer(Buffer.from([0xca, 0xfe, 0xba, 0xbe]), `${mainClass.replace(/\./g, '/')}.class`);
    zip.end();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const out = fs.createWriteStream(file);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
  });
}
