// The JSON answers of Flink's JobManager REST API (v1), as sent by Flink 1.13 to 2.0.
// Fields that only some versions send are optional; see /work/shared/notes/flink-rest-api.md.

export type JobState =
  | 'INITIALIZING' | 'CREATED' | 'RUNNING' | 'FAILING' | 'FAILED' | 'CANCELLING' | 'CANCELED'
  | 'FINISHED' | 'RESTARTING' | 'SUSPENDED' | 'RECONCILING';

export type ExecutionState =
  | 'CREATED' | 'SCHEDULED' | 'DEPLOYING' | 'RUNNING' | 'FINISHED' | 'CANCELING' | 'CANCELED'
  | 'FAILED' | 'RECONCILING' | 'INITIALIZING';

/** States after which a job never changes again on this JobManager. */
export const TERMINAL_JOB_STATES: readonly JobState[] = ['FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED'];

export function isTerminalJobState(state: string): boolean {
  return (TERMINAL_JOB_STATES as readonly string[]).includes(state);
}

/** GET /config */
export interface DashboardConfiguration {
  'flink-version'?: string;
  'flink-revision'?: string;
  'refresh-interval'?: number;
  'timezone-name'?: string;
  'timezone-offset'?: number;
  features?: { 'web-submit'?: boolean; 'web-cancel'?: boolean; 'web-history'?: boolean; 'web-rescale'?: boolean };
}

/** GET /overview */
export interface ClusterOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version'?: string;
  'flink-commit'?: string;
  /** 1.19+ */
  'slots-free-and-blocked'?: number;
  /** 1.19+ */
  'taskmanagers-blocked'?: number;
}

/** One entry of GET /jobmanager/config */
export interface ConfigurationEntry { key: string; value: string }

export interface LogFileInfo { name: string; size: number; /** 1.15+ */ mtime?: number }
export interface LogList { logs: LogFileInfo[] }

export interface HardwareDescription { cpuCores?: number; physicalMemory?: number; freeMemory?: number; managedMemory?: number }
export interface ResourceProfileInfo {
  cpuCores?: number; taskHeapMemory?: number; taskOffHeapMemory?: number; managedMemory?: number; networkMemory?: number;
  extendedResources?: Record<string, number>;
}
export interface TaskExecutorMemoryConfiguration {
  frameworkHeap?: number; taskHeap?: number; frameworkOffHeap?: number; taskOffHeap?: number; networkMemory?: number;
  managedMemory?: number; jvmMetaspace?: number; jvmOverhead?: number; totalFlinkMemory?: number; totalProcessMemory?: number;
}

/** One item of GET /taskmanagers. `id` is free text (a resource id such as a Mesos task id). */
export interface TaskManagerInfo {
  id: string;
  path?: string;
  dataPort?: number;
  jmxPort?: number;
  timeSinceLastHeartbeat?: number;
  slotsNumber: number;
  freeSlots: number;
  totalResource?: ResourceProfileInfo;
  freeResource?: ResourceProfileInfo;
  hardware?: HardwareDescription;
  memoryConfiguration?: TaskExecutorMemoryConfiguration;
  /** 1.19+ */
  blocked?: boolean;
}

export interface TaskManagerMetricsInfo {
  heapUsed?: number; heapCommitted?: number; heapMax?: number;
  nonHeapUsed?: number; nonHeapCommitted?: number; nonHeapMax?: number;
  directCount?: number; directUsed?: number; directMax?: number;
  mappedCount?: number; mappedUsed?: number; mappedMax?: number;
  /** gone in 2.0: use nettyShuffleMemorySegments* */
  memorySegmentsAvailable?: number;
  /** gone in 2.0: use nettyShuffleMemorySegments* */
  memorySegmentsTotal?: number;
  nettyShuffleMemorySegmentsAvailable?: number; nettyShuffleMemorySegmentsUsed?: number; nettyShuffleMemorySegmentsTotal?: number;
  nettyShuffleMemoryAvailable?: number; nettyShuffleMemoryUsed?: number; nettyShuffleMemoryTotal?: number;
  garbageCollectors?: { name: string; count: number; time: number }[];
}

/** GET /taskmanagers/:id */
export interface TaskManagerDetails extends TaskManagerInfo {
  metrics?: TaskManagerMetricsInfo;
  allocatedSlots?: { jobId?: string; resource?: ResourceProfileInfo }[];
}

/** One item of GET /taskmanagers/:id/metrics (a bare array in practice). */
export interface MetricValue { id: string; value?: string }

export interface ThreadDump { threadInfos: { threadName: string; stringifiedThreadInfo: string }[] }

/** GET /jars */
export interface JarEntryInfo { name: string; description?: string | null }
export interface JarFileInfo { id: string; name: string; uploaded: number; entry: JarEntryInfo[] }
export interface JarList { address?: string; files: JarFileInfo[] }

/** POST /jars/upload */
export interface JarUploadResponse { filename: string; status: string }

/** POST /jars/:jarid/run. Send only the fields the user set (old JobManagers may refuse unknown ones). */
export interface JarRunRequest {
  entryClass?: string;
  programArgsList?: string[];
  /** Old single-string form; only for JobManagers that do not know programArgsList. Never together with programArgsList. */
  programArgs?: string;
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  jobId?: string;
  /** 1.15+ */
  restoreMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
  /** 2.0+ */
  claimMode?: 'CLAIM' | 'NO_CLAIM' | 'LEGACY';
  /** 1.19+ */
  flinkConfiguration?: Record<string, string>;
}

export type JarPlanRequest = Pick<JarRunRequest, 'entryClass' | 'programArgsList' | 'programArgs' | 'parallelism' | 'jobId' | 'flinkConfiguration'>;

export interface JarRunResponse { jobid: string; /** later 2.x */ applicationId?: string }

/** The job graph: `plan` in /jars/:id/plan and /jobs/:id. A string in 1.13/1.15 specs, an object in 1.19+; the client always parses it. */
export interface JobPlan {
  jid?: string;
  name?: string;
  type?: string;
  nodes: JobPlanNode[];
}
export interface JobPlanNode {
  id: string;
  parallelism?: number;
  operator?: string;
  operator_strategy?: string;
  description?: string;
  inputs?: { num?: number; id: string; ship_strategy?: string; exchange?: string }[];
  optimizer_properties?: unknown;
}

/** One item of GET /jobs/overview */
export interface JobOverviewItem {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  'end-time': number;
  duration: number;
  'last-modification': number;
  tasks: Record<string, number>;
  /** later 2.x */
  'pending-operators'?: number;
  jobType?: string;
  schedulerType?: string;
}

export interface VertexMetrics {
  'read-bytes'?: number; 'read-bytes-complete'?: boolean;
  'write-bytes'?: number; 'write-bytes-complete'?: boolean;
  'read-records'?: number; 'read-records-complete'?: boolean;
  'write-records'?: number; 'write-records-complete'?: boolean;
  /** 1.19+ */
  'accumulated-backpressured-time'?: number;
  /** 1.19+ */
  'accumulated-idle-time'?: number;
  /** 1.19+ */
  'accumulated-busy-time'?: number;
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism?: number;
  status: ExecutionState;
  'start-time'?: number;
  'end-time'?: number;
  duration?: number;
  tasks?: Record<string, number>;
  metrics?: VertexMetrics;
  /** 2.0+ */
  slotSharingGroupId?: string;
}

/** GET /jobs/:jobid, with `plan` already parsed to an object. */
export interface JobDetails {
  jid: string;
  name: string;
  state: JobState;
  isStoppable?: boolean;
  'start-time': number;
  'end-time': number;
  duration: number;
  now?: number;
  maxParallelism?: number;
  timestamps?: Partial<Record<JobState, number>>;
  vertices: JobVertex[];
  'status-counts'?: Record<string, number>;
  plan?: JobPlan;
  /** 2.0+ */
  'job-type'?: string;
}

export interface ExceptionHistoryEntry {
  exceptionName?: string;
  stacktrace?: string;
  timestamp?: number;
  taskName?: string | null;
  location?: string | null;
  /** 1.19+ */
  taskManagerId?: string | null;
  /** 1.19+ */
  failureLabels?: Record<string, string>;
  /** 2.0+ */
  endpoint?: string | null;
  concurrentExceptions?: Omit<ExceptionHistoryEntry, 'concurrentExceptions'>[];
}

/** GET /jobs/:jobid/exceptions. The top-level fields are gone in later 2.x; `exceptionHistory` exists from 1.13. */
export interface JobExceptions {
  exceptionHistory?: { entries: ExceptionHistoryEntry[]; truncated?: boolean };
  'root-exception'?: string | null;
  timestamp?: number | null;
  'all-exceptions'?: { exception?: string; task?: string; location?: string; timestamp?: number; taskManagerId?: string }[];
  truncated?: boolean;
}

export interface UserTaskAccumulator { name: string; type: string; value: string }
/** GET /jobs/:jobid/accumulators */
export interface JobAccumulators {
  'job-accumulators'?: unknown[];
  'user-task-accumulators': UserTaskAccumulator[];
  'serialized-user-task-accumulators'?: Record<string, unknown>;
}

/**
 * GET /jobs/:jobid/execution-result, as Flink really sends it (the spec's schema names the fields differently).
 * Accumulator values here are serialized Java objects: show /accumulators instead.
 */
export interface JobExecutionResultResponse {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  'job-execution-result'?: {
    id: string;
    'application-status'?: string;
    'net-runtime'?: number;
    'accumulator-results'?: Record<string, unknown>;
    'failure-cause'?: { class?: string; 'stack-trace'?: string; 'serialized-throwable'?: string };
  };
}

/** POST /jobs/:jobid/savepoints and /stop */
export interface TriggerResponse { 'request-id': string }

/** GET /jobs/:jobid/savepoints/:triggerid */
export interface SavepointStatus {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: {
    location?: string;
    'failure-cause'?: { class?: string; 'stack-trace'?: string; 'serialized-throwable'?: string };
    /** 1.19+ checkpoint-like shape */
    checkpointId?: number;
    failureCause?: { class?: string; 'stack-trace'?: string; 'serialized-throwable'?: string };
  };
}
