// Reads a Flink configuration folder: conf/flink-conf.yaml (flat `key: value`, Flink 1.x)
// or conf/config.yaml (standard nested YAML, Flink 1.19+), flattened to Flink's dotted keys.
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';

export const LEGACY_CONF_FILE = 'flink-conf.yaml';
export const CONF_FILE = 'config.yaml';

export class FlinkConfigurationError extends Error {
  constructor(message: string, readonly fix: string, readonly file?: string, readonly line?: number) {
    super(`${message} ${fix}`);
    this.name = 'FlinkConfigurationError';
  }
}

export interface FlinkConfigurationFile {
  /** The file that was read. */
  file: string;
  /** Flat Flink keys to string values, as Flink itself would see them. */
  values: Record<string, string>;
  /** Keys no known Flink option starts with (probably misspelt). */
  warnings: string[];
}

/** Reads flink-conf.yaml or config.yaml from dir; clear errors name the file, the line and the fix. */
export function readFlinkConfiguration(dir: string): FlinkConfigurationFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    throw new FlinkConfigurationError(`The Flink configuration folder ${dir} cannot be read (${errorCode(e)}).`,
      'Pass the folder that holds flink-conf.yaml or config.yaml (usually <flink>/conf) with -c DIR.');
  }
  if (!stat.isDirectory()) {
    throw new FlinkConfigurationError(`The Flink configuration folder ${dir} is a file, not a folder.`,
      'Pass the folder that holds flink-conf.yaml or config.yaml (usually <flink>/conf), not the file itself.');
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new FlinkConfigurationError(`The Flink configuration folder ${dir} cannot be listed (${errorCode(e)}).`,
      'Check its permissions (it must be readable by you).');
  }
  const legacy = names.includes(LEGACY_CONF_FILE);
  const current = names.includes(CONF_FILE);
  if (legacy && current) {
    throw new FlinkConfigurationError(`The folder ${dir} holds both ${LEGACY_CONF_FILE} and ${CONF_FILE}, so it is not clear which one Flink should read.`,
      `Keep ${CONF_FILE} for Flink 1.19 and later or ${LEGACY_CONF_FILE} for older versions, and remove or rename the other.`);
  }
  if (!legacy && !current) {
    throw new FlinkConfigurationError(`The folder ${dir} holds neither ${LEGACY_CONF_FILE} nor ${CONF_FILE}.`,
      'Pass the folder that holds the Flink configuration (usually <flink>/conf).');
  }
  const file = path.join(dir, current ? CONF_FILE : LEGACY_CONF_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FlinkConfigurationError(`The Flink configuration file ${file} cannot be read (${errorCode(e)}).`,
      'Check its permissions (it must be readable by you).', file);
  }
  const values = parseFlinkConfiguration(text, file);
  return { file, values, warnings: unknownKeyWarnings(Object.keys(values), file) };
}

/** Parses the text of either file; nested maps are flattened with dots, lists joined with ';' as Flink does. */
export function parseFlinkConfiguration(text: string, file = 'config.yaml'): Record<string, string> {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : undefined;
      throw new FlinkConfigurationError(`${file}${line !== undefined ? `:${line}` : ''}: malformed YAML (${e.reason}).`,
        `Fix the YAML at line ${line ?? '?'} (keys and values as "key: value"; in config.yaml nest with spaces, never tabs).`, file, line);
    }
    throw e;
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new FlinkConfigurationError(`${file}: expected "key: value" entries, found a ${Array.isArray(doc) ? 'list' : typeof doc}.`,
      'Write one Flink option per line as "key: value".', file);
  }
  const out: Record<string, string> = {};
  flatten(doc as Record<string, unknown>, '', out);
  return out;
}

function flatten(node: Record<string, unknown>, prefix: string, out: Record<string, string>): void {
  for (const [key, value] of Object.entries(node)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      flatten(value as Record<string, unknown>, full, out);
    } else {
      out[full] = scalarText(value);
    }
  }
}

function scalarText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(scalarText).join(';');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// First segments of Flink's own option keys (1.x and 2.x). A key outside these is most likely misspelt.
const KNOWN_PREFIXES = new Set([
  'jobmanager', 'taskmanager', 'parallelism', 'rest', 'web', 'blob', 'state', 'execution', 'high-availability',
  'metrics', 'security', 'akka', 'pekko', 'io', 'env', 'classloader', 'cluster', 'heartbeat', 'restart-strategy',
  'pipeline', 'table', 'sql-client', 'sql-gateway', 'kubernetes', 'yarn', 'mesos', 'historyserver', 'fs', 's3', 's3a',
  'containerized', 'resourcemanager', 'slot', 'slotmanager', 'queryable-state', 'python', 'process', 'jobstore',
  'client', 'deployment', '$internal', 'rpc', 'query', 'zookeeper', 'recovery', 'task', 'compiler', 'local',
  'checkpointing', 'restart', 'failover', 'scheduler-mode', 'jobgraph', 'hadoop', 'azure', 'gs', 'external-resources',
  'external-resource', 'jmx', 'web-ui', 'network', 'memory', 'taskexecutor', 'dispatcher', 'savepoint', 'benchmark',
  'plugin', 'plugins', 'job', 'tm', 'jm', 'batch', 'sql', 'streaming', 'execution-config', 'kerberos',
]);

/** Warnings for keys that no known Flink option starts with. */
export function unknownKeyWarnings(keys: Iterable<string>, source: string): string[] {
  const warnings: string[] = [];
  for (const key of keys) {
    if (!isKnownFlinkKey(key)) {
      warnings.push(`${source}: "${key}" is not a known Flink option (a typo?); it is passed to Flink unchanged.`);
    }
  }
  return warnings;
}

export function isKnownFlinkKey(key: string): boolean {
  const first = key.split('.')[0];
  return KNOWN_PREFIXES.has(first);
}

function errorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? String(e);
}
