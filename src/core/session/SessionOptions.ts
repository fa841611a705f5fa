// The options of a Flink session on Mesos. The baseline is the old start-mesos.sh:
// -m master, -n TaskManagers, -s slots, -tm/-jm memory, -c conf dir, -D, -w web UI, -v verbose, -j and -l.
import * as os from 'os';
import { readFlinkConfiguration, unknownKeyWarnings } from '../flink/flinkConfiguration';
import { parseTaskFlag, validateTaskOptions, type TaskOptions, type TaskOptionsInput } from './taskOptions';
import { DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR, validateHighAvailability, type HighAvailabilityOptions } from './highAvailability';
import { SessionOptionError } from './sessionOptionError';
import { parseSslFlag, validateFlinkSsl, type FlinkSslInput, type FlinkSslOptions } from './flinkSsl';
import type { ApplicationSpec } from '../application/applicationSpec';

export type FlinkLocation =
  | { kind: 'home'; path: string }     // a folder present on every agent
  | { kind: 'uri'; uri: string }       // an archive every agent fetches and extracts into the sandbox
  | { kind: 'docker'; image: string }; // a Docker image with Flink in /opt/flink

export interface AttributeConstraint { attribute: string; value: string }

export interface SessionOptions {
  /** Session name: the store key and part of every task id. */
  name: string;
  /** Mesos master(s): host:port, host:port,host:port, zk://host:port/path or http(s)://host:port. */
  master: string;
  /** Number of TaskManagers; undefined means greedy (every offer that fits one). */
  taskManagers?: number;
  slotsPerTaskManager: number;
  taskManagerMemoryMb: number;
  taskManagerCpus: number;
  jobManagerMemoryMb: number;
  jobManagerCpus: number;
  /** Disk per task in MB; 0 asks for none. */
  diskMb: number;
  confDir?: string;
  dynamicProperties: Record<string, string>;
  flink: FlinkLocation;
  webUi: boolean;
  role?: string;
  /** Every role of the session when it has several (MULTI_ROLE); role is then the first. */
  roles?: string[];
  principal?: string;
  user: string;
  frameworkName: string;
  failoverTimeoutSeconds: number;
  constraints: AttributeConstraint[];
  verbose: boolean;
  /** A failure-rate limit for replacing TaskManagers (per minute). */
  maxTaskManagerFailuresPerMinute: number;
  /** Stop waiting for offers that fit after this long (start only). */
  fitTimeoutSeconds: number;
  /** refuse_seconds sent with DECLINE for offers the session cannot use. */
  declineRefuseSeconds: number;
  /** How long a TaskManager may stay TASK_UNREACHABLE before it is replaced (absent in older saved sessions: the default). */
  unreachableGraceSeconds?: number;
  /** What shapes each TaskInfo beyond cpus and memory (absent in sessions saved before these options existed). */
  taskOptions?: TaskOptions;
  /** Flink's ZooKeeper high availability (--ha, --ha-storage): a lost JobManager is relaunched and its jobs recover. */
  ha?: HighAvailabilityOptions;
  /** With HA: JobManager restarts within an hour before the session stops replacing it. */
  maxJobManagerRestartsPerHour?: number;
  /** Set for an application cluster (one jar, src/core/application); a session has none. */
  application?: ApplicationSpec;
  /** Flink's TLS (security.ssl.*), for internal connections and/or REST. */
  flinkSsl?: FlinkSslOptions;
}

/** What a caller may give; validateSessionOptions fills defaults and checks everything. */
export type SessionOptionsInput = Partial<Omit<SessionOptions, 'dynamicProperties' | 'constraints' | 'flink' | 'taskOptions' | 'roles' | 'ha' | 'flinkSsl'>> & TaskOptionsInput & FlinkSslInput & {
  master?: string;
  /** zk://host:port[,host:port]/path */
  ha?: string;
  /** An absolute folder every agent shares, or a URI. */
  haStorage?: string;
  dynamicProperties?: Record<string, string> | string[];
  constraints?: AttributeConstraint[] | string[];
  flink?: FlinkLocation;
  /** Several roles (each may hold several, comma-separated); role, when given too, comes first. */
  roles?: string[];
};

export const DEFAULT_FAILOVER_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** Below this Flink refuses to start a TaskManager (metaspace 256 MB + overhead 192 MB + framework 256 MB + network and managed memory). */
export const MIN_TASK_MANAGER_MEMORY_MB = 1024;
/** Below this Flink refuses to start a JobManager (metaspace 256 MB + overhead 192 MB + off-heap 128 MB + a heap). */
export const MIN_JOB_MANAGER_MEMORY_MB = 768;

export const SESSION_DEFAULTS = {
  name: 'default',
  slotsPerTaskManager: 1,
  taskManagerMemoryMb: 1728, // Flink's own default taskmanager.memory.process.size
  taskManagerCpus: 1,
  jobManagerMemoryMb: 1600, // Flink's own default jobmanager.memory.process.size
  jobManagerCpus: 1,
  diskMb: 0,
  webUi: true,
  failoverTimeoutSeconds: DEFAULT_FAILOVER_TIMEOUT_SECONDS,
  verbose: false,
  maxTaskManagerFailuresPerMinute: 10,
  fitTimeoutSeconds: 300,
  declineRefuseSeconds: 120,
  // A little longer than Flink's heartbeat.timeout (50 s): a TaskManager Flink still counts is not replaced.
  unreachableGraceSeconds: 60,
  maxJobManagerRestartsPerHour: DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR,
  frameworkName: 'Flink session',
} as const;

export { SessionOptionError } from './sessionOptionError';

export interface ValidatedSessionOptions {
  options: SessionOptions;
  /** Flink configuration from the conf dir and -D, before the session's own overrides. */
  flinkConfiguration: Record<string, string>;
  warnings: string[];
}

const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The operating-system user this process runs as: the default framework user. Not $USER or $LOGNAME, which a service,
 * cron or container may leave unset (the tasks then ran as "nobody") or set to someone else.
 */
export function operatingSystemUser(): string {
  let name: string | undefined;
  try {
    name = os.userInfo().username;
  } catch {
    name = undefined;
  }
  if (name) return name;
  throw new SessionOptionError('--user', `this process's operating-system user (uid ${process.getuid?.() ?? '?'}) has no name in the user database, so the tasks have no default user.`,
    'Pass --user USER (in VS Code, the flinkMesos.user setting) with a user that exists on the Mesos agents.');
}

/** Where the defaults that depend on this machine come from (tests replace them). */
export interface SystemDefaults { osUser?: () => string }

/** Fills defaults, checks every option and reads the configuration folder. Throws SessionOptionError or FlinkConfigurationError. */
export function validateSessionOptions(input: SessionOptionsInput, system: SystemDefaults = {}): ValidatedSessionOptions {
  const warnings: string[] = [];
  const name = input.name ?? SESSION_DEFAULTS.name;
  if (!SESSION_NAME.test(name)) {
    throw new SessionOptionError('--name', `"${name}" is not a valid session name.`,
      'Use 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes part of Mesos task ids).');
  }
  const master = validateMasterAddress(input.master);
  const taskManagers = input.taskManagers === undefined ? undefined : positiveInteger('-n', input.taskManagers, 'the number of TaskManagers', 'Pass -n 1 or more, or leave -n out to take every offer that fits a TaskManager (greedy).');
  const slots = positiveInteger('-s', input.slotsPerTaskManager ?? SESSION_DEFAULTS.slotsPerTaskManager, 'slots per TaskManager', 'Pass -s 1 or more.');
  const tmMem = positiveInteger('-tm', input.taskManagerMemoryMb ?? SESSION_DEFAULTS.taskManagerMemoryMb, 'TaskManager memory (MB)', `Pass -tm ${MIN_TASK_MANAGER_MEMORY_MB} or more.`);
  if (tmMem < MIN_TASK_MANAGER_MEMORY_MB) {
    throw new SessionOptionError('-tm', `${tmMem} MB is below the ${MIN_TASK_MANAGER_MEMORY_MB} MB Flink needs for a TaskManager process (metaspace, JVM overhead, framework, network and managed memory).`,
      `Pass -tm ${MIN_TASK_MANAGER_MEMORY_MB} or more.`);
  }
  const jmMem = positiveInteger('-jm', input.jobManagerMemoryMb ?? SESSION_DEFAULTS.jobManagerMemoryMb, 'JobManager memory (MB)', `Pass -jm ${MIN_JOB_MANAGER_MEMORY_MB} or more.`);
  if (jmMem < MIN_JOB_MANAGER_MEMORY_MB) {
    throw new SessionOptionError('-jm', `${jmMem} MB is below the ${MIN_JOB_MANAGER_MEMORY_MB} MB Flink needs for a JobManager process (metaspace, JVM overhead, off-heap memory and a heap).`,
      `Pass -jm ${MIN_JOB_MANAGER_MEMORY_MB} or more.`);
  }
  const tmCpus = positiveNumber('-tmc', input.taskManagerCpus ?? SESSION_DEFAULTS.taskManagerCpus, 'TaskManager cpus', 'Pass -tmc with a number above 0, such as 1 or 0.5.');
  const jmCpus = positiveNumber('-jmc', input.jobManagerCpus ?? SESSION_DEFAULTS.jobManagerCpus, 'JobManager cpus', 'Pass -jmc with a number above 0, such as 1 or 0.5.');
  const disk = input.diskMb ?? SESSION_DEFAULTS.diskMb;
  if (!Number.isFinite(disk) || disk < 0) {
    throw new SessionOptionError('--disk', `${disk} is not a disk size.`, 'Pass --disk with a size in MB (0 asks for no disk).');
  }
  const failover = input.failoverTimeoutSeconds ?? SESSION_DEFAULTS.failoverTimeoutSeconds;
  if (!Number.isFinite(failover) || failover <= 0) {
    throw new SessionOptionError('--failover-timeout', `${failover} seconds would let Mesos kill the session as soon as this client disconnects.`,
      `Pass --failover-timeout with seconds above 0 (default ${DEFAULT_FAILOVER_TIMEOUT_SECONDS}, one week, as Flink used).`);
  }
  const maxFailures = positiveInteger('--max-failures-per-minute', input.maxTaskManagerFailuresPerMinute ?? SESSION_DEFAULTS.maxTaskManagerFailuresPerMinute,
    'the TaskManager failure-rate limit', 'Pass 1 or more (Flink used 10 a minute).');
  const fitTimeout = positiveNumber('--fit-timeout', input.fitTimeoutSeconds ?? SESSION_DEFAULTS.fitTimeoutSeconds, 'the fit timeout', 'Pass seconds above 0.');
  const declineRefuse = positiveNumber('--decline-seconds', input.declineRefuseSeconds ?? SESSION_DEFAULTS.declineRefuseSeconds, 'the decline filter', 'Pass seconds above 0.');
  const unreachableGrace = positiveNumber('--unreachable-grace', input.unreachableGraceSeconds ?? SESSION_DEFAULTS.unreachableGraceSeconds,
    'the unreachable grace period', 'Pass seconds above 0 (default 60, a little longer than Flink\'s heartbeat.timeout).');
  const maxJmRestarts = positiveInteger('--max-job-manager-restarts', input.maxJobManagerRestartsPerHour ?? SESSION_DEFAULTS.maxJobManagerRestartsPerHour,
    'the JobManager restart limit (per hour)', `Pass 1 or more (default ${DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR}).`);

  const dynamicProperties = parseDynamicProperties(input.dynamicProperties ?? {});
  const constraints = parseConstraints(input.constraints ?? []);
  const flink = validateFlinkLocation(input.flink);
  const roles = validateRoles(input.role, input.roles);
  if (input.principal !== undefined && input.principal.trim() === '') {
    throw new SessionOptionError('--principal', 'the principal is empty.', 'Pass the Mesos principal your credentials belong to, or leave --principal out.');
  }
  if (input.user !== undefined && input.user.trim() === '') {
    throw new SessionOptionError('--user', 'the user is empty.', 'Pass the user the tasks run as, or leave --user out to use this process\'s operating-system user.');
  }
  const user = input.user ?? (system.osUser ?? operatingSystemUser)();
  if (user === 'root') {
    warnings.push('The framework user is root: Mesos masters often refuse it. Pass --user to run the tasks as another user.');
  }

  let flinkConfiguration: Record<string, string> = {};
  if (input.confDir !== undefined) {
    const conf = readFlinkConfiguration(input.confDir);
    flinkConfiguration = { ...conf.values };
    warnings.push(...conf.warnings);
  }
  warnings.push(...unknownKeyWarnings(Object.keys(dynamicProperties), '-D'));
  for (const [k, v] of Object.entries(dynamicProperties)) flinkConfiguration[k] = v;
  const ha = validateHighAvailability(input.ha, input.haStorage, flinkConfiguration);

  const options: SessionOptions = {
    name, master, taskManagers, slotsPerTaskManager: slots, taskManagerMemoryMb: tmMem, taskManagerCpus: tmCpus,
    jobManagerMemoryMb: jmMem, jobManagerCpus: jmCpus, diskMb: disk, confDir: input.confDir, dynamicProperties, flink,
    webUi: input.webUi ?? SESSION_DEFAULTS.webUi, role: roles[0], principal: input.principal, user,
    frameworkName: input.frameworkName ?? `${SESSION_DEFAULTS.frameworkName} ${name}`,
    failoverTimeoutSeconds: failover, constraints, verbose: input.verbose ?? SESSION_DEFAULTS.verbose,
    maxTaskManagerFailuresPerMinute: maxFailures, fitTimeoutSeconds: fitTimeout, declineRefuseSeconds: declineRefuse,
    unreachableGraceSeconds: unreachableGrace,
    taskOptions: validateTaskOptions(input, flink.kind === 'docker'),
    maxJobManagerRestartsPerHour: maxJmRestarts,
  };
  if (roles.length > 1) options.roles = roles;
  if (ha) options.ha = ha;
  const flinkSsl = validateFlinkSsl(input);
  if (flinkSsl) options.flinkSsl = flinkSsl;
  if (input.application) options.application = input.application;
  return { options, flinkConfiguration, warnings };
}

/**
 * The session's roles, in order, without repeats: --role and --roles (comma-separated lists allowed). A role name follows
 * Mesos' roles::validate: no spaces, not "." or "..", not starting with "/" or "-", not ending with "/", no "//" or "/.".
 */
function validateRoles(role: string | undefined, more: string[] | undefined): string[] {
  const out: string[] = [];
  for (const item of [...(role !== undefined ? [role] : []), ...(more ?? [])]) {
    for (const part of item.split(',')) {
      const r = part.trim();
      if (r === '' && item.trim() !== '') continue;
      const bad = r === '' || r === '.' || r === '..' || /\s/.test(r) || r.startsWith('/') || r.startsWith('-') ||
        r.endsWith('/') || r.includes('//') || r.includes('/.');
      if (bad) {
        throw new SessionOptionError('--role', `"${r}" is not a valid Mesos role.`, 'Pass a role name without spaces that does not start with "/", such as "flink" or "*".');
      }
      if (!out.includes(r)) out.push(r);
    }
  }
  if (out.length > 1 && out.includes('*')) {
    throw new SessionOptionError('--role', `"*" cannot be one of several roles (${out.join(', ')}).`, 'List named roles only, e.g. --role flink --role analytics.');
  }
  return out;
}

/** Checks the form of a master address (reachability is the scheduler client's job). */
export function validateMasterAddress(master: string | undefined): string {
  const fix = 'Pass -m HOST:PORT (e.g. -m mesos-master:5050), several as HOST:PORT,HOST:PORT, or zk://HOST:PORT/mesos.';
  const text = (master ?? '').trim();
  if (text === '') throw new SessionOptionError('-m', 'the Mesos master address is missing.', fix);
  if (/^zk:\/\//i.test(text)) {
    const m = /^zk:\/\/(?:[^@/]+@)?([^/]+)(\/.*)$/i.exec(text);
    if (!m || m[2].length < 2) {
      throw new SessionOptionError('-m', `"${text}" is not a ZooKeeper address.`, 'Write it as zk://HOST:PORT[,HOST:PORT]/PATH, e.g. zk://zk1:2181,zk2:2181/mesos.');
    }
    for (const hp of m[1].split(',')) checkHostPort(hp, text, 'Write it as zk://HOST:PORT[,HOST:PORT]/PATH, e.g. zk://zk1:2181/mesos.');
    return text;
  }
  for (const part of text.split(',')) {
    const p = part.trim();
    const url = /^(https?):\/\/([^/]+)\/?$/i.exec(p);
    checkHostPort(url ? url[2] : p, text, fix);
  }
  return text;
}

function checkHostPort(hp: string, whole: string, fix: string): void {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(hp.trim());
  if (!m) throw new SessionOptionError('-m', `"${hp.trim()}" in "${whole}" is not HOST:PORT.`, fix);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new SessionOptionError('-m', `port ${m[2]} in "${whole}" is out of range.`, `${fix} Ports go from 1 to 65535.`);
}

/** -D key=value entries (a list) or a ready map. A value may be empty ("key="), a missing "=" is an error. */
export function parseDynamicProperties(input: Record<string, string> | string[]): Record<string, string> {
  if (!Array.isArray(input)) {
    for (const k of Object.keys(input)) checkPropertyKey(k, `${k}=${input[k]}`);
    return { ...input };
  }
  const out: Record<string, string> = {};
  for (const entry of input) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw new SessionOptionError('-D', `"${entry}" has no "=".`, `Write each dynamic property as -D key=value, e.g. -D ${entry.trim() || 'taskmanager.numberOfTaskSlots'}=VALUE.`);
    }
    const key = entry.slice(0, eq).trim();
    checkPropertyKey(key, entry);
    out[key] = entry.slice(eq + 1).trim();
  }
  return out;
}

function checkPropertyKey(key: string, entry: string): void {
  if (key === '' || /\s/.test(key)) {
    throw new SessionOptionError('-D', `"${entry}" has ${key === '' ? 'an empty key' : 'a key with spaces'}.`, 'Write each dynamic property as -D key=value, e.g. -D rest.flamegraph.enabled=true.');
  }
}

/** attr:value constraints on agent attributes (as Flink's mesos.constraints.hard.hostattribute); "hostname" matches the agent host. */
export function parseConstraints(input: AttributeConstraint[] | string[]): AttributeConstraint[] {
  const out: AttributeConstraint[] = [];
  for (const item of input) {
    if (typeof item !== 'string') {
      if (!item.attribute) throw new SessionOptionError('--constraint', 'a constraint has no attribute name.', 'Write constraints as attr:value, e.g. --constraint rack:r1.');
      out.push({ attribute: item.attribute, value: item.value });
      continue;
    }
    for (const part of item.split(',')) {
      const p = part.trim();
      if (p === '') continue;
      const colon = p.indexOf(':');
      if (colon <= 0 || colon === p.length - 1) {
        throw new SessionOptionError('--constraint', `"${p}" is not attr:value.`, 'Write constraints as attr:value, e.g. --constraint rack:r1 (several separated by commas).');
      }
      out.push({ attribute: p.slice(0, colon).trim(), value: p.slice(colon + 1).trim() });
    }
  }
  return out;
}

function validateFlinkLocation(flink: FlinkLocation | undefined): FlinkLocation {
  const fix = 'Say where Flink is on the agents: --flink-home DIR (a folder on every agent), --flink-uri URI (an archive the agents fetch) or --docker-image IMAGE.';
  if (!flink) throw new SessionOptionError('--flink-home', 'the Flink location is missing.', fix);
  switch (flink.kind) {
    case 'home':
      if (!flink.path || !flink.path.startsWith('/')) {
        throw new SessionOptionError('--flink-home', `"${flink.path}" is not an absolute path.`, 'Pass the absolute path of the Flink folder as the agents see it, e.g. --flink-home /opt/flink.');
      }
      return { kind: 'home', path: flink.path.replace(/\/+$/, '') || '/' };
    case 'uri':
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(flink.uri) && !flink.uri.startsWith('/')) {
        throw new SessionOptionError('--flink-uri', `"${flink.uri}" is not a URI.`, 'Pass the URI of a Flink archive the agents can fetch, e.g. --flink-uri https://host/flink-1.19.1-bin-scala_2.12.tgz.');
      }
      return flink;
    case 'docker':
      if (!/^[a-z0-9][a-z0-9._/:@-]*$/i.test(flink.image)) {
        throw new SessionOptionError('--docker-image', `"${flink.image}" is not a Docker image name.`, 'Pass an image such as flink:1.19.1-scala_2.12 (Flink must be in /opt/flink inside it).');
      }
      return flink;
    default:
      throw new SessionOptionError('--flink-home', 'unknown Flink location.', fix);
  }
}

function positiveInteger(option: string, value: number, what: string, fix: string): number {
  if (!Number.isFinite(value) || !Number.isInteger(value) || value <= 0) {
    throw new SessionOptionError(option, `${Number.isNaN(value) ? 'not a number' : value} is not a valid value for ${what} (it must be a whole number above 0).`, fix);
  }
  return value;
}

function positiveNumber(option: string, value: number, what: string, fix: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new SessionOptionError(option, `${Number.isNaN(value) ? 'not a number' : value} is not a valid value for ${what} (it must be above 0).`, fix);
  }
  return value;
}

/** The Flink options every task of the session shares: configuration + -D, then the session's sizes. */
export function sessionFlinkConfiguration(options: SessionOptions, base: Record<string, string>): Record<string, string> {
  const conf: Record<string, string> = { ...base };
  // The session's sizes win over the conf dir: Mesos reserves exactly these resources.
  delete conf['jobmanager.memory.flink.size'];
  delete conf['taskmanager.memory.flink.size'];
  conf['jobmanager.memory.process.size'] = `${options.jobManagerMemoryMb}m`;
  conf['taskmanager.memory.process.size'] = `${options.taskManagerMemoryMb}m`;
  conf['taskmanager.cpu.cores'] = String(options.taskManagerCpus);
  conf['taskmanager.numberOfTaskSlots'] = String(options.slotsPerTaskManager);
  if (options.taskManagers !== undefined) {
    conf['parallelism.default'] = String(options.taskManagers * options.slotsPerTaskManager);
  }
  // Flink's GPU external resource, sized as Mesos gives it (Flink then discovers the GPU ids in each TaskManager).
  const gpus = options.taskOptions?.taskManagerGpus ?? 0;
  if (gpus > 0) {
    const names = (conf['external-resources'] ?? '').split(';').map((n) => n.trim()).filter((n) => n !== '' && n !== 'none');
    if (!names.includes('gpu')) names.push('gpu');
    conf['external-resources'] = names.join(';');
    conf['external-resource.gpu.amount'] = String(gpus);
    conf['external-resource.gpu.driver-factory.class'] ??= 'org.apache.flink.externalresource.gpu.GPUDriverFactory';
  }
  // The TaskManagers start beside the JobManager, not after it: one that asks before the JobManager listens would
  // otherwise wait Flink's default 10 s error delay before asking again (issue 19's real session-ready benchmark).
  if (conf['cluster.registration.error-delay'] === undefined) conf['cluster.registration.error-delay'] = '1000';
  return conf;
}

export interface ParsedStartArgs {
  input: SessionOptionsInput;
  /** Notes about legacy options (-j, -l). */
  notes: string[];
  /** Arguments the session options did not consume (CLI-only flags). */
  rest: string[];
}

/**
 * Parses the start options of the command line (old start-mesos.sh names and long names).
 * Unknown arguments are returned in `rest` for the caller (the CLI's own flags).
 */
export function parseSessionStartArgs(argv: string[]): ParsedStartArgs {
  const input: SessionOptionsInput = {};
  const dynamic: string[] = [];
  const constraints: string[] = [];
  const notes: string[] = [];
  const rest: string[] = [];
  const locations: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eqForm = /^(--[a-z-]+)=(.*)$/s.exec(arg);
    const flag = eqForm ? eqForm[1] : arg;
    const inline = eqForm ? eqForm[2] : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith('-') && v.length > 1 && !/^-\d/.test(v))) {
        throw new SessionOptionError(flag, 'needs a value.', `Write ${flag} VALUE.`);
      }
      i++;
      return v;
    };
    const num = (): number => parseSize(flag, value());
    if (flag.startsWith('-D') && flag.length > 2 && !flag.startsWith('--')) { dynamic.push(flag.slice(2)); continue; }
    switch (flag) {
      case '-m': case '--master': input.master = value(); break;
      case '-n': case '--task-managers': input.taskManagers = num(); break;
      case '-s': case '--slots': input.slotsPerTaskManager = num(); break;
      case '-tm': case '--task-manager-memory': input.taskManagerMemoryMb = parseMemoryMb(flag, value()); break;
      case '-tmc': case '--task-manager-cpus': input.taskManagerCpus = num(); break;
      case '-jm': case '--job-manager-memory': input.jobManagerMemoryMb = parseMemoryMb(flag, value()); break;
      case '-jmc': case '--job-manager-cpus': input.jobManagerCpus = num(); break;
      case '--disk': input.diskMb = parseMemoryMb(flag, value()); break;
      case '-c': case '--conf-dir': input.confDir = value(); break;
      case '-D': dynamic.push(value()); break;
      case '--flink-home': input.flink = { kind: 'home', path: value() }; locations.push(flag); break;
      case '--flink-uri': input.flink = { kind: 'uri', uri: value() }; locations.push(flag); break;
      case '--docker-image': input.flink = { kind: 'docker', image: value() }; locations.push(flag); break;
      case '--mesos-image': input.flink = { kind: 'docker', image: value() }; input.containerizer = 'mesos'; locations.push(flag); break;
      case '-j': case '--jar': {
        const jar = value();
        if (/\.jar$/i.test(jar)) {
          throw new SessionOptionError('-j', `"${jar}" is a Flink jar; this tool starts Flink's own bin/jobmanager.sh and bin/taskmanager.sh, so it needs the whole Flink distribution.`,
            'Pass --flink-home DIR (the Flink folder on every agent), --flink-uri URI (a Flink archive the agents fetch) or --docker-image IMAGE instead of -j.');
        }
        if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(jar) || /\.(tgz|tar\.gz|tar|zip|tar\.bz2|txz|tar\.xz)$/i.test(jar)) {
          input.flink = { kind: 'uri', uri: jar };
          notes.push(`-j ${jar} is taken as --flink-uri ${jar} (the agents fetch and extract it).`);
        } else {
          input.flink = { kind: 'home', path: jar };
          notes.push(`-j ${jar} is taken as --flink-home ${jar} (the Flink folder on every agent).`);
        }
        locations.push(flag);
        break;
      }
      case '-l': case '--mesos-lib':
        value();
        notes.push('-l (the Mesos native library) is ignored: this tool speaks Mesos\'s HTTP API, which needs no native library.');
        break;
      case '-w': case '--web-ui': input.webUi = true; break;
      case '--no-web-ui': input.webUi = false; break;
      case '-v': case '--verbose': input.verbose = true; break;
      case '--name': input.name = value(); break;
      case '--role': case '--roles': (input.roles ??= []).push(value()); break;
      case '--principal': input.principal = value(); break;
      case '--user': input.user = value(); break;
      case '--framework-name': input.frameworkName = value(); break;
      case '--failover-timeout': input.failoverTimeoutSeconds = num(); break;
      case '--constraint': case '--constraints': constraints.push(value()); break;
      case '--max-failures-per-minute': input.maxTaskManagerFailuresPerMinute = num(); break;
      case '--fit-timeout': input.fitTimeoutSeconds = num(); break;
      case '--decline-seconds': input.declineRefuseSeconds = num(); break;
      case '--unreachable-grace': input.unreachableGraceSeconds = num(); break;
      case '--ha': input.ha = value(); break;
      case '--ha-storage': input.haStorage = value(); break;
      case '--max-job-manager-restarts': input.maxJobManagerRestartsPerHour = num(); break;
      default: if (!parseTaskFlag(flag, value, num, input) && !parseSslFlag(flag, value, input)) rest.push(arg);
    }
  }
  if (locations.length > 1) {
    throw new SessionOptionError(locations[1], `Flink's location is given twice (${locations.join(' and ')}).`, 'Pass only one of --flink-home, --flink-uri, --docker-image and --mesos-image.');
  }
  input.dynamicProperties = dynamic;
  input.constraints = constraints;
  return { input, notes, rest };
}

function parseSize(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new SessionOptionError(flag, `"${text}" is not a number.`, `Write ${flag} followed by a number.`);
  }
  return n;
}

/** Megabytes: a plain number, or with a unit (512m, 4g). */
export function parseMemoryMb(flag: string, text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(m|mb|g|gb)?\s*$/i.exec(text);
  if (!m) throw new SessionOptionError(flag, `"${text}" is not a memory size.`, `Write ${flag} with megabytes, e.g. ${flag} 4096 (or 4g).`);
  const unit = (m[2] ?? 'm').toLowerCase();
  return Math.round(Number(m[1]) * (unit.startsWith('g') ? 1024 : 1));
}
