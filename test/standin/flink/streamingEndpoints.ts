// The stand-in's streaming reads, shaped as Flink 2.3.0 answers them (recordings in test/fixtures/flink-rest-streaming/2.3.0/):
// checkpoint statistics and config, per-vertex aggregated task metrics, back pressure and watermarks. Checkpoints of a
// running streaming job are made lazily, when asked, for every interval that has passed; the newest is written to
// the checkpoint folder (`_metadata` with the program's state) so a job can be started from it (upgrade mode last-state).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlinkJob } from './FlinkJob';
import { FlinkVersion, versionAtLeast } from './flinkVersion';
import { RestError } from './restErrors';
import { defineSavepointDisposal } from './savepointDisposal';
import type { ConfigReader } from './standinConfiguration';

type Handler = (req: unknown, res: unknown, params: string[], query: URLSearchParams) => Promise<unknown>;

export interface StreamingEndpointHost {
  route(method: string, pattern: string, handle: Handler): void;
  job(id: string): FlinkJob;
  conf: ConfigReader;
  version: FlinkVersion;
  /** What a handler returns when it wrote its own answer. */
  answered: symbol;
}

/** Long.MAX_VALUE as Jackson writes it: what Flink reports as the interval of a job without periodic checkpoints. */
const NO_INTERVAL = 9223372036854775807n;

interface Checkpoint {
  id: number;
  status: 'COMPLETED' | 'FAILED';
  savepoint?: boolean;
  trigger: number;
  duration: number;
  size: number;
  path?: string;
  failure?: string;
}

interface CheckpointState { next: number; nextTrigger: number; list: Checkpoint[]; lastDir?: string }

const states = new WeakMap<FlinkJob, CheckpointState>();

export interface SavepointRecord { trigger: number; duration: number; path?: string; failure?: string }

export interface StreamingStatistics {
  /** Puts a savepoint (done or failed) into the job's checkpoint statistics, as Flink counts it there. */
  recordSavepoint(job: FlinkJob, s: SavepointRecord): void;
}

const TASK_METRICS = ['numRecordsIn', 'numRecordsOut', 'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'numBytesInPerSecond', 'numBytesOutPerSecond',
  'busyTimeMsPerSecond', 'idleTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'isBackPressured'];

export function defineStreamingEndpoints(host: StreamingEndpointHost): StreamingStatistics {
  const { conf, version } = host;
  const intervalMs = conf.int('standin.checkpoint-interval-ms', 1000);
  const failAfter = conf.int('standin.checkpoint-fail-after', -1);
  const retained = (conf.optional('execution.checkpointing.externalized-checkpoint-retention') ?? '').toUpperCase() === 'RETAIN_ON_CANCELLATION';
  const checkpointDir = conf.optional('execution.checkpointing.dir') ?? conf.optional('state.checkpoints.dir');
  const history = conf.int('web.checkpoints.history', 10);
  const checkpoints = (job: FlinkJob): boolean => job.program.streaming && intervalMs > 0;
  defineSavepointDisposal(host);

  /** Makes the checkpoints due since the job started running (up to its end), and writes the newest one. */
  const advance = (job: FlinkJob, now = Date.now()): CheckpointState => {
    let st = states.get(job);
    const runningAt = job.vertices.every((v) => v.startTime > 0) ? Math.max(...job.vertices.map((v) => v.startTime)) : -1;
    if (!st) {
      st = { next: 1, nextTrigger: runningAt > 0 ? runningAt + intervalMs : Infinity, list: [] };
      states.set(job, st);
    }
    if (st.nextTrigger === Infinity && runningAt > 0) st.nextTrigger = runningAt + intervalMs;
    if (!checkpoints(job)) return st;
    const until = job.endTime > 0 ? job.endTime : job.state === 'RUNNING' ? now : -1;
    let newest: Checkpoint | undefined;
    while (st.nextTrigger <= until) {
      const id = st.next++;
      const failing = failAfter >= 0 && st.list.filter((c) => c.status === 'COMPLETED').length >= failAfter;
      const c: Checkpoint = { id, status: failing ? 'FAILED' : 'COMPLETED', trigger: st.nextTrigger, duration: 20 + (id * 7) % 40, size: 4096 + 16 * id };
      if (failing) c.failure = 'Checkpoint expired before completing.';
      st.list.unshift(c);
      if (!failing) newest = c;
      st.nextTrigger += intervalMs;
    }
    if (newest && checkpointDir) {
      const dir = path.join(checkpointDir.replace(/^file:\/\//, '').replace(/^file:/, ''), job.jid, `chk-${newest.id}`);
      try {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, '_metadata'), JSON.stringify({ jobId: job.jid, entryClass: job.entryClass, timestamp: newest.trigger, state: job.program.snapshot?.() ?? {} }));
        // Flink keeps state.checkpoints.num-retained (1) checkpoints: the older folder goes.
        if (st.lastDir && st.lastDir !== dir) fs.rmSync(st.lastDir, { recursive: true, force: true });
        st.lastDir = dir;
        newest.path = `file:${dir}`;
      } catch {
        newest.status = 'FAILED';
        newest.failure = 'An Exception occurred while triggering the checkpoint. IO-problem detected.';
      }
    }
    st.list.length = Math.min(st.list.length, 1000);
    return st;
  };

  // Recorded: 1.13 tags statistics "@class", 1.20 and 2.x "className"; percentiles, checkpointed_size and savepointFormat
  // are there in 1.20 and 2.x, not in 1.13 (1.14 is not recorded: the stand-in switches at 1.15).
  const modern = versionAtLeast(version, '1.15');
  const recordSavepoint = (job: FlinkJob, sp: SavepointRecord): void => {
    const st = advance(job, sp.trigger);
    st.list.unshift({ id: st.next++, status: sp.failure ? 'FAILED' : 'COMPLETED', savepoint: true, trigger: sp.trigger, duration: sp.duration, size: 469, path: sp.path, failure: sp.failure });
  };
  const stat = (job: FlinkJob, c: Checkpoint): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      [modern ? 'className' : '@class']: c.status === 'COMPLETED' ? 'completed' : 'failed', id: c.id, status: c.status, is_savepoint: c.savepoint === true,
      trigger_timestamp: c.trigger, latest_ack_timestamp: c.status === 'COMPLETED' ? c.trigger + c.duration : -1,
      state_size: c.status === 'COMPLETED' ? c.size : 0, end_to_end_duration: c.duration,
      alignment_buffered: 0, processed_data: 0, persisted_data: 0,
      num_subtasks: job.vertices.reduce((a, v) => a + v.parallelism, 0),
      num_acknowledged_subtasks: c.status === 'COMPLETED' ? job.vertices.reduce((a, v) => a + v.parallelism, 0) : 0,
      checkpoint_type: c.savepoint ? 'SAVEPOINT' : 'CHECKPOINT', tasks: {},
    };
    if (modern) { body.checkpointed_size = body.state_size; body.savepointFormat = c.savepoint ? 'CANONICAL' : null; }
    if (c.status === 'COMPLETED') { body.external_path = c.path ?? '<checkpoint-not-externally-addressable>'; body.discarded = false; }
    else { body.failure_timestamp = c.trigger + c.duration; body.failure_message = c.failure; }
    return body;
  };

  /** Recorded from 1.20: a job without a checkpoint coordinator (a batch job) has no checkpoint statistics or config; 1.13 answers both. */
  const noCoordinator = (job: FlinkJob): boolean => modern && !job.program.streaming;

  host.route('GET', '/jobs/:jobid/checkpoints', async (_q, _r, [id]) => {
    const job = host.job(id);
    if (noCoordinator(job)) throw new RestError(404, 'Checkpointing has not been enabled.');
    const st = advance(job);
    const completed = st.list.filter((c) => c.status === 'COMPLETED' && !c.savepoint);
    const savepoints = st.list.filter((c) => c.status === 'COMPLETED' && c.savepoint);
    const failed = st.list.filter((c) => c.status === 'FAILED');
    const figure = (pick: (c: Checkpoint) => number): Record<string, unknown> => {
      const v = completed.map(pick).sort((a, b) => a - b);
      if (!v.length) return modern ? { min: 0, max: 0, avg: 0, p50: 'NaN', p90: 'NaN', p95: 'NaN', p99: 'NaN', p999: 'NaN' } : { min: 0, max: 0, avg: 0 };
      const q = (p: number): number => v[Math.min(v.length - 1, Math.floor(p * v.length))];
      const avg = Math.round(v.reduce((a, b) => a + b, 0) / v.length);
      return modern ? { min: v[0], max: v[v.length - 1], avg, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), p999: q(0.999) } : { min: v[0], max: v[v.length - 1], avg };
    };
    const restored = job.restoredFrom
      ? { id: 0, restore_timestamp: job.startTime, is_savepoint: !/\/chk-\d+\/?$/.test(job.restoredFrom), external_path: job.restoredFrom }
      : null;
    return {
      counts: { restored: restored ? 1 : 0, total: st.list.length, in_progress: 0, completed: completed.length + savepoints.length, failed: failed.length },
      summary: {
        ...(versionAtLeast(version, '1.15') ? { checkpointed_size: figure((c) => c.size) } : {}),
        state_size: figure((c) => c.size), end_to_end_duration: figure((c) => c.duration),
        alignment_buffered: figure(() => 0), processed_data: figure(() => 0), persisted_data: figure(() => 0),
      },
      latest: {
        completed: completed[0] ? stat(job, completed[0]) : null,
        savepoint: savepoints[0] ? stat(job, savepoints[0]) : null,
        failed: failed[0] ? stat(job, failed[0]) : null,
        restored,
      },
      history: st.list.slice(0, history).map((c) => stat(job, c)),
    };
  });

  host.route('GET', '/jobs/:jobid/checkpoints/config', async (_q, res, [id]) => {
    const job = host.job(id);
    if (noCoordinator(job)) throw new RestError(404, `Checkpointing is not enabled for this job (${job.jid}).`);
    const interval = checkpoints(job) ? String(intervalMs) : NO_INTERVAL.toString();
    // Long.MAX_VALUE does not survive JSON.stringify as a number: splice the digits in as Jackson writes them.
    const body = {
      mode: checkpoints(job) ? 'exactly_once' : 'at_least_once', interval: '__INTERVAL__', timeout: 600000, min_pause: 0, max_concurrent: 1,
      externalization: { enabled: retained, delete_on_cancellation: !retained },
      state_backend: 'HashMapStateBackend', checkpoint_storage: checkpointDir ? 'FileSystemCheckpointStorage' : 'JobManagerCheckpointStorage',
      unaligned_checkpoints: false, tolerable_failed_checkpoints: 0,
      ...(modern ? { aligned_checkpoint_timeout: 0, checkpoints_after_tasks_finish: true } : {}),
      ...(modern ? { state_changelog_enabled: false, changelog_periodic_materialization_interval: 600000, changelog_storage: 'memory' } : {}),
    };
    const text = JSON.stringify(body).replace('"__INTERVAL__"', interval);
    const r = res as import('node:http').ServerResponse;
    r.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    r.end(text);
    return host.answered;
  });

  const vertexOf = (job: FlinkJob, vid: string): { index: number } => {
    const index = job.vertices.findIndex((v) => v.id === vid);
    if (index < 0) throw new RestError(404, `No vertex with ID '${vid}' exists.`);
    return { index };
  };

  /** Task metrics of one vertex: rates over the job's running time, busy and back-pressured time as configured. */
  const taskMetrics = (job: FlinkJob, index: number): Record<string, number> => {
    const v = job.vertices[index];
    const seconds = Math.max(1, (Date.now() - v.startTime) / 1000);
    const bp = index === 0 ? conf.int('standin.backpressure-ms-per-second', 0) : 0;
    const busy = index === 0 ? 200 : 500;
    return {
      numRecordsIn: v.counters.readRecords, numRecordsOut: v.counters.writeRecords,
      numRecordsInPerSecond: v.counters.readRecords / seconds / v.parallelism, numRecordsOutPerSecond: v.counters.writeRecords / seconds / v.parallelism,
      numBytesInPerSecond: v.counters.readBytes / seconds / v.parallelism, numBytesOutPerSecond: v.counters.writeBytes / seconds / v.parallelism,
      busyTimeMsPerSecond: busy, idleTimeMsPerSecond: 1000 - busy - bp, backPressuredTimeMsPerSecond: bp, isBackPressured: bp > 0 ? 1 : 0,
      ...(index > 0 ? { currentInputWatermark: Date.now() - 200 } : {}),
    };
  };

  host.route('GET', '/jobs/:jobid/vertices/:vertexid/subtasks/metrics', async (_q, _r, [id, vid], query) => {
    const job = host.job(id);
    const { index } = vertexOf(job, vid);
    const running = job.state === 'RUNNING' && job.vertices[index].status === 'RUNNING';
    const names = index > 0 ? [...TASK_METRICS, 'currentInputWatermark'] : TASK_METRICS;
    const get = query.get('get');
    if (!get) return running ? names.map((n) => ({ id: n })) : [];
    const asked = get.split(',').map((s) => s.trim()).filter(Boolean);
    // As Flink's aggregating handler: one missing metric (or a job not running) empties the whole answer.
    if (!running || asked.some((n) => !names.includes(n))) return [];
    const values = taskMetrics(job, index);
    const aggs = (query.get('agg') ?? 'min,max,sum,avg').split(',').map((s) => s.trim());
    const p = job.vertices[index].parallelism;
    return asked.map((n) => {
      const one = values[n];
      const out: Record<string, unknown> = { id: n };
      for (const a of aggs) {
        if (a === 'min' || a === 'max' || a === 'avg') out[a] = one;
        else if (a === 'sum') out[a] = one * p;
        else if (a === 'skew') out[a] = 0;
      }
      return out;
    });
  });

  host.route('GET', '/jobs/:jobid/vertices/:vertexid/watermarks', async (_q, _r, [id, vid]) => {
    const job = host.job(id);
    const { index } = vertexOf(job, vid);
    if (index === 0 || job.state !== 'RUNNING') return [];
    const wm = String(Date.now() - 200);
    return Array.from({ length: job.vertices[index].parallelism }, (_x, i) => ({ id: `${i}.currentInputWatermark`, value: wm }));
  });

  host.route('GET', '/jobs/:jobid/vertices/:vertexid/backpressure', async (_q, _r, [id, vid]) => {
    const job = host.job(id);
    const { index } = vertexOf(job, vid);
    const m = job.state === 'RUNNING' ? taskMetrics(job, index) : undefined;
    const ratio = m ? m.backPressuredTimeMsPerSecond / 1000 : 0;
    const level = ratio > 0.5 ? 'high' : ratio > 0.1 ? 'low' : 'ok';
    // Recorded: the camel-case backpressureLevel beside backpressure-level in 1.20 and 2.x, not in 1.13.
    const camel = (o: Record<string, unknown>): Record<string, unknown> => (modern ? o : Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'backpressureLevel')));
    const subtasks = Array.from({ length: job.vertices[index].parallelism }, (_x, i) => camel({
      subtask: i, backpressureLevel: level, ratio, idleRatio: m ? m.idleTimeMsPerSecond / 1000 : 1, busyRatio: m ? m.busyTimeMsPerSecond / 1000 : 0, 'backpressure-level': level,
    }));
    return camel({ status: 'ok', backpressureLevel: level, 'end-timestamp': Date.now(), subtasks, 'backpressure-level': level });
  });
  return { recordSavepoint };
}
