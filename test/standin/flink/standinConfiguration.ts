// The configuration of a stand-in process, read the way Flink's scripts and GlobalConfiguration read it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { DEFAULT_FLINK_VERSION, parseFlinkVersion, versionAtLeast } from './flinkVersion';

export type FlinkConfiguration = Record<string, string>;

export interface CommandLine {
  action: 'start-foreground' | 'start' | 'stop' | 'stop-all' | 'none';
  configDir?: string;
  dynamicProperties: FlinkConfiguration;
}

/** Parses `[start-foreground] [--configDir DIR] [-D key=value | -Dkey=value]...` as Flink's entry points do. */
export function parseCommandLine(argv: string[]): CommandLine {
  const result: CommandLine = { action: 'none', dynamicProperties: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === 'start-foreground' || arg === 'start' || arg === 'stop' || arg === 'stop-all') {
      result.action = arg;
    } else if (arg === '--configDir' || arg === '-c') {
      const dir = argv[++i];
      if (dir === undefined) throw new Error(`${arg} needs a directory: --configDir /path/to/conf`);
      result.configDir = dir;
    } else if (arg.startsWith('--configDir=')) {
      result.configDir = arg.slice('--configDir='.length);
    } else if (arg === '-D') {
      const kv = argv[++i];
      if (kv === undefined) throw new Error('-D needs a key=value pair: -D rest.port=8081');
      addDynamicProperty(result.dynamicProperties, kv);
    } else if (arg.startsWith('-D')) {
      addDynamicProperty(result.dynamicProperties, arg.slice(2));
    } else {
      throw new Error(`Unknown option "${arg}": use start-foreground, --configDir DIR or -D key=value`);
    }
  }
  return result;
}

function addDynamicProperty(into: FlinkConfiguration, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new Error(`Dynamic property "${kv}" is not of the form key=value: use -D rest.port=8081`);
  into[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
}

/** Flink's legacy flink-conf.yaml: one `key: value` per line, `#` comments, no nesting. */
export function parseFlatFlinkConf(text: string, file: string, warn: (m: string) => void = () => {}): FlinkConfiguration {
  const conf: FlinkConfiguration = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const sep = line.indexOf(': ');
    const key = sep > 0 ? line.slice(0, sep).trim() : line.endsWith(':') ? line.slice(0, -1).trim() : '';
    if (key === '') {
      warn(`Error while trying to split key and value in configuration file ${file}:${index + 1}: Line is not of the form "key: value": "${raw}"`);
      return;
    }
    conf[key] = sep > 0 ? line.slice(sep + 2).trim() : '';
  });
  return conf;
}

/** Flink 1.19+ config.yaml: standard YAML, nested maps flattened with dots, lists joined by ';'. */
export function parseNestedConfigYaml(text: string, file: string): FlinkConfiguration {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    throw new Error(`Could not parse ${file} as YAML: ${(e as Error).message}`);
  }
  const conf: FlinkConfiguration = {};
  if (doc === null || doc === undefined) return conf;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file} must hold a YAML map of options, e.g. "rest:\\n  port: 8081"`);
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else if (Array.isArray(value)) {
      conf[prefix] = value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(';');
    } else {
      conf[prefix] = value === null ? '' : String(value);
    }
  };
  walk('', doc);
  return conf;
}

export interface LoadedConfiguration {
  configuration: FlinkConfiguration;
  configDir: string;
  /** The file actually read, or undefined when the folder holds neither file. */
  configFile?: string;
}

/**
 * Reads the configuration folder as the emulated Flink does, then lets -D win:
 * before 1.19 only flink-conf.yaml; 1.19/1.20 prefer a legacy flink-conf.yaml when present (as Flink's release notes say), else config.yaml;
 * 2.x reads config.yaml only.
 */
export function loadConfiguration(configDir: string, dynamic: FlinkConfiguration, warn: (m: string) => void = () => {}): LoadedConfiguration {
  const legacy = path.join(configDir, 'flink-conf.yaml');
  const standard = path.join(configDir, 'config.yaml');
  const hasLegacy = fs.existsSync(legacy);
  const hasStandard = fs.existsSync(standard);
  const versionText = dynamic['standin.flink-version'] ?? process.env.STANDIN_FLINK_VERSION ?? peekVersion(hasStandard ? standard : legacy) ?? DEFAULT_FLINK_VERSION;
  const version = parseFlinkVersion(versionText);
  let configFile: string | undefined;
  let fileConf: FlinkConfiguration = {};
  if (!versionAtLeast(version, '1.19')) {
    if (hasLegacy) configFile = legacy;
    else if (hasStandard) warn(`Flink ${version.text} does not read ${standard}; put the options in flink-conf.yaml.`);
  } else if (!versionAtLeast(version, '2.0')) {
    if (hasLegacy) {
      configFile = legacy;
      if (hasStandard) warn(`Both ${legacy} and ${standard} exist: Flink ${version.text} uses the legacy flink-conf.yaml and ignores config.yaml.`);
    } else if (hasStandard) configFile = standard;
  } else {
    if (hasStandard) configFile = standard;
    if (hasLegacy) warn(`Flink ${version.text} no longer reads ${legacy}; move its options to config.yaml.`);
  }
  if (configFile) {
    const text = fs.readFileSync(configFile, 'utf8');
    fileConf = configFile === legacy ? parseFlatFlinkConf(text, configFile, warn) : parseNestedConfigYaml(text, configFile);
  } else {
    warn(`No configuration file (flink-conf.yaml or config.yaml) found in ${configDir}; using defaults and dynamic properties.`);
  }
  const configuration: FlinkConfiguration = { ...fileConf, ...dynamic };
  configuration['standin.flink-version'] = versionText;
  return { configuration, configDir, configFile };
}

function peekVersion(file: string): string | undefined {
  try {
    const m = /^\s*standin\.flink-version:\s*(\S+)/m.exec(fs.readFileSync(file, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** Parses Flink memory sizes: "1728m", "1g", "512 mb", "1024" (bytes). */
export function parseMemorySize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a memory size: use a form like 1728m, 2g or 1073741824`);
  const units: Record<string, number> = { '': 1, b: 1, bytes: 1, k: 1024, kb: 1024, kibibytes: 1024, m: 1024 ** 2, mb: 1024 ** 2, mebibytes: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gibibytes: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };
  const unit = units[m[2].toLowerCase()];
  if (unit === undefined) throw new Error(`"${text}" has an unknown unit "${m[2]}": use b, k, m, g or t`);
  return Math.round(Number(m[1]) * unit);
}

/** Flink durations: "50000" (ms), "50 s", "5 min", "100ms". */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration: use a form like 50000, 50 s or 5 min`);
  const units: Record<string, number> = { '': 1, ms: 1, milli: 1, millis: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000, min: 60000, m: 60000, minute: 60000, minutes: 60000, h: 3600000, hour: 3600000, hours: 3600000, d: 86400000, day: 86400000, days: 86400000 };
  const unit = units[m[2].toLowerCase()];
  if (unit === undefined) throw new Error(`"${text}" has an unknown time unit "${m[2]}": use ms, s, min, h or d`);
  return Number(m[1]) * unit;
}

/** Typed reads with the option name in every error. */
export class ConfigReader {
  constructor(readonly conf: FlinkConfiguration) {}
  string(key: string, fallback: string): string {
    const v = this.conf[key];
    return v === undefined || v === '' ? fallback : v;
  }
  optional(key: string): string | undefined {
    const v = this.conf[key];
    return v === undefined || v === '' ? undefined : v;
  }
  int(key: string, fallback: number): number {
    const v = this.optional(key);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v.trim())) throw new Error(`Option ${key} must be an integer, got "${v}"`);
    return Number(v);
  }
  number(key: string, fallback: number): number {
    const v = this.optional(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`Option ${key} must be a number, got "${v}"`);
    return n;
  }
  duration(key: string, fallbackMs: number): number {
    const v = this.optional(key);
    return v === undefined ? fallbackMs : parseDuration(v);
  }
  memory(key: string): number | undefined {
    const v = this.optional(key);
    return v === undefined ? undefined : parseMemorySize(v);
  }
}

/** Ports as Flink accepts them: "8081", "0" (any free port), "50100-50200", "50100,50101". */
export function parsePortRange(text: string, key: string): number[] {
  const ports: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`Option ${key} "${text}" is not a port, a port range (50100-50200) or a list of them`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from > 65535 || to > 65535 || to < from) throw new Error(`Option ${key} "${text}" holds an invalid port range`);
    for (let p = from; p <= to; p++) ports.push(p);
  }
  return ports;
}

/**
 * The stand-in's leader retrieval under ZooKeeper HA with a file:// storage directory: the JobManager that starts writes
 * its RPC address here, and TaskManagers read it before each registration (real Flink keeps the leader in ZooKeeper).
 */
export function standinLeaderFile(c: ConfigReader): string | undefined {
  const mode = c.optional('high-availability.type') ?? c.optional('high-availability');
  const dir = c.optional('high-availability.storageDir');
  if (mode?.toLowerCase() !== 'zookeeper' || !dir?.startsWith('file://')) return undefined;
  return path.join(dir.slice('file://'.length), 'standin-leader.json');
}
