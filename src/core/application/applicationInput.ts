// From what the user gives (a jar, its entry class and arguments) to the ApplicationSpec of an application cluster:
// a URI the agents fetch as it is, or a local jar checked here and served by an artifact server.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectJar, JarInspectionError } from '../flink/jarInspector';
import { SessionOptionError } from '../session/SessionOptions';
import { ArtifactServer, type ArtifactServerOptions } from './ArtifactServer';
import type { ApplicationJarSource, ApplicationSpec } from './applicationSpec';

export interface ApplicationInput {
  jar: string;
  entryClass?: string;
  args?: string[];
  parallelism?: number;
  savepoint?: string;
  allowNonRestoredState?: boolean;
}

/** The artifact server's settings (CLI flags or VS Code settings); only a local jar uses them. */
export type ArtifactServerSettings = Partial<Omit<ArtifactServerOptions, 'token'>>;

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;

export function jarSource(jar: string): ApplicationJarSource {
  if (URI.test(jar)) return { kind: 'uri', uri: jar };
  return { kind: 'local', path: path.resolve(jar) };
}

/** A file name for usrlib/ from the jar's name: plain characters, ending in .jar. */
export function jarFileName(source: ApplicationJarSource): string {
  const raw = source.kind === 'local' ? path.basename(source.path) : decodeURIComponent(path.posix.basename(new URL(source.uri).pathname));
  const clean = raw.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '') || 'application';
  return /\.jar$/i.test(clean) ? clean : `${clean}.jar`;
}

/** An application name from the jar when none is given (a session name: letters, digits, . _ -). */
export function defaultApplicationName(jar: string): string {
  const base = jarFileName(jarSource(jar)).replace(/\.jar$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (base || 'application').slice(0, 63);
}

/**
 * Checks the application's inputs; for a local jar inspects it (its entry class) and starts the artifact server.
 * The server is returned so the caller stops it with the cluster (and on any failure before the cluster starts).
 */
export async function prepareApplication(input: ApplicationInput, settings: ArtifactServerSettings = {}): Promise<{ spec: ApplicationSpec; artifact?: ArtifactServer }> {
  if (!input.jar || input.jar.trim() === '') throw new SessionOptionError('JAR', 'the application jar is missing.', 'Pass the jar as a local path or a URI the agents fetch.');
  if (input.parallelism !== undefined && (!Number.isInteger(input.parallelism) || input.parallelism < 1)) {
    throw new SessionOptionError('-p', `${input.parallelism} is not a parallelism.`, 'Pass -p with a whole number of 1 or more.');
  }
  if (input.entryClass !== undefined && !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(input.entryClass)) {
    throw new SessionOptionError('--class', `"${input.entryClass}" is not a Java class name.`, 'Pass the fully qualified entry class, e.g. --class org.example.WordCount.');
  }
  if (input.savepoint !== undefined && input.savepoint.trim() === '') {
    throw new SessionOptionError('-s', 'the savepoint path is empty.', 'Pass the savepoint\'s path (as the JobManager sees it), or leave -s out.');
  }
  const source = jarSource(input.jar);
  const spec: ApplicationSpec = {
    jar: source, fetchUri: source.kind === 'uri' ? source.uri : '', jarFileName: jarFileName(source), entryClass: input.entryClass,
    args: input.args ?? [], parallelism: input.parallelism, savepoint: input.savepoint, allowNonRestoredState: input.allowNonRestoredState ?? false,
  };
  if (source.kind === 'uri') return { spec };

  if (!fs.existsSync(source.path)) {
    throw new SessionOptionError('JAR', `${source.path} does not exist.`, 'Pass the path of the application jar, or a URI the agents fetch (http://, hdfs://, s3://, file:// on a shared mount).');
  }
  let info;
  try {
    info = await inspectJar(source.path);
  } catch (e) {
    if (e instanceof JarInspectionError) throw new SessionOptionError('JAR', e.message, 'Pass a jar built for Flink.');
    throw e;
  }
  if (!spec.entryClass && !info.defaultEntryClass) {
    const some = info.entryClasses.slice(0, 5).join(', ');
    throw new SessionOptionError('--class', `${path.basename(source.path)} has no entry class: its manifest names no Main-Class (or program-class) and none was given.`,
      `Pass the entry class with --class CLASS${some ? ` (classes in the jar: ${some}${info.entryClasses.length > 5 ? ', ...' : ''})` : ''}, or build the jar with a Main-Class in its manifest.`);
  }
  if (spec.entryClass && !info.entryClassesTruncated && !info.entryClasses.includes(spec.entryClass)) {
    throw new SessionOptionError('--class', `${path.basename(source.path)} has no class ${spec.entryClass}.`,
      `Pass one of its classes${info.entryClasses.length ? ` (${info.entryClasses.slice(0, 5).join(', ')}${info.entryClasses.length > 5 ? ', ...' : ''})` : ''}.`);
  }
  const artifact = new ArtifactServer(source.path, { host: settings.host ?? '', ...settings });
  spec.fetchUri = await artifact.start();
  return { spec, artifact };
}
