// The session options that shape each task's TaskInfo beyond cpus and memory, as Flink 1.13's mesos.resourcemanager.tasks.*
// options did: TaskManager disk and GPUs, fetcher URIs, environment, a bootstrap command, port assignments, the
// TaskManagers' advertised host name, and the container (Docker, or the Mesos containerizer running a Docker image).
import { isKnownFlinkKey } from '../flink/flinkConfiguration';
import { SessionOptionError } from './SessionOptions';

/** A CommandInfo.URI the agents fetch into the sandbox (Mesos' defaults: extract true, executable and cache false). */
export interface FetchUri { value: string; executable: boolean; extract: boolean; cache: boolean }

export interface DockerVolume { hostPath: string; containerPath: string; mode: 'RW' | 'RO' }

/** How the image of a docker Flink location runs. */
export interface ContainerOptions {
  /** docker: the Docker containerizer; mesos: the Mesos containerizer running the Docker image (universal container runtime). */
  containerizer: 'docker' | 'mesos';
  /** Where Flink is inside the image. */
  flinkHome: string;
  forcePull: boolean;
  volumes: DockerVolume[];
  /** Extra `docker run` parameters (Docker containerizer only). */
  parameters: { key: string; value: string }[];
  /** HOST: Flink binds the agent's ports; BRIDGE: each offered port is mapped to the same port in the container. */
  network: 'HOST' | 'BRIDGE';
}

export interface TaskOptions {
  /** Disk per TaskManager in MB (default: the session's --disk). */
  taskManagerDiskMb?: number;
  /** Whole GPUs per TaskManager (the framework then declares GPU_RESOURCES). */
  taskManagerGpus: number;
  uris: FetchUri[];
  environment: Record<string, string>;
  /** Run by the task's shell before Flink starts; Flink does not start when it fails. */
  bootstrapCommand?: string;
  /** Flink configuration keys that each get a port of the offer, in every task. */
  portAssignments: string[];
  /** The TaskManagers' advertised address; _TASK_ becomes the task id (for Mesos-DNS names). */
  taskManagerHostname?: string;
  container: ContainerOptions;
}

/** What callers give: the CLI's and the settings' strings, or ready values. */
export interface TaskOptionsInput {
  taskManagerDiskMb?: number;
  taskManagerGpus?: number;
  uris?: (string | FetchUri)[];
  environment?: Record<string, string> | string[];
  bootstrapCommand?: string;
  portAssignments?: string[];
  taskManagerHostname?: string;
  containerizer?: 'docker' | 'mesos';
  imageFlinkHome?: string;
  dockerForcePull?: boolean;
  dockerVolumes?: (string | DockerVolume)[];
  dockerParameters?: string[];
  dockerNetwork?: string;
}

export const DEFAULT_IMAGE_FLINK_HOME = '/opt/flink';

/** Keys the session sets itself in every task: a port assignment may not take them. */
const SESSION_PORT_KEYS = new Set(['jobmanager.rpc.port', 'rest.port', 'rest.bind-port', 'blob.server.port', 'taskmanager.rpc.port', 'taskmanager.data.port']);

/** Checks and fills the task options; `image` says whether Flink comes from a Docker image (container options need one). */
export function validateTaskOptions(input: TaskOptionsInput, image: boolean): TaskOptions {
  let taskManagerDiskMb: number | undefined;
  if (input.taskManagerDiskMb !== undefined) {
    if (!Number.isFinite(input.taskManagerDiskMb) || input.taskManagerDiskMb < 0) {
      throw new SessionOptionError('--task-manager-disk', `${input.taskManagerDiskMb} is not a disk size.`, 'Pass --task-manager-disk with a size in MB (0 asks for none).');
    }
    taskManagerDiskMb = input.taskManagerDiskMb;
  }
  const gpus = input.taskManagerGpus ?? 0;
  if (!Number.isInteger(gpus) || gpus < 0) {
    throw new SessionOptionError('--task-manager-gpus', `${gpus} is not a number of GPUs.`, 'Pass a whole number of GPUs per TaskManager (Mesos offers whole GPUs only), or 0 for none.');
  }
  const uris = (input.uris ?? []).map((u) => (typeof u === 'string' ? parseFetchUri(u) : u));
  const environment = parseEnvironment(input.environment ?? {});
  const bootstrapCommand = input.bootstrapCommand?.trim() ? input.bootstrapCommand.trim() : undefined;
  const portAssignments = parsePortAssignments(input.portAssignments ?? []);
  let taskManagerHostname: string | undefined;
  if (input.taskManagerHostname !== undefined && input.taskManagerHostname.trim() !== '') {
    taskManagerHostname = input.taskManagerHostname.trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(taskManagerHostname)) {
      throw new SessionOptionError('--task-manager-hostname', `"${taskManagerHostname}" is not a host name template.`,
        'Write a host name where _TASK_ stands for the task id, e.g. _TASK_.flink.marathon.mesos (letters, digits, ".", "-" and "_").');
    }
  }
  const container = validateContainer(input, image);
  return { taskManagerDiskMb, taskManagerGpus: gpus, uris, environment, bootstrapCommand, portAssignments, taskManagerHostname, container };
}

/** URI[,executable][,extract|no-extract][,cache]: commas cannot be part of the URI (as in Flink's mesos.resourcemanager.tasks.uris). */
export function parseFetchUri(text: string): FetchUri {
  const [value, ...flags] = text.split(',').map((s) => s.trim());
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(value) && !value.startsWith('/')) {
    throw new SessionOptionError('--uri', `"${value}" is not a URI.`, 'Pass a URI the agents can fetch (http(s)://, hdfs://, file:// or an absolute path), e.g. --uri https://host/keystore.jks.');
  }
  const uri: FetchUri = { value, executable: false, extract: true, cache: false };
  for (const flag of flags) {
    switch (flag.toLowerCase()) {
      case 'executable': uri.executable = true; break;
      case 'extract': uri.extract = true; break;
      case 'no-extract': uri.extract = false; break;
      case 'cache': uri.cache = true; break;
      default:
        throw new SessionOptionError('--uri', `"${flag}" in "${text}" is not a fetcher flag.`, 'Write --uri URI[,executable][,extract|no-extract][,cache].');
    }
  }
  return uri;
}

export function parseEnvironment(input: Record<string, string> | string[]): Record<string, string> {
  const entries: [string, string][] = Array.isArray(input)
    ? input.map((e) => {
      const eq = e.indexOf('=');
      if (eq < 0) throw new SessionOptionError('--env', `"${e}" has no "=".`, 'Write each variable as --env NAME=VALUE.');
      return [e.slice(0, eq).trim(), e.slice(eq + 1)];
    })
    : Object.entries(input);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new SessionOptionError('--env', `"${name}" is not an environment variable name.`, 'Use letters, digits and "_", not starting with a digit, e.g. --env HADOOP_CONF_DIR=/etc/hadoop.');
    }
    if (name === 'FLINK_MESOS_SESSION') {
      throw new SessionOptionError('--env', 'FLINK_MESOS_SESSION is set by the session itself.', 'Leave it out.');
    }
    out[name] = String(value);
  }
  return out;
}

function parsePortAssignments(keys: string[]): string[] {
  const out: string[] = [];
  for (const item of keys) {
    for (const part of item.split(',')) {
      const key = part.trim();
      if (key === '') continue;
      if (/\s|=/.test(key) || !isKnownFlinkKey(key)) {
        throw new SessionOptionError('--port-assignment', `"${key}" is not a Flink configuration option.`,
          'Name a Flink option that takes a port, e.g. --port-assignment metrics.reporter.prom.port.');
      }
      if (SESSION_PORT_KEYS.has(key)) {
        throw new SessionOptionError('--port-assignment', `the session already gives ${key} a port of the offer.`, 'Leave it out.');
      }
      if (!out.includes(key)) out.push(key);
    }
  }
  return out;
}

/** [HOST_PATH:]CONTAINER_PATH[:ro|rw], as Flink's mesos.resourcemanager.tasks.container.volumes. */
export function parseDockerVolume(text: string): DockerVolume {
  const parts = text.split(':');
  const fix = 'Write --docker-volume HOST_PATH:CONTAINER_PATH[:ro|rw], e.g. --docker-volume /etc/hadoop:/etc/hadoop:ro.';
  let mode: 'RW' | 'RO' = 'RW';
  const last = parts[parts.length - 1];
  if (parts.length === 3 || (parts.length === 2 && !last.startsWith('/'))) {
    const m = last.toLowerCase();
    if (m !== 'ro' && m !== 'rw') throw new SessionOptionError('--docker-volume', `"${text}" has the mode "${last}"; a volume is ro (read-only) or rw (read-write).`, fix);
    mode = m === 'ro' ? 'RO' : 'RW';
    parts.pop();
  }
  if (parts.length > 2 || parts.some((p) => !p.startsWith('/'))) {
    throw new SessionOptionError('--docker-volume', `"${text}" is not HOST_PATH:CONTAINER_PATH[:MODE] with absolute paths.`, fix);
  }
  const [first, second] = parts;
  return second === undefined ? { hostPath: '', containerPath: first, mode } : { hostPath: first, containerPath: second, mode };
}

function validateContainer(input: TaskOptionsInput, image: boolean): ContainerOptions {
  const containerizer = input.containerizer ?? 'docker';
  if (containerizer !== 'docker' && containerizer !== 'mesos') {
    throw new SessionOptionError('--containerizer', `"${String(containerizer)}" is not a containerizer.`, 'Pass docker or mesos.');
  }
  const volumes = (input.dockerVolumes ?? []).map((v) => (typeof v === 'string' ? parseDockerVolume(v) : v));
  for (const v of volumes) {
    if (v.mode !== 'RO' && v.mode !== 'RW') {
      throw new SessionOptionError('--docker-volume', `the volume ${v.containerPath} has the mode "${String(v.mode)}".`, 'Use RO or RW.');
    }
  }
  const parameters = (input.dockerParameters ?? []).map((p) => {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).trim().replace(/^--/, '');
    if (!/^[a-z][a-z0-9-]*$/.test(key)) {
      throw new SessionOptionError('--docker-parameter', `"${p}" is not a docker run option.`, 'Write --docker-parameter KEY=VALUE with a `docker run` option name, e.g. --docker-parameter shm-size=1g.');
    }
    return { key, value: eq < 0 ? '' : p.slice(eq + 1) };
  });
  const network = (input.dockerNetwork ?? 'HOST').toUpperCase();
  if (network !== 'HOST' && network !== 'BRIDGE') {
    throw new SessionOptionError('--docker-network', `"${input.dockerNetwork}" is not a network mode the session supports.`, 'Pass HOST (default) or BRIDGE.');
  }
  const flinkHome = (input.imageFlinkHome ?? DEFAULT_IMAGE_FLINK_HOME).replace(/\/+$/, '') || '/';
  if (!flinkHome.startsWith('/')) {
    throw new SessionOptionError('--image-flink-home', `"${input.imageFlinkHome}" is not an absolute path.`, 'Pass the Flink folder inside the image, e.g. --image-flink-home /opt/flink.');
  }
  const given = [
    ...(input.containerizer !== undefined ? ['--containerizer'] : []), ...(input.imageFlinkHome !== undefined ? ['--image-flink-home'] : []),
    ...(input.dockerForcePull ? ['--docker-force-pull'] : []), ...(volumes.length > 0 ? ['--docker-volume'] : []),
    ...(parameters.length > 0 ? ['--docker-parameter'] : []), ...(input.dockerNetwork !== undefined ? ['--docker-network'] : []),
  ];
  if (!image && given.length > 0) {
    throw new SessionOptionError(given[0], 'applies to a Flink that runs from an image, and no image was given.', 'Pass --docker-image IMAGE (or --mesos-image IMAGE), or leave the container options out.');
  }
  if (containerizer === 'mesos' && parameters.length > 0) {
    throw new SessionOptionError('--docker-parameter', '`docker run` parameters apply to the Docker containerizer, not to the Mesos containerizer.', 'Use --docker-image instead of --mesos-image, or leave --docker-parameter out.');
  }
  if (containerizer === 'mesos' && network === 'BRIDGE') {
    throw new SessionOptionError('--docker-network', 'BRIDGE applies to the Docker containerizer; the Mesos containerizer here shares the agent\'s network.', 'Use --docker-image for BRIDGE, or leave --docker-network out.');
  }
  return { containerizer, flinkHome, forcePull: input.dockerForcePull ?? false, volumes, parameters, network };
}

/** Parses one task-option flag of the command line into `input`; false when the flag is not one of them. */
export function parseTaskFlag(flag: string, value: () => string, num: () => number, input: TaskOptionsInput): boolean {
  switch (flag) {
    case '-tmd': case '--task-manager-disk': input.taskManagerDiskMb = num(); return true;
    case '-tmg': case '--task-manager-gpus': input.taskManagerGpus = num(); return true;
    case '--uri': (input.uris ??= []).push(value()); return true;
    case '--env': ((input.environment ??= []) as string[]).push(value()); return true;
    case '--bootstrap-command': input.bootstrapCommand = value(); return true;
    case '--port-assignment': case '--port-assignments': (input.portAssignments ??= []).push(value()); return true;
    case '--task-manager-hostname': input.taskManagerHostname = value(); return true;
    case '--image-flink-home': input.imageFlinkHome = value(); return true;
    case '--docker-force-pull': input.dockerForcePull = true; return true;
    case '--docker-volume': (input.dockerVolumes ??= []).push(value()); return true;
    case '--docker-parameter': (input.dockerParameters ??= []).push(value()); return true;
    case '--docker-network': input.dockerNetwork = value(); return true;
    default: return false;
  }
}
