// One job on the stand-in JobManager: Flink's job and execution states, timestamps, vertices, metrics, exceptions and accumulators.
import { createHash, randomBytes } from 'node:crypto';
import { FlinkVersion, versionAtLeast } from './flinkVersion';
import { Accumulator, BuiltinProgram, VertexCounters } from './programs';
import { JavaException, stringifyException } from './restErrors';

export const JOB_STATUSES = ['INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'FINISHED', 'RESTARTING', 'SUSPENDED', 'RECONCILING'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const EXECUTION_STATES = ['CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED', 'RECONCILING', 'INITIALIZING'] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

export const TERMINAL_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED']);

export interface Vertex {
  id: string;
  name: string;
  parallelism: number;
  status: ExecutionState;
  startTime: number;
  endTime: number;
  counters: VertexCounters;
}

export interface JobException {
  exception: JavaException[];
  timestamp: number;
  taskName?: string;
  taskManagerId?: string;
  location?: string;
}

export interface SavepointOperation {
  status: 'IN_PROGRESS' | 'COMPLETED';
  location?: string;
  failure?: JavaException[];
}

export function hex32(): string {
  return randomBytes(16).toString('hex');
}

export class FlinkJob {
  state: JobStatus = 'INITIALIZING';
  readonly timestamps: Record<string, number>;
  readonly startTime: number;
  endTime = -1;
  lastModification: number;
  readonly vertices: Vertex[];
  /** TaskManager id -> slots held. */
  readonly slots = new Map<string, number>();
  readonly abort = new AbortController();
  readonly accumulators = new Map<string, Accumulator>();
  readonly exceptionHistory: JobException[] = [];
  readonly savepoints = new Map<string, SavepointOperation>();
  rootException?: JobException;
  /** The savepoint or checkpoint the job was started from. */
  restoredFrom?: string;
  /** Why the program is being stopped: decides the final state. */
  stopReason?: 'cancel' | 'stop-with-savepoint' | 'failure';

  constructor(
    readonly jid: string,
    readonly program: BuiltinProgram,
    readonly parallelism: number,
    readonly entryClass: string,
  ) {
    const now = Date.now();
    this.startTime = now;
    this.lastModification = now;
    this.timestamps = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0]));
    this.timestamps.INITIALIZING = now;
    this.vertices = program.vertexNames.map((name, i) => ({
      id: createHash('md5').update(`${jid}/${i}/${name}`).digest('hex'),
      name,
      parallelism,
      status: 'CREATED',
      startTime: -1,
      endTime: -1,
      counters: { readRecords: 0, writeRecords: 0, readBytes: 0, writeBytes: 0 },
    }));
  }

  get name(): string {
    return this.program.jobName;
  }

  get terminal(): boolean {
    return TERMINAL_JOB_STATUSES.has(this.state);
  }

  setState(state: JobStatus): void {
    const now = Date.now();
    this.state = state;
    this.timestamps[state] = now;
    this.lastModification = now;
    if (TERMINAL_JOB_STATUSES.has(state)) this.endTime = now;
  }

  setVertices(status: ExecutionState, which: (v: Vertex, i: number) => boolean = () => true): void {
    const now = Date.now();
    this.vertices.forEach((v, i) => {
      if (!which(v, i)) return;
      v.status = status;
      if (status === 'RUNNING' && v.startTime < 0) v.startTime = now;
      if ((status === 'FINISHED' || status === 'CANCELED' || status === 'FAILED') && v.endTime < 0) {
        if (v.startTime < 0) v.startTime = now;
        v.endTime = now;
      }
    });
    this.lastModification = now;
  }

  duration(now = Date.now()): number {
    return (this.endTime >= 0 ? this.endTime : now) - this.startTime;
  }

  private taskCounts(lowercase: boolean): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of EXECUTION_STATES) counts[lowercase ? s.toLowerCase() : s] = 0;
    for (const v of this.vertices) counts[lowercase ? v.status.toLowerCase() : v.status] += v.parallelism;
    if (lowercase) counts.total = this.vertices.reduce((a, v) => a + v.parallelism, 0);
    return counts;
  }

  /** An item of /jobs/overview. */
  overview(version: FlinkVersion): Record<string, unknown> {
    const tasks = this.taskCounts(true);
    const extra: Record<string, unknown> = versionAtLeast(version, '2.0') ? { jobType: this.jobType(), schedulerType: 'Default', 'pending-operators': 0 } : {};
    return {
      ...extra,
      jid: this.jid,
      name: this.name,
      state: this.state,
      'start-time': this.startTime,
      'end-time': this.endTime,
      duration: this.duration(),
      'last-modification': this.lastModification,
      tasks,
    };
  }

  plan(version: FlinkVersion): Record<string, unknown> {
    return jobPlan(this.jid, this.name, this.program, this.parallelism, this.vertices.map((v) => v.id), version);
  }

  details(version: FlinkVersion): Record<string, unknown> {
    const now = Date.now();
    const statusCounts: Record<string, number> = {};
    for (const s of EXECUTION_STATES) statusCounts[s] = 0;
    for (const v of this.vertices) statusCounts[v.status]++;
    const plan = this.plan(version);
    const body: Record<string, unknown> = {
      jid: this.jid,
      name: this.name,
      isStoppable: false,
      state: this.state,
      'start-time': this.startTime,
      'end-time': this.endTime,
      duration: this.duration(now),
      maxParallelism: -1,
      now,
      timestamps: { ...this.timestamps },
      vertices: this.vertices.map((v, i) => {
        const metrics: Record<string, number | boolean | string> = {
          'read-bytes': v.counters.readBytes,
          'read-bytes-complete': v.status === 'FINISHED',
          'write-bytes': v.counters.writeBytes,
          'write-bytes-complete': v.status === 'FINISHED',
          'read-records': v.counters.readRecords,
          'read-records-complete': v.status === 'FINISHED',
          'write-records': v.counters.writeRecords,
          'write-records-complete': v.status === 'FINISHED',
        };
        if (versionAtLeast(version, '1.19')) {
          const running = v.startTime > 0 ? (v.endTime > 0 ? v.endTime : now) - v.startTime : 0;
          metrics['accumulated-backpressured-time'] = 0;
          metrics['accumulated-idle-time'] = Math.round(running * 0.7);
          metrics['accumulated-busy-time'] = Math.round(running * 0.3);
          // Recorded (1.20, 2.3): a source vertex that finished or was cancelled reports its busy time as the string "NaN".
          if (versionAtLeast(version, '1.20') && i === 0 && v.endTime > 0 && v.status !== 'FAILED') metrics['accumulated-busy-time'] = 'NaN';
        }
        const tasks: Record<string, number> = {};
        for (const s of EXECUTION_STATES) tasks[s] = s === v.status ? v.parallelism : 0;
        const vertex: Record<string, unknown> = {
          id: v.id,
          name: v.name,
          maxParallelism: 128,
          parallelism: v.parallelism,
          status: v.status,
          'start-time': v.startTime,
          'end-time': v.endTime,
          duration: v.startTime < 0 ? -1 : (v.endTime >= 0 ? v.endTime : now) - v.startTime,
          tasks,
          metrics,
        };
        if (versionAtLeast(version, '1.20')) vertex.slotSharingGroupId = createHash('md5').update(`ssg/${this.jid}`).digest('hex');
        return vertex;
      }),
      'status-counts': statusCounts,
      // Recorded: an embedded object in 1.13 too (the 1.13/1.15 specs call it a string).
      plan,
    };
    // Recorded: job-type from 1.20 (not 2.0).
    if (versionAtLeast(version, '1.20')) body['job-type'] = this.jobType();
    if (versionAtLeast(version, '2.0')) {
      if (this.jobType() === 'BATCH') body['stream-graph'] = this.streamGraph();
      body['application-id'] = this.jid;
      body.schedulerType = 'Default';
      body['pending-operators'] = 0;
    }
    return body;
  }

  /** 2.x shows batch jobs' stream graph: one node per operator, each on its job vertex. */
  private streamGraph(): Record<string, unknown> {
    const nodes = this.vertices.map((v, i) => ({
      id: String(i + 1),
      parallelism: v.parallelism,
      operator: v.name,
      description: v.name,
      job_vertex_id: v.id,
      inputs: i === 0 ? [] : [{ num: 0, id: String(i), ship_strategy: i === 1 ? 'HASH' : 'FORWARD', exchange: 'UNDEFINED' }],
    }));
    return { nodes };
  }

  /** The runtime mode: bounded DataStream jobs run as STREAMING unless they asked for BATCH. */
  jobType(): 'BATCH' | 'STREAMING' {
    return this.program.jobType ?? (this.program.streaming ? 'STREAMING' : 'BATCH');
  }

  exceptions(version: FlinkVersion, maxExceptions?: number): Record<string, unknown> {
    const v2 = versionAtLeast(version, '2.0');
    const labels = versionAtLeast(version, '1.19');
    // Recorded: a task failure without restarts is a global "Recovery is suppressed" entry, the task's own exception
    // among its concurrentExceptions (with taskName and location, or endpoint and taskManagerId in 2.x).
    const taskEntry = (e: JobException): Record<string, unknown> => {
      const out: Record<string, unknown> = { exceptionName: e.exception[0].className, stacktrace: stringifyException(e.exception), timestamp: e.timestamp };
      if (labels) out.failureLabels = {};
      if (e.taskName) out.taskName = `${e.taskName.replace(/#\d+$/, '')} - execution #0`;
      // Recorded: location up to 1.20, endpoint from 1.20 (both in 1.20).
      if (e.location && !v2) out.location = e.location;
      if (e.location && versionAtLeast(version, '1.20')) out.endpoint = e.location;
      if (labels && e.taskManagerId) out.taskManagerId = e.taskManagerId;
      return out;
    };
    const entry = (e: JobException): Record<string, unknown> => {
      if (!e.taskName) return { ...taskEntry(e), concurrentExceptions: [] };
      const global = suppressedRecovery(e);
      const out: Record<string, unknown> = { exceptionName: global.exception[0].className, stacktrace: stringifyException(global.exception), timestamp: global.timestamp };
      if (labels) out.failureLabels = {};
      out.concurrentExceptions = [taskEntry(e)];
      return out;
    };
    const limit = maxExceptions ?? 10;
    const history = [...this.exceptionHistory].reverse();
    const body: Record<string, unknown> = {};
    const root = this.rootException;
    if (!v2) {
      // The deprecated top-level members (gone in 2.x): null when nothing failed.
      const rootShown = root ? (root.taskName ? suppressedRecovery(root) : root) : undefined;
      body['root-exception'] = rootShown ? stringifyException(rootShown.exception) : null;
      body.timestamp = rootShown ? rootShown.timestamp : null;
      body['all-exceptions'] = root && root.taskName
        ? [{
          exception: stringifyException(root.exception), task: root.taskName.replace(/#\d+$/, ''), location: root.location ?? '(unassigned)', timestamp: root.timestamp,
          ...(versionAtLeast(version, '1.20') ? { endpoint: root.location ?? '(unassigned)', taskManagerId: root.taskManagerId ?? '(unassigned)' } : {}),
        }]
        : [];
      body.truncated = false;
    }
    body.exceptionHistory = { entries: history.slice(0, limit).map(entry), truncated: history.length > limit };
    return body;
  }

  userAccumulators(): { name: string; type: string; value: string }[] {
    return [...this.accumulators.entries()].map(([name, a]) => ({ name, type: a.type, value: a.value }));
  }

  /** /jobs/:id/execution-result: the shape Flink really sends, which differs from the spec (see the notes). */
  executionResult(version: FlinkVersion): Record<string, unknown> {
    if (!this.terminal) return { status: { id: 'IN_PROGRESS' } };
    const applicationStatus = this.state === 'FINISHED' ? 'SUCCEEDED' : this.state === 'CANCELED' ? 'CANCELED' : this.state === 'FAILED' ? 'FAILED' : 'UNKNOWN';
    const accumulatorResults: Record<string, string> = {};
    for (const [name, a] of this.accumulators) accumulatorResults[name] = javaSerializedLike(a.value);
    const result: Record<string, unknown> = {
      id: this.jid,
      'application-status': applicationStatus,
      'accumulator-results': accumulatorResults,
      'net-runtime': this.duration(),
    };
    if (this.state === 'FAILED' && this.rootException) {
      const cause = this.rootException.taskName ? suppressedRecovery(this.rootException) : this.rootException;
      result['failure-cause'] = {
        class: cause.exception[0].className,
        'stack-trace': stringifyException(cause.exception),
        'serialized-throwable': javaSerializedLike(stringifyException(cause.exception)),
      };
    } else if (this.state === 'CANCELED') {
      const trace = stringifyException([{ className: 'org.apache.flink.runtime.client.JobCancellationException', message: `Job ${this.jid} was cancelled.` }]);
      result['failure-cause'] = { class: 'org.apache.flink.runtime.client.JobCancellationException', 'stack-trace': trace, 'serialized-throwable': javaSerializedLike(trace) };
    }
    if (versionAtLeast(version, '2.0')) {
      result.name = this.name;
      result['application-id'] = this.jid;
      result['start-time'] = this.startTime;
      result['end-time'] = this.endTime;
    }
    return { status: { id: 'COMPLETED' }, 'job-execution-result': result };
  }
}

/** How Flink without a restart strategy reports a task failure: a global JobException caused by the task's own one (also beside it). */
export function suppressedRecovery(e: JobException): JobException {
  return { exception: [{ className: 'org.apache.flink.runtime.JobException', message: 'Recovery is suppressed by NoRestartBackoffTimeStrategy' }, ...e.exception], timestamp: e.timestamp + 1 };
}

/** Base64 that starts like Java serialization (rO0AB...): clients must not try to read it. */
function javaSerializedLike(text: string): string {
  return Buffer.concat([Buffer.from([0xac, 0xed, 0x00, 0x05, 0x74]), Buffer.from(text, 'utf8')]).toString('base64');
}

/** The JSON plan of a job graph, as /jars/:id/plan and /jobs/:id/plan answer it. */
export function jobPlan(jid: string, name: string, program: BuiltinProgram, parallelism: number, vertexIds: string[], version: FlinkVersion): Record<string, unknown> {
  const nodes = program.vertexNames.map((vname, i) => {
    const node: Record<string, unknown> = {
      id: vertexIds[i],
      parallelism,
      operator: '',
      operator_strategy: '',
      description: vname,
      optimizer_properties: {},
    };
    if (i > 0) node.inputs = [{ num: 0, id: vertexIds[i - 1], ship_strategy: i === 1 && !program.streaming ? 'HASH' : 'FORWARD', exchange: 'pipelined_bounded' }];
    return node;
  });
  const plan: Record<string, unknown> = { jid, name, nodes };
  if (versionAtLeast(version, '1.15')) plan.type = program.streaming ? 'STREAMING' : 'BATCH';
  return plan;
}
