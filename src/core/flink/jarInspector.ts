// Local look inside a jar before it is uploaded: is it a zip at all, which class would Flink run, which could it run.
// yauzl reads the central directory and inflates only the manifest: the jar is never read whole into memory.
import * as fs from 'node:fs';
import * as yauzl from 'yauzl';

export type JarInspectionErrorKind = 'notFound' | 'notZip' | 'corrupt' | 'noEntryClass' | 'unknownEntryClass';

export class JarInspectionError extends Error {
  constructor(message: string, readonly kind: JarInspectionErrorKind, readonly jarPath: string) {
    super(message);
    this.name = 'JarInspectionError';
  }
}

export interface JarInfo {
  path: string;
  size: number;
  /** Manifest `Main-Class`. */
  mainClass?: string;
  /** Manifest `program-class` (Flink prefers it over Main-Class). */
  programClass?: string;
  /** The class Flink would run without an explicit entry class: program-class, else Main-Class. */
  defaultEntryClass?: string;
  /** Manifest classes first, then every top-level class of the jar, sorted; at most maxEntryClasses. */
  entryClasses: string[];
  /** True when entryClasses was cut at maxEntryClasses. */
  entryClassesTruncated: boolean;
  /** Number of top-level classes in the jar. */
  classCount: number;
  hasManifest: boolean;
}

export interface InspectOptions {
  /** Cap of entryClasses. Default 500. */
  maxEntryClasses?: number;
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Reads the manifest and the class list of a jar; refuses missing files, non-zips and corrupt zips with clear errors. */
export async function inspectJar(jarPath: string, options: InspectOptions = {}): Promise<JarInfo> {
  const max = options.maxEntryClasses ?? 500;
  const size = await statJar(jarPath);
  const zip = await openZip(jarPath, size);
  const classes: string[] = [];
  let manifestText: string | undefined;
  try {
    await forEachEntry(zip, jarPath, async (entry) => {
      const name = entry.fileName;
      if (name.toUpperCase() === 'META-INF/MANIFEST.MF') {
        manifestText = await readEntryText(zip, entry, jarPath);
      } else {
        const cls = topLevelClassName(name);
        if (cls) classes.push(cls);
      }
    });
  } finally {
    zip.close();
  }
  const manifest = manifestText === undefined ? new Map<string, string>() : parseManifest(manifestText);
  const mainClass = manifest.get('main-class') || undefined;
  const programClass = manifest.get('program-class') || undefined;
  classes.sort();
  const manifestClasses = [programClass, mainClass].filter((c): c is string => !!c).filter((c, i, a) => a.indexOf(c) === i);
  const all = [...manifestClasses, ...classes.filter((c) => !manifestClasses.includes(c))];
  return {
    path: jarPath,
    size,
    mainClass,
    programClass,
    defaultEntryClass: programClass ?? mainClass,
    entryClasses: all.slice(0, max),
    entryClassesTruncated: all.length > max,
    classCount: classes.length,
    hasManifest: manifestText !== undefined,
  };
}

/** True when the jar holds the class (name with dots, e.g. org.example.Job). Scans the whole directory, no cap. */
export async function jarHasClass(jarPath: string, className: string): Promise<boolean> {
  const wanted = `${className.replace(/\./g, '/')}.class`;
  const size = await statJar(jarPath);
  const zip = await openZip(jarPath, size);
  let found = false;
  try {
    await forEachEntry(zip, jarPath, async (entry) => {
      if (entry.fileName === wanted) found = true;
      return found ? 'stop' : undefined;
    });
  } finally {
    zip.close();
  }
  return found;
}

/**
 * Checks the entry class Flink will run before anything is uploaded: the given one must be in the jar,
 * and without one the manifest must name one. Returns the class that will run.
 */
export async function checkEntryClass(info: JarInfo, entryClass: string | undefined): Promise<string> {
  if (entryClass) {
    if (!/^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u.test(entryClass)) {
      throw new JarInspectionError(`The entry class "${entryClass}" is not a Java class name. Give it fully qualified, e.g. org.example.MyJob.`, 'unknownEntryClass', info.path);
    }
    if (!(await jarHasClass(info.path, entryClass))) {
      const hint = info.entryClasses.slice(0, 5).join(', ');
      throw new JarInspectionError(
        `The entry class ${entryClass} is not in the jar ${info.path}. Pick one of its classes${hint ? ` (e.g. ${hint})` : ''}, or rebuild the jar with it.`,
        'unknownEntryClass',
        info.path,
      );
    }
    return entryClass;
  }
  if (!info.defaultEntryClass) {
    const hint = info.entryClasses.slice(0, 5).join(', ');
    throw new JarInspectionError(
      `The jar ${info.path} names no entry class: its manifest has neither Main-Class nor program-class. ` +
        `Choose the entry class (-c CLASS)${hint ? `, e.g. one of ${hint}` : ''}, or set Main-Class in the jar's manifest.`,
      'noEntryClass',
      info.path,
    );
  }
  return info.defaultEntryClass;
}

/**
 * Parses a JAR manifest's main section into lower-cased keys. Continuation lines (starting with one space)
 * are joined to the previous line, as the JAR spec wraps lines at 72 bytes.
 */
export function parseManifest(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const logical: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') && logical.length > 0) logical[logical.length - 1] += line.slice(1);
    else logical.push(line);
  }
  for (const line of logical) {
    if (line === '') break; // end of the main section; per-entry sections follow
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!result.has(key)) result.set(key, value);
  }
  return result;
}

/** "org/example/Job.class" -> "org.example.Job"; undefined for inner, anonymous, module/package info and versioned entries. */
export function topLevelClassName(entryName: string): string | undefined {
  if (!entryName.endsWith('.class') || entryName.startsWith('META-INF/')) return undefined;
  const base = entryName.slice(0, -'.class'.length);
  const simple = base.slice(base.lastIndexOf('/') + 1);
  if (simple === '' || simple.includes('$') || simple === 'module-info' || simple === 'package-info') return undefined;
  return base.replace(/\//g, '.');
}

async function statJar(jarPath: string): Promise<number> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(jarPath);
  } catch {
    throw new JarInspectionError(`The jar ${jarPath} does not exist or cannot be read. Check the path.`, 'notFound', jarPath);
  }
  if (!stat.isFile()) throw new JarInspectionError(`${jarPath} is not a file. Choose a .jar file.`, 'notFound', jarPath);
  return stat.size;
}

function openZip(jarPath: string, size: number): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(jarPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(zipError(jarPath, size, err));
      resolve(zip);
    });
  });
}

function zipError(jarPath: string, size: number, err: Error | null | undefined): JarInspectionError {
  const message = err?.message ?? 'unknown error';
  let startsLikeZip = false;
  try {
    const fd = fs.openSync(jarPath, 'r');
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    startsLikeZip = head.readUInt32LE(0) === 0x04034b50;
  } catch {
    startsLikeZip = false;
  }
  if (size === 0 || (!startsLikeZip && /end of central directory record signature not found/i.test(message))) {
    return new JarInspectionError(
      `${jarPath} is not a jar: it is ${size === 0 ? 'empty' : 'not a zip archive'}. Choose the jar your build produced (e.g. target/*.jar or build/libs/*.jar).`,
      'notZip',
      jarPath,
    );
  }
  return new JarInspectionError(
    `The jar ${jarPath} is corrupt (${message}). It may be truncated or still being written: rebuild it and try again.`,
    'corrupt',
    jarPath,
  );
}

function forEachEntry(zip: yauzl.ZipFile, jarPath: string, visit: (entry: yauzl.Entry) => Promise<'stop' | void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      if (err) reject(err instanceof JarInspectionError ? err : new JarInspectionError(`The jar ${jarPath} is corrupt (${err.message}). Rebuild it and try again.`, 'corrupt', jarPath));
      else resolve();
    };
    zip.on('error', (err: Error) => finish(err));
    zip.on('end', () => finish());
    zip.on('entry', (entry: yauzl.Entry) => {
      visit(entry).then(
        (r) => (r === 'stop' ? finish() : zip.readEntry()),
        (err: Error) => finish(err),
      );
    });
    zip.readEntry();
  });
}

function readEntryText(zip: yauzl.ZipFile, entry: yauzl.Entry, jarPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > MAX_MANIFEST_BYTES) {
      return reject(new JarInspectionError(`The manifest of ${jarPath} is implausibly large (${entry.uncompressedSize} bytes); the jar is probably corrupt. Rebuild it.`, 'corrupt', jarPath));
    }
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(new JarInspectionError(`The jar ${jarPath} is corrupt: its manifest cannot be read (${err?.message}). Rebuild it.`, 'corrupt', jarPath));
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (c: Buffer) => {
        total += c.length;
        if (total > MAX_MANIFEST_BYTES) stream.destroy(new Error('manifest larger than 1 MiB'));
        else chunks.push(c);
      });
      stream.on('error', (e: Error) => reject(new JarInspectionError(`The jar ${jarPath} is corrupt: its manifest cannot be read (${e.message}). Rebuild it.`, 'corrupt', jarPath)));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  });
}
