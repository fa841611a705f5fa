// Flink's standalone processes as plain Mesos command tasks:
// "$FLINK_HOME"/bin/jobmanager.sh start-foreground -D k=v ... and bin/taskmanager.sh likewise.
import type { CommandInfo, ContainerInfo, Resource, TaskInfo } from '../mesos/types';
import type { FlinkLocation, SessionOptions } from './SessionOptions';

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
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':') ? hostname : '0.0.0.0';
}

export function jobManagerConfiguration(spec: SessionTaskSpec, hostname: string, ports: JobManagerPorts): Record<string, string> {
  const base = spec.flinkConfiguration;
  return {
    ...base,
    // As the old guide promised: the JobManager's address is the agent it runs on.
    'jobmanager.rpc.address': hostname,
    'jobmanager.rpc.port': String(ports.rpc),
    'jobmanager.bind-host': base['jobmanager.bind-host'] ?? bindHost(hostname),
    'rest.address': hostname,
    'rest.port': String(ports.rest),
    'rest.bind-port': String(ports.rest),
    'rest.bind-address': base['rest.bind-address'] ?? bindHost(hostname),
    'blob.server.port': String(ports.blob),
  };
}

export function taskManagerConfiguration(spec: SessionTaskSpec, taskId: string, hostname: string, ports: TaskManagerPorts,
  jobManager: { hostname: string; rpcPort: number }): Record<string, string> {
  const base = spec.flinkConfiguration;
  return {
    ...base,
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

/** Single-quotes a word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The shell command run by the Mesos command executor. */
export function flinkCommand(location: FlinkLocation, kind: FlinkProcessKind, configuration: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(configuration)) parts.push('-D', shellQuote(`${key}=${configuration[key]}`));
  const home = flinkHomeScript(location, kind);
  // Logs stay in the task's sandbox so each task's log is readable through the agent.
  return `${home} && mkdir -p "$MESOS_SANDBOX/log" && export FLINK_LOG_DIR="$MESOS_SANDBOX/log" && ` +
    `exec "$FLINK_HOME/bin/${kind}.sh" start-foreground ${parts.join(' ')}`;
}

function flinkHomeScript(location: FlinkLocation, kind: FlinkProcessKind): string {
  switch (location.kind) {
    case 'home': return `export FLINK_HOME=${shellQuote(location.path)}`;
    case 'docker': return `export FLINK_HOME=${DOCKER_FLINK_HOME}`;
    case 'uri':
      // The archive is extracted into the sandbox, usually with one top folder (flink-1.19.1/).
      return `if [ -x "$MESOS_SANDBOX/bin/${kind}.sh" ]; then FLINK_HOME="$MESOS_SANDBOX"; ` +
        `else FLINK_HOME="$(dirname "$(dirname "$(ls -d "$MESOS_SANDBOX"/*/bin/${kind}.sh 2>/dev/null | head -n 1)")")"; fi; ` +
        `[ -x "$FLINK_HOME/bin/${kind}.sh" ] || { echo ${shellQuote(`flink-mesos: no bin/${kind}.sh in the archive fetched from ${location.uri}; pass the URI of a Flink distribution archive`)} >&2; exit 2; }; ` +
        'export FLINK_HOME';
  }
}

export function commandInfo(spec: SessionTaskSpec, kind: FlinkProcessKind, configuration: Record<string, string>): CommandInfo {
  const location = spec.options.flink;
  const command: CommandInfo = {
    shell: true,
    value: flinkCommand(location, kind, configuration),
    environment: { variables: [{ name: 'FLINK_MESOS_SESSION', value: spec.options.name }] },
  };
  if (location.kind === 'uri') command.uris = [{ value: location.uri, extract: true, cache: false }];
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
  return task(spec, 'taskmanager', taskId, `Flink TaskManager ${taskId.slice(taskId.lastIndexOf('-') + 1)} (${spec.options.name})`, agentId, resources,
    taskManagerConfiguration(spec, taskId, hostname, ports, jobManager));
}

function task(spec: SessionTaskSpec, kind: FlinkProcessKind, taskId: string, name: string, agentId: string, resources: Resource[],
  configuration: Record<string, string>): TaskInfo {
  const info: TaskInfo = {
    name,
    task_id: { value: taskId },
    agent_id: { value: agentId },
    resources,
    command: commandInfo(spec, kind, configuration),
    labels: { labels: [{ key: 'flink-mesos.session', value: spec.options.name }, { key: 'flink-mesos.process', value: kind }] },
  };
  const container = containerInfo(spec.options.flink);
  if (container) info.container = container;
  return info;
}
