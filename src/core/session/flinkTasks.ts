// Flink's standalone processes as plain Mesos command tasks:
// "$FLINK_HOME"/bin/jobmanager.sh start-foreground -D k=v ... and bin/taskmanager.sh likewise.
import type { CommandInfo, ContainerInfo, Resource, TaskInfo } from '../mesos/types';
import type { FlinkLocation, SessionOptions } from './SessionOptions';
import { NOT_A_DISTRIBUTION_MARK } from './startupFailure';
import { applicationEntryArgs, applicationJarUri, applicationJobManagerConfiguration, applicationLayoutScript } from '../application/applicationSpec';

export type FlinkProcessKind = 'jobmanager' | 'taskmanager';

/** Where Flink is inside a Docker image (the official images use it). */
export const DOCKER_FLINK_HOME = '/opt/flink';

export interface JobManagerPorts { rpc: number; rest: number; blob: number }
export interface TaskManagerPorts { rpc: number; data: number }

/** What every task of one session shares. */
export interface SessionTaskSpec {
  options: SessionOptions;
  /** Conf dir + -D + the session's sizes (sessionFlinkConfiguration). */
  flinkConfiguration: Record<string, string>;
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

export function jobManagerConfiguration(spec: SessionTaskSpec, hostname: string, ports: JobManagerPorts): Record<string, string> {
  const base = spec.flinkConfiguration;
  return {
    ...base,
    // As the old guide promised: the JobManager's address is the agent it runs on.
    'jobmanager.rpc.address': hostname,
    'jobmanager.rpc.port': String(ports.rpc),
    // Every interface: Flink 1.x submits a REST jar run to its own blob server at "localhost" (its local dispatcher
    // gateway has no host), so a JobManager bound to the agent's address alone refuses its own upload (seen in 1.13 and 1.20).
    'jobmanager.bind-host': base['jobmanager.bind-host'] ?? '0.0.0.0',
    'rest.address': hostname,
    'rest.port': String(ports.rest),
    'rest.bind-port': String(ports.rest),
    'rest.bind-address': base['rest.bind-address'] ?? bindHost(hostname),
    'blob.server.port': String(ports.blob),
    ...(spec.options.application ? applicationJobManagerConfiguration(spec.options.application) : {}),
  };
}

export function taskManagerConfiguration(spec: SessionTaskSpec, taskId: string, hostname: string, ports: TaskManagerPorts,
  jobManager: { hostname: string; rpcPort: number }): Record<string, string> {
  return { ...spec.flinkConfiguration, ...taskManagerOwnConfiguration(spec.flinkConfiguration, taskId, hostname, ports, jobManager) };
}

/** The keys each TaskManager sets for itself, over the session's configuration. */
function taskManagerOwnConfiguration(base: Record<string, string>, taskId: string, hostname: string, ports: TaskManagerPorts,
  jobManager: { hostname: string; rpcPort: number }): Record<string, string> {
  return {
    'jobmanager.rpc.address': jobManager.hostname,
    'jobmanager.rpc.port': String(jobManager.rpcPort),
    'taskmanager.host': hostname,
    'taskmanager.bind-host': base['taskmanager.bind-host'] ?? bindHost(hostname),
    'taskmanager.rpc.port': String(ports.rpc),
    'taskmanager.data.port': String(ports.data),
    // Flink's /taskmanagers ids then equal Mesos task ids.
    'taskmanager.resource-id': taskId,
  };
}

const TASK_MANAGER_OWN_KEYS = Object.keys(taskManagerOwnConfiguration({}, 't', 'h', { rpc: 1, data: 2 }, { hostname: 'j', rpcPort: 3 }));

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
  container: ContainerInfo | undefined;
}

const templates = new WeakMap<SessionTaskSpec, TaskManagerCommandTemplate>();

function taskManagerTemplate(spec: SessionTaskSpec): TaskManagerCommandTemplate {
  let template = templates.get(spec);
  if (template) return template;
  const base = spec.flinkConfiguration;
  const own = new Set(TASK_MANAGER_OWN_KEYS);
  const pieces: { shared?: string; key?: string; prefix?: string }[] = [];
  let run: string[] = [];
  const endRun = (): void => { if (run.length > 0) pieces.push({ shared: ` ${run.join(' ')}` }); run = []; };
  // Keys of the session's configuration keep their place when a TaskManager overrides them; its new keys follow.
  for (const key of Object.keys(base)) {
    if (own.has(key)) { endRun(); pieces.push({ key, prefix: ` -D ${key}=` }); } else run.push('-D', shellQuote(`${key}=${base[key]}`));
  }
  endRun();
  for (const key of TASK_MANAGER_OWN_KEYS) if (!(key in base)) pieces.push({ key, prefix: ` -D ${key}=` });
  const location = spec.options.flink;
  template = {
    pieces, head: flinkCommandHead(location, 'taskmanager', spec.options),
    uris: taskUris(spec.options),
    environment: { variables: [{ name: 'FLINK_MESOS_SESSION', value: spec.options.name }] },
    labels: taskLabels(spec, 'taskmanager'),
    container: containerInfo(location),
  };
  templates.set(spec, template);
  return template;
}

const SAFE_WORD = /^[A-Za-z0-9_./=:,@%+-]+$/;

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The shell command run by the Mesos command executor. */
export function flinkCommand(location: FlinkLocation, kind: FlinkProcessKind, configuration: Record<string, string>, options?: SessionOptions): string {
  const parts: string[] = [];
  for (const key of Object.keys(configuration)) parts.push('-D', shellQuote(`${key}=${configuration[key]}`));
  const head = flinkCommandHead(location, kind, options);
  if (kind === 'taskmanager') return `${head} ${parts.join(' ')}`;
  // standalone-job.sh reads -D in every tested version (1.13 too): no legacy conf copy.
  if (options?.application) return `${head} ${parts.join(' ')} ${applicationEntryArgs(options.application)}`.trimEnd();
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
  const lines = Object.keys(conf).map((key) => shellQuote(`${key}: ${conf[key]}`));
  return `if grep -qF '[host] [webui-port]' "$FLINK_HOME/bin/jobmanager.sh"; then ` +
    'mkdir -p "$MESOS_SANDBOX/conf" && cp -R "$FLINK_HOME/conf/." "$MESOS_SANDBOX/conf/" && ' +
    `printf '%s\\n' '' ${lines.join(' ')} >> "$MESOS_SANDBOX/conf/flink-conf.yaml" && ` +
    `export FLINK_CONF_DIR="$MESOS_SANDBOX/conf" && ${START_JOBMANAGER}; fi && `;
}

/** The command up to its -D words. An application's JobManager runs Flink's application entry point instead. */
function flinkCommandHead(location: FlinkLocation, kind: FlinkProcessKind, options?: SessionOptions): string {
  const home = flinkHomeScript(location, kind);
  const app = options?.application;
  const script = app && kind === 'jobmanager' ? 'standalone-job' : kind;
  // Logs stay in the task's sandbox so each task's log is readable through the agent.
  return `${home} && mkdir -p "$MESOS_SANDBOX/log" && export FLINK_LOG_DIR="$MESOS_SANDBOX/log" && ` +
    `${app ? `${applicationLayoutScript(app)} && ` : ''}exec "$FLINK_HOME/bin/${script}.sh" start-foreground`;
}

/** What the fetcher of every task fetches: the Flink archive (--flink-uri) and an application's jar. */
function taskUris(options: SessionOptions): CommandInfo['uris'] {
  const uris: NonNullable<CommandInfo['uris']> = [];
  if (options.flink.kind === 'uri') uris.push({ value: options.flink.uri, extract: true, cache: false });
  if (options.application) uris.push(applicationJarUri(options.application));
  return uris.length > 0 ? uris : undefined;
}

function flinkHomeScript(location: FlinkLocation, kind: FlinkProcessKind): string {
  switch (location.kind) {
    case 'home': return `export FLINK_HOME=${shellQuote(location.path)} && ${distributionCheck(location.path, kind, '--flink-home')}`;
    case 'docker': return `export FLINK_HOME=${DOCKER_FLINK_HOME} && ${distributionCheck(`${DOCKER_FLINK_HOME} in the image ${location.image}`, kind, '--docker-image')}`;
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
    value: flinkCommand(location, kind, configuration, spec.options),
    environment: { variables: [{ name: 'FLINK_MESOS_SESSION', value: spec.options.name }] },
  };
  const uris = taskUris(spec.options);
  if (uris) command.uris = uris;
  return command;
}

export function containerInfo(location: FlinkLocation): ContainerInfo | undefined {
  if (location.kind !== 'docker') return undefined;
  // Host networking: Flink binds the ports offered by the agent itself.
  return { type: 'DOCKER', docker: { image: location.image, network: 'HOST' } };
}

export function buildJobManagerTask(spec: SessionTaskSpec, agentId: string, hostname: string, resources: Resource[], ports: JobManagerPorts): TaskInfo {
  const taskId = jobManagerTaskId(spec.options.name);
  return task(spec, 'jobmanager', taskId, `Flink JobManager (${spec.options.name})`, agentId, resources,
    jobManagerConfiguration(spec, hostname, ports));
}

export function buildTaskManagerTask(spec: SessionTaskSpec, taskId: string, agentId: string, hostname: string, resources: Resource[],
  ports: TaskManagerPorts, jobManager: { hostname: string; rpcPort: number }): TaskInfo {
  const template = taskManagerTemplate(spec);
  const own = taskManagerOwnConfiguration(spec.flinkConfiguration, taskId, hostname, ports, jobManager);
  let value = template.head;
  for (const piece of template.pieces) {
    if (piece.shared !== undefined) { value += piece.shared; continue; }
    const v = own[piece.key as string];
    // The keys are plain words: the value alone decides whether the word needs quotes.
    value += SAFE_WORD.test(v) ? piece.prefix + v : ` -D ${shellQuote(`${piece.key}=${v}`)}`;
  }
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
  if (template.container) info.container = template.container;
  return info;
}

function taskLabels(spec: SessionTaskSpec, kind: FlinkProcessKind): TaskInfo['labels'] {
  return { labels: [{ key: 'flink-mesos.session', value: spec.options.name }, { key: 'flink-mesos.process', value: kind }] };
}

function task(spec: SessionTaskSpec, kind: FlinkProcessKind, taskId: string, name: string, agentId: string, resources: Resource[],
  configuration: Record<string, string>): TaskInfo {
  const info: TaskInfo = {
    name,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources,
    command: commandInfo(spec, kind, configuration),
    labels: taskLabels(spec, kind),
  };
  const container = containerInfo(spec.options.flink);
  if (container) info.container = container;
  return info;
}
