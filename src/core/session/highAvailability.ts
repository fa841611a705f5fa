// Flink's ZooKeeper high availability for a session: the --ha and --ha-storage options, and the Flink keys they become.
// The session is the framework, so it relaunches a lost JobManager itself (JobManagerRecovery.ts); ZooKeeper lets the
// TaskManagers and the new JobManager find each other and recover the jobs. Kubernetes HA does not apply on Mesos.
import { SessionOptionError } from './sessionOptionError';

export interface HighAvailabilityOptions {
  /** The ZooKeeper quorum, host:port[,host:port]. */
  quorum: string;
  /** The root path in ZooKeeper (Flink's high-availability.zookeeper.path.root). */
  rootPath: string;
  /** Where Flink keeps job graphs, jars and checkpoint metadata: a URI every agent reaches (file:///shared/dir, hdfs://...). */
  storageDir: string;
}

/** JobManager restarts an hour the session makes before it stops replacing the JobManager. */
export const DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR = 3;
/** How long a ZooKeeper probe waits, and how often a running session with HA probes. */
export const DEFAULT_ZOOKEEPER_PROBE_MS = 10000;
export const DEFAULT_ZOOKEEPER_CHECK_MS = 15000;

const HA_FIX = 'Write it as --ha zk://HOST:PORT[,HOST:PORT]/PATH, e.g. --ha zk://zk1:2181,zk2:2181/flink.';

/** Checks --ha and --ha-storage together; undefined when HA is off. */
export function validateHighAvailability(ha: string | undefined, storage: string | undefined,
  flinkConfiguration: Record<string, string>): HighAvailabilityOptions | undefined {
  const mode = (flinkConfiguration['high-availability.type'] ?? flinkConfiguration['high-availability'] ?? '').trim().toLowerCase();
  if (mode === 'kubernetes' || mode.includes('kubernetes')) {
    throw new SessionOptionError('-D high-availability.type', 'Kubernetes high availability does not apply to a session on Mesos (there is no Kubernetes API to keep the leader in).',
      'Drop the Kubernetes HA keys and pass --ha zk://HOST:PORT/PATH --ha-storage DIR_OR_URI for ZooKeeper high availability.');
  }
  if (ha === undefined || ha.trim() === '') {
    if (storage !== undefined && storage.trim() !== '') {
      throw new SessionOptionError('--ha-storage', 'is given without --ha, so no high availability would use it.', `Add --ha zk://HOST:PORT/PATH, or leave --ha-storage out.`);
    }
    if (mode === 'zookeeper') {
      throw new SessionOptionError('-D high-availability.type', 'ZooKeeper HA set through -D or the configuration folder leaves the session unaware of it (it would not relaunch the JobManager).',
        'Pass --ha zk://HOST:PORT/PATH --ha-storage DIR_OR_URI instead of the high-availability keys.');
    }
    return undefined;
  }
  const text = ha.trim();
  const m = /^zk:\/\/([^/]+)(\/.*)$/i.exec(text);
  if (!m) throw new SessionOptionError('--ha', `"${text}" is not a ZooKeeper address.`, HA_FIX);
  const rootPath = m[2].replace(/\/+$/, '');
  if (rootPath === '' || /\s/.test(rootPath) || rootPath.includes('//')) {
    throw new SessionOptionError('--ha', `"${m[2]}" in "${text}" is not a ZooKeeper path.`, `${HA_FIX} The path is where Flink keeps this session's leader and jobs.`);
  }
  for (const hp of m[1].split(',')) {
    const h = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(hp.trim());
    if (!h) throw new SessionOptionError('--ha', `"${hp.trim()}" in "${text}" is not HOST:PORT.`, HA_FIX);
    const port = Number(h[2]);
    if (port < 1 || port > 65535) throw new SessionOptionError('--ha', `port ${h[2]} in "${text}" is out of range.`, `${HA_FIX} Ports go from 1 to 65535.`);
  }
  if (storage === undefined || storage.trim() === '') {
    throw new SessionOptionError('--ha-storage', 'is missing: with --ha Flink needs a storage directory for job graphs, jars and checkpoint metadata.',
      'Pass --ha-storage with a folder every agent shares (an absolute path) or a URI such as hdfs://namenode/flink/ha or s3://bucket/ha.');
  }
  return { quorum: m[1].split(',').map((s) => s.trim()).join(','), rootPath, storageDir: storageUri(storage.trim()) };
}

function storageUri(storage: string): string {
  if (storage.startsWith('/')) return `file://${storage.replace(/\/+$/, '')}`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*[^/\s]/.test(storage)) return storage.replace(/\/+$/, '');
  throw new SessionOptionError('--ha-storage', `"${storage}" is neither an absolute path nor a URI.`,
    'Pass an absolute folder every agent shares (e.g. /shared/flink-ha) or a URI (file:///shared/flink-ha, hdfs://namenode/flink/ha, s3://bucket/ha).');
}

/**
 * The Flink keys of HA for one session. clusterId is unique per start, so a new session of the same name never recovers
 * the jobs an earlier one left in ZooKeeper. Both key names of the mode: high-availability.type (1.14 and later) and
 * high-availability (before 1.14; later versions take it as the deprecated name or ignore it).
 */
export function highAvailabilityConfiguration(ha: HighAvailabilityOptions, clusterId: string, base: Record<string, string>): Record<string, string> {
  const conf: Record<string, string> = {
    'high-availability.type': 'zookeeper',
    'high-availability': 'zookeeper',
    'high-availability.zookeeper.quorum': ha.quorum,
    'high-availability.zookeeper.path.root': ha.rootPath,
    'high-availability.cluster-id': `/${clusterId}`,
    'high-availability.storageDir': `${ha.storageDir}/${clusterId}`,
  };
  // A recovered job restarts from its latest checkpoint: the checkpoints must outlive the JobManager that took them.
  if (!base['state.checkpoints.dir'] && !base['execution.checkpointing.dir']) {
    conf['state.checkpoints.dir'] = `${ha.storageDir}/${clusterId}/checkpoints`;
    conf['execution.checkpointing.dir'] = `${ha.storageDir}/${clusterId}/checkpoints`;
  }
  return conf;
}

/** The cluster id of a session start: its name and start time, readable in ZooKeeper. */
export function highAvailabilityClusterId(name: string, startedAt: number): string {
  return `${name}-${startedAt.toString(36)}`;
}
