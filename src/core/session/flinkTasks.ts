// Flink's standalone processes as plain Mesos command tasks:
// "$FLINK_HOME"/bin/jobmanager.sh start-foreground -D k=v ... and bin/taskmanager.sh likewise.
import type { CommandInfo, ContainerInfo, Resource, TaskInfo } from '../mesos/types';
import type { FlinkLocation, SessionOptions } from './SessionOptions';
import { NOT_A_DISTRIBUTION_MARK } from './startupFailure';
import { DEFAULT_CONTAINER, containerInfo } from './taskContainer';
import type { TaskOptions } from './taskOptions';
import { TASK_EXPANDED_VALUE, TASK_SSL_PASSWORD_ENV, sslFetchUris } from './flinkSsl';
import { type ApplicationSpec, applicationEntryArgs, applicationJarUri, applicationJobManagerConfiguration, applicationLayoutScript } from '../application/applicationSpec';

export type FlinkProcessKind = 'jobmanager' | 'taskmanager';

/** Where Flink is inside a Docker image (the official images use it). */
export const DOCKER_FLINK_HOME = '/opt/flink';

/** assigned: the ports of the port-assignment keys, by key. */
export interface JobManagerPorts { rpc: number; rest: number; blob: number; assigned?: Record<string, number> }
export interface TaskManagerPorts { rpc: number; data: number; assigned?: Record<string, number> }

const NO_TASK_OPTIONS: TaskOptions = { taskManagerGpus: 0, uris: [], environment: {}, portAssignments: [], container: DEFAULT_CONTAINER };

/** The session's task options (none for a session saved before they existed). */
export function taskOptionsOf(options: SessionOptions): TaskOptions {
  return options.taskOptions ?? NO_TASK_OPTIONS;
}

/** What every task of one session shares. */
export interface SessionTaskSpec {
  options: SessionOptions;
  /** Conf dir + -D + the session's sizes (sessionFlinkConfiguration). */
  flinkConfiguration: Record<string, string>;
  /** The TLS stores' password (never stored): the tasks get it in their environment. */
  sslPassword?: string;
}

export function jobManagerTaskId(session: string): string {
  return `jobmanager-${session}`;
}

export function taskManagerTaskId(session: string, number: number): string {
  return `taskmanager-${session}-${String(number).padStart(5, '0')}`;
}

/** The TaskManager number in a task id of this session, or undefined for other ids. */
export function taskManagerNumber(session: string, taskId: string): number | undefined {
  const prefix = `taskmanager-${session}-`;
  if (!taskId.startsWith(prefix)) return undefined;
  const n = Number(taskId.slice(prefix.length));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// An IP literal is safe to bind; a host name may resolve to a loopback alias on the agent, so bind every interface then.
function bindHost(hostname: string): string {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':') ? hostname : '0.0.0.0';
}

/** In a BRIDGE container the agent's address is not the container's: bind every interface. */
function bridged(spec: SessionTaskSpec): boolean {
  return spec.options.flink.kind === 'docker' && taskOptionsOf(spec.options).container.network === 'BRIDGE' && taskOptionsOf(spec.options).container.containerizer === 'docker';
}

export function jobManagerConfiguration(spec: SessionTaskSpec, hostname: string, ports: JobManagerPorts): Record<string, string> {
  const base = spec.flinkConfiguration;
  const assigned: Record<string, string> = {};
  for (const [key, port] of Object.entries(ports.assigned ?? {})) assigned[key] = String(port);
  return {
    ...base,
    ...assigned,
    // As the old guide promised: the JobManager's address is the agent it runs on.
    'jobmanager.rpc.address': hostname,
    'jobmanager.rpc.port': String(ports.rpc),
    // Every interface: Flink 1.x submits a REST jar run to its own blob server at "localhost" (its local dispatcher
    // gateway has no host), so a JobManager bound to the agent's address alone refuses its own upload (seen in 1.13 and 1.20).
    'jobmanager.bind-host': base['jobmanager.bind-host'] ?? '0.0.0.0',
    'rest.address': hostname,
    'rest.port': String(ports.rest),
    'rest.bind-port': String(ports.rest),
    'rest.bind-address': base['rest.bind-address'] ?? (bridged(spec) ? '0.0.0.0' : bindHost(hostname)),
    'blob.server.port': String(ports.blob),
    ...(spec.options.application ? applicationJobManagerConfiguration(spec.options.application) : {}),
  };
}

export function taskManagerConfiguration(spec: SessionTaskSpec, taskId: string, hostname: string, ports: TaskManagerPorts,
  jobManager: { hostname: string; rpcPort: number }): Record<string, string> {
  return { ...spec.flinkConfiguration, ...taskManagerOwnConfiguration(spec, taskId, hostname, ports, jobManager) };
}

/** The keys each TaskManager sets for itself, over the session's configuration. */
function taskManagerOwnConfiguration(spec: SessionTaskSpec, taskId: string, hostname: string, ports: TaskManagerPorts,
  jobManager: { hostname: string; rpcPort: number }): Record<string, string> {
  const base = spec.flinkConfiguration;
  const template = taskOptionsOf(spec.options).taskManagerHostname;
  const own: Record<string, string> = {
    'jobmanager.rpc.address': jobManager.hostname,
    'jobmanager.rpc.port': String(jobManager.rpcPort),
    // The advertised address: the agent's, or the template's name (a Mesos-DNS name) with _TASK_ as the task id.
    'taskmanager.host': template ? template.split('_TASK_').join(taskId) : hostname,
    'taskmanager.bind-host': base['taskmanager.bind-host'] ?? (bridged(spec) ? '0.0.0.0' : bindHost(hostname)),
    'taskmanager.rpc.port': String(ports.rpc),
    'taskmanager.data.port': String(ports.data),
    // Flink's /taskmanagers ids then equal Mesos task ids.
    'taskmanager.resource-id': taskId,
  };
  if (ports.assigned) for (const [key, port] of Object.entries(ports.assigned)) own[key] = String(port);
  return own;
}

/** The keys every TaskManager sets for itself: the session's own, then the port-assignment keys. */
function taskManagerOwnKeys(spec: SessionTaskSpec): string[] {
  return [...BASE_TASK_MANAGER_OWN_KEYS, ...taskOptionsOf(spec.options).portAssignments.filter((k) => !BASE_TASK_MANAGER_OWN_KEYS.includes(k))];
}

const BASE_TASK_MANAGER_OWN_KEYS = ['jobmanager.rpc.address', 'jobmanager.rpc.port', 'taskmanager.host', 'taskmanager.bind-host', 'taskmanager.rpc.port',
  'taskmanager.data.port', 'taskmanager.resource-id'];

/**
 * The TaskManager command of one session, with the -D words every TaskManager shares quoted once: a round that launches
 * a thousand TaskManagers quotes the session's configuration once, not a thousand times. Gives the same command as
 * flinkCommand(location, 'taskmanager', taskManagerConfiguration(...)).
 */
interface TaskManagerCommandTemplate {
  /** In -D order: a run of shared words already quoted and joined (with its leading space), or a word each TaskManager sets. */
  pieces: { shared?: string; key?: string; prefix?: string }[];
  head: string;
  uris: CommandInfo['uris'];
  environment: CommandInfo['environment'];
  labels: TaskInfo['labels'];
  /** Shared by every TaskManager unless BRIDGE maps each one's own ports. */
  container: ContainerInfo | undefined;
  ownKeys: string[];
}

const templates = new WeakMap<SessionTaskSpec, TaskManagerCommandTemplate>();

function taskManagerTemplate(spec: SessionTaskSpec): TaskManagerCommandTemplate {
  let template = templates.get(spec);
  if (template) return template;
  const base = spec.flinkConfiguration;
  const ownKeys = taskManagerOwnKeys(spec);
  const own = new Set(ownKeys);
  const pieces: { shared?: string; key?: string; prefix?: string }[] = [];
  let run: string[] = [];
  const endRun = (): void => { if (run.length > 0) pieces.push({ shared: ` ${run.join(' ')}` }); run = []; };
  // Keys of the session's configuration keep their place when a TaskManager overrides them; its new keys follow.
  for (const key of Object.keys(base)) {
    if (own.has(key)) { endRun(); pieces.push({ key, prefix: ` -D ${key}=` }); } else run.push('-D', configWord(key, base[key], '='));
  }
  endRun();
  for (const key of ownKeys) if (!(key in base)) pieces.push({ key, prefix: ` -D ${key}=` });
  const location = spec.options.flink;
  const uris = commandUris(spec);
  template = {
    pieces, head: flinkCommandHead(location, 'taskmanager', taskOptionsOf(spec.options), spec.options.application),
    uris: uris.length > 0 ? uris : undefined,
    environment: commandEnvironment(spec),
    labels: taskLabels(spec, 'taskmanager'),
    container: bridged(spec) ? undefined : containerInfo(location, taskOptionsOf(spec.options).container),
    ownKeys,
  };
  templates.set(spec, template);
  return template;
}

const SAFE_WORD = /^[A-Za-z0-9_./=:,@%+-]+$/;

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One configuration entry as a shell word. A value the task expands when it starts ($MESOS_SANDBOX/..., the password
 * variable) goes in double quotes, so the command itself never holds the password.
 */
function configWord(key: string, value: string, separator: '=' | ': '): string {
  return TASK_EXPANDED_VALUE.test(value) && SAFE_WORD.test(key) ? `"${key}${separator}${value}"` : shellQuote(`${key}${separator}${value}`);
}

/** The shell command run by the Mesos command executor. */
export function flinkCommand(location: FlinkLocation, kind: FlinkProcessKind, configuration: Record<string, string>, task: TaskOptions = NO_TASK_OPTIONS,
  application?: ApplicationSpec): string {
  const parts: string[] = [];
  for (const key of Object.keys(configuration)) parts.push('-D', configWord(key, configuration[key], '='));
  const head = flinkCommandHead(location, kind, task, application);
  if (kind === 'taskmanager') return `${head} ${parts.join(' ')}`;
  // standalone-job.sh reads -D in every tested version (1.13 too): no legacy conf copy.
  if (application) return `${head} ${parts.join(' ')} ${applicationEntryArgs(application)}`.trimEnd();
  return head.replace(START_JOBMANAGER, `${legacyJobManagerStart(configuration)}${START_JOBMANAGER}`) + ` ${parts.join(' ')}`;
}

const START_JOBMANAGER = 'exec "$FLINK_HOME/bin/jobmanager.sh" start-foreground';

/**
 * Flink before 1.14 reads `jobmanager.sh start-foreground [host] [webui-port]` and drops -D words (the second word is taken
 * as the host), so there the JobManager's configuration goes into a copy of conf/ in the sandbox, appended to
 * flink-conf.yaml (its last value of a key wins), and FLINK_CONF_DIR points at it.
 */
function legacyJobManagerStart(configuration: Record<string, string>): string {
  const conf = configuration;
  const lines = Object.keys(conf).map((key) => configWord(key, conf[key], ': '));
  return `if grep -qF '[host] [webui-port]' "$FLINK_HOME/bin/jobmanager.sh"; then ` +
    'mkdir -p "$MESOS_SANDBOX/conf" && cp -R "$FLINK_HOME/conf/." "$MESOS_SANDBOX/conf/" && ' +
    `printf '%s\\n' '' ${lines.join(' ')} >> "$MESOS_SANDBOX/conf/flink-conf.yaml" && ` +
    `export FLINK_CONF_DIR="$MESOS_SANDBOX/conf" && ${START_JOBMANAGER}; fi && `;
}

/** The command up to its -D words. An application's JobManager runs Flink's application entry point instead. */
function flinkCommandHead(location: FlinkLocation, kind: FlinkProcessKind, task: TaskOptions, application?: ApplicationSpec): string {
  const home = flinkHomeScript(location, kind, task.container.flinkHome);
  const script = application && kind === 'jobmanager' ? 'standalone-job' : kind;
  // Logs stay in the task's sandbox so each task's log is readable through the agent.
  return `${home} && ${bootstrapScript(task.bootstrapCommand)}mkdir -p "$MESOS_SANDBOX/log" && export FLINK_LOG_DIR="$MESOS_SANDBOX/log" && ` +
    `${application ? `${applicationLayoutScript(application)} && ` : ''}exec "$FLINK_HOME/bin/${script}.sh" start-foreground`;
}

/**
 * The bootstrap command in the task's own shell (so it may export variables for Flink). An EXIT trap, cleared once it
 * succeeded, names it when it fails or calls exit: the task then fails with its status and Flink never starts.
 */
function bootstrapScript(command: string | undefined): string {
  if (!command) return '';
  const say = 'flink_mesos_status=$?; echo "flink-mesos: the bootstrap command failed with exit status $flink_mesos_status; Flink was not started" >&2';
  return `trap '${say}' EXIT && { ${command}\n} || exit $?; trap - EXIT && `;
}

function flinkHomeScript(location: FlinkLocation, kind: FlinkProcessKind, imageHome = DOCKER_FLINK_HOME): string {
  switch (location.kind) {
    case 'home': return `export FLINK_HOME=${shellQuote(location.path)} && ${distributionCheck(location.path, kind, '--flink-home')}`;
    case 'docker': return `export FLINK_HOME=${shellQuote(imageHome)} && ${distributionCheck(`${imageHome} in the image ${location.image}`, kind, '--image-flink-home')}`;
    case 'uri':
      // The archive is extracted into the sandbox, usually with one top folder (flink-1.19.1/).
      return `if [ -x "$MESOS_SANDBOX/bin/${kind}.sh" ]; then FLINK_HOME="$MESOS_SANDBOX"; ` +
        `else FLINK_HOME="$(dirname "$(dirname "$(ls -d "$MESOS_SANDBOX"/*/bin/${kind}.sh 2>/dev/null | head -n 1)")")"; fi; ` +
        `[ -x "$FLINK_HOME/bin/${kind}.sh" ] || { echo ${shellQuote(`flink-mesos: no bin/${kind}.sh in the archive fetched from ${location.uri}; pass the URI of a Flink distribution archive`)} >&2; exit 2; }; ` +
        'export FLINK_HOME';
  }
}

/** Fails the task with a message naming the problem and the fix when FLINK_HOME has no bin/<kind>.sh. */
function distributionCheck(where: string, kind: FlinkProcessKind, flag: string): string {
  const message = `flink-mesos: ${where} ${NOT_A_DISTRIBUTION_MARK} (it has no bin/${kind}.sh): pass ${flag} an unpacked Flink distribution (bin/, conf/, lib/) present on every agent`;
  return `{ [ -x "$FLINK_HOME/bin/${kind}.sh" ] || { echo ${shellQuote(message)} >&2; exit 2; }; }`;
}

export function commandInfo(spec: SessionTaskSpec, kind: FlinkProcessKind, configuration: Record<string, string>): CommandInfo {
  const location = spec.options.flink;
  const command: CommandInfo = {
    shell: true,
    value: flinkCommand(location, kind, configuration, taskOptionsOf(spec.options), spec.options.application),
    environment: commandEnvironment(spec),
  };
  const uris = commandUris(spec);
  if (uris.length > 0) command.uris = uris;
  return command;
}

/** The Flink archive (for --flink-uri), the extra fetcher URIs, and an application's jar. */
function commandUris(spec: SessionTaskSpec): NonNullable<CommandInfo['uris']> {
  const location = spec.options.flink;
  const uris: NonNullable<CommandInfo['uris']> = location.kind === 'uri' ? [{ value: location.uri, extract: true, cache: false }] : [];
  for (const u of taskOptionsOf(spec.options).uris) uris.push({ value: u.value, executable: u.executable, extract: u.extract, cache: u.cache });
  uris.push(...sslFetchUris(spec.options.flinkSsl));
  if (spec.options.application) uris.push(applicationJarUri(spec.options.application));
  return uris;
}

function commandEnvironment(spec: SessionTaskSpec): NonNullable<CommandInfo['environment']> {
  const variables = [{ name: 'FLINK_MESOS_SESSION', value: spec.options.name }];
  for (const [name, value] of Object.entries(taskOptionsOf(spec.options).environment)) variables.push({ name, value });
  if (spec.sslPassword !== undefined) variables.push({ name: TASK_SSL_PASSWORD_ENV, value: spec.sslPassword });
  return { variables };
}

/** Every port a task took, for BRIDGE port mappings. */
function portList(ports: { assigned?: Record<string, number> } & Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const [k, v] of Object.entries(ports)) if (k !== 'assigned' && typeof v === 'number') out.push(v);
  for (const v of Object.values(ports.assigned ?? {})) out.push(v);
  return out;
}

export function buildJobManagerTask(spec: SessionTaskSpec, agentId: string, hostname: string, resources: Resource[], ports: JobManagerPorts,
  taskId = jobManagerTaskId(spec.options.name)): TaskInfo {
  return task(spec, 'jobmanager', taskId, `Flink JobManager (${spec.options.name})`, agentId, resources,
    jobManagerConfiguration(spec, hostname, ports), portList({ ...ports }));
}

export function buildTaskManagerTask(spec: SessionTaskSpec, taskId: string, agentId: string, hostname: string, resources: Resource[],
  ports: TaskManagerPorts, jobManager: { hostname: string; rpcPort: number }): TaskInfo {
  const template = taskManagerTemplate(spec);
  const own = taskManagerOwnConfiguration(spec, taskId, hostname, ports, jobManager);
  // Joined, not concatenated: one flat string instead of a rope of cons cells that sending would flatten again.
  // At its size from the start (an own key takes two words, its prefix and its value).
  const words = new Array<string>(1 + 2 * template.pieces.length);
  let w = 0;
  words[w++] = template.head;
  for (const piece of template.pieces) {
    if (piece.shared !== undefined) { words[w++] = piece.shared; continue; }
    const v = own[piece.key as string];
    // The keys are plain words: the value alone decides whether the word needs quotes.
    if (SAFE_WORD.test(v)) { words[w++] = piece.prefix as string; words[w++] = v; } else words[w++] = ` -D ${shellQuote(`${piece.key}=${v}`)}`;
  }
  // The slots a shared run left unused are holes, which join() takes as empty.
  const value = words.join('');
  const command: CommandInfo = { shell: true, value, environment: template.environment };
  if (template.uris) command.uris = template.uris;
  const info: TaskInfo = {
    name: `Flink TaskManager ${taskId.slice(taskId.lastIndexOf('-') + 1)} (${spec.options.name})`,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources,
    command,
    labels: template.labels,
  };
  // Only a BRIDGE container differs per TaskManager (its port mappings).
  const container = template.container ?? (bridged(spec) ? containerInfo(spec.options.flink, taskOptionsOf(spec.options).container, portList({ ...ports })) : undefined);
  if (container) info.container = container;
  return info;
}

function taskLabels(spec: SessionTaskSpec, kind: FlinkProcessKind): TaskInfo['labels'] {
  return { labels: [{ key: 'flink-mesos.session', value: spec.options.name }, { key: 'flink-mesos.process', value: kind }] };
}

function task(spec: SessionTaskSpec, kind: FlinkProcessKind, taskId: string, name: string, agentId: string, resources: Resource[],
  configuration: Record<string, string>, ports: number[]): TaskInfo {
  const info: TaskInfo = {
    name,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources,
    command: commandInfo(spec, kind, configuration),
    labels: taskLabels(spec, kind),
  };
  const container = containerInfo(spec.options.flink, taskOptionsOf(spec.options).container, ports);
  if (container) info.container = container;
  return info;
}
