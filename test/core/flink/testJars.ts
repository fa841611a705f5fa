// Small jars built with yazl for unit tests (the Flink stand-in's test/fixtures/jars.ts builds the e2e ones).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yazl from 'yazl';

export interface TestJarSpec {
  /** Raw manifest text; written as META-INF/MANIFEST.MF when set. */
  manifest?: string;
  /** Entry names (e.g. "org/x/Job.class") with small fake contents. */
  entries?: string[];
}

export async function writeTestJar(file: string, spec: TestJarSpec): Promise<string> {
  const zip = new yazl.ZipFile();
  if (spec.manifest !== undefined) zip.addBuffer(Buffer.from(spec.manifest, 'utf8'), 'META-INF/MANIFEST.MF');
  for (const e of spec.entries ?? []) if (e.endsWith('/')) zip.addEmptyDirectory(e); else zip.addBuffer(Buffer.from(`\xCA\xFE\xBA\xBE fake class ${e}`, 'latin1'), e);
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(file);
    zip.outputStream.pipe(out).on('close', () => resolve()).on('error', reject);
  });
  return file;
}

export function tempDir(prefix = 'flink-client-test-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
