// Reads an uploaded jar as Flink's PackagedProgram does: a real zip with META-INF/MANIFEST.MF and class entries.
import * as yauzl from 'yauzl';

export interface JarContents {
  manifest: Record<string, string>;
  classes: Set<string>;
}

export function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(' ') && last) {
      out[last] += line.slice(1); // continuation line (72-byte wrapping)
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).trim();
    out[last] = line.slice(i + 1).trim();
  }
  return out;
}

export function readJar(file: string): Promise<JarContents> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${file}`));
      const result: JarContents = { manifest: {}, classes: new Set() };
      zip.on('error', reject);
      zip.on('end', () => resolve(result));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        if (name.endsWith('.class')) result.classes.add(name.slice(0, -'.class'.length).replace(/\//g, '.'));
        if (name.toUpperCase() === 'META-INF/MANIFEST.MF') {
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream) return reject(e ?? new Error('cannot read the manifest'));
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('error', reject);
            stream.on('end', () => {
              result.manifest = parseManifest(Buffer.concat(chunks).toString('utf8'));
              zip.readEntry();
            });
          });
        } else {
          zip.readEntry();
        }
      });
      zip.readEntry();
    });
  });
}

/** Flink's rule: the manifest's program-class wins over Main-Class. */
export function manifestEntryClass(manifest: Record<string, string>): string | undefined {
  return manifest['program-class'] || manifest['Main-Class'] || undefined;
}
