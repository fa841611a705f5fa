// Follows one job until it ends. Polls only while someone listens, iterates or awaits the result:
// an idle watcher holds no timer and sends no request.
import { meaningfulHistoryEntry } from './flinkVersionQuirks';
import { EventEmitter } from 'node:events';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { FlinkRestClient } from './FlinkRestClient';
import { FlinkRestError, firstLine, stripJavaExceptionPrefix, summarizeFlinkErrors } from './FlinkRestError';
import { flinkFailureFix } from './flinkFailureFix';
import type { ExceptionHistoryEntry, JobDetails, JobState, UserTaskAccumulator } from './flinkRestTypes';
import { isTerminalJobState } from './flinkRestTypes';

export interface JobWatcherOptions {
  /** First and fastest poll interval; used again after every change. Default 250. */
  minIntervalMs?: number;
  /** Slowest poll interval while nothing changes. Default 5000. */
  maxIntervalMs?: number;
  /** Interval growth per unchanged poll. Default 1.5. */
  backoffFactor?: number;
  /** Give up after this many failed polls in a row (the JobManager unreachable). Default 10. */
  maxConsecutiveErrors?: number;
  log?: Logger;
}

export interface JobVertexResult {
  id: string;
  name: string;
  parallelism: number;
  status: string;
  durationMs?: number;
  readRecords?: number;
  writeRecords?: number;
  readBytes?: number;
  writeBytes?: number;
}

export interface JobExceptionInfo {
  /** Java exception class, when Flink says it. */
  exceptionName?: string;
  /** First line of the exception, without class names. */
  message: string;
  stacktrace: string;
  /** The innermost "Caused by:" of the stack trace, when it says more than the first line. */
  rootCause?: string;
  /** What the user can do about it, for failures with a known cause (a refused savepoint path, say). */
  fix?: string;
  timestamp?: number;
  taskName?: string;
  taskManagerId?: string;
}

export interface JobResult {
  jobId: string;
  name: string;
  state: JobState;
  startTime: number;
  endTime: number;
  durationMs: number;
  vertices: JobVertexResult[];
  accumulators: UserTaskAccumulator[];
  /** The exception that ended (or last restarted) the job. */
  rootException?: JobExceptionInfo;
  /** Newest first, as Flink keeps it (web.exception-history-size). */
  exceptionHistory: JobExceptionInfo[];
}

export type JobWatchEvent =
  | { type: 'state'; state: JobState; previous?: JobState; details: JobDetails }
  | { type: 'update'; details: JobDetails }
  | { type: 'result'; result: JobResult };

const DEMAND_EVENTS = ['state', 'update', 'result'] as const;

/** Events of a JobWatcher and their arguments. */
export interface JobWatcherEvents {
  state: [state: JobState, previous: JobState | undefined, details: JobDetails];
  update: [details: JobDetails];
  result: [result: JobResult];
  /** A poll failed; polling goes on until maxConsecutiveErrors. */
  pollError: [err: Error, consecutive: number];
  /** Watching ended without a result (job unknown, JobManager gone). */
  error: [err: Error];
  /** stop() was called. */
  stopped: [];
}

export class JobWatcher {
  private readonly events = new EventEmitter();
  private readonly minIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly backoffFactor: number;
  private readonly maxConsecutiveErrors: number;
  private readonly log: Logger;
  private polling = false;
  private stopped = false;
  private wake?: () => void;
  private readonly iterators = new Set<EventQueue>();
  private lastState?: JobState;
  private lastSignature?: string;
  private finalResult?: JobResult;
  private failure?: Error;
  /** Requests sent so far (for tests and diagnostics). */
  polls = 0;
  lastDetails?: JobDetails;

  constructor(readonly client: FlinkRestClient, readonly jobId: string, options: JobWatcherOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.maxIntervalMs = Math.max(this.minIntervalMs, options.maxIntervalMs ?? 5000);
    this.backoffFactor = Math.max(1, options.backoffFactor ?? 1.5);
    this.maxConsecutiveErrors = options.maxConsecutiveErrors ?? 10;
    this.log = options.log ?? silentLogger;
  }

  on<E extends keyof JobWatcherEvents>(event: E, listener: (...args: JobWatcherEvents[E]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    this.reconsider();
    return this;
  }

  once<E extends keyof JobWatcherEvents>(event: E, listener: (...args: JobWatcherEvents[E]) => void): this {
    const wrapper = (...args: JobWatcherEvents[E]): void => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<E extends keyof JobWatcherEvents>(event: E, listener: (...args: JobWatcherEvents[E]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    this.reconsider();
    return this;
  }

  listenerCount(event: keyof JobWatcherEvents): number {
    return this.events.listenerCount(event);
  }

  private emit<E extends keyof JobWatcherEvents>(event: E, ...args: JobWatcherEvents[E]): void {
    this.events.emit(event, ...args);
  }

  /** The final result; polls until the job ends. */
  result(): Promise<JobResult> {
    if (this.finalResult) return Promise.resolve(this.finalResult);
    if (this.failure) return Promise.reject(this.failure);
    if (this.stopped) return Promise.reject(new Error(`The watcher of job ${this.jobId} was stopped.`));
    return new Promise<JobResult>((resolve, reject) => {
      const done = (): void => {
        this.off('result', onResult);
        this.off('error', onError);
        this.off('stopped', onStopped);
        this.reconsider();
      };
      const onResult = (r: JobResult): void => { done(); resolve(r); };
      const onError = (e: Error): void => { done(); reject(e); };
      const onStopped = (): void => { done(); reject(new Error(`The watcher of job ${this.jobId} was stopped.`)); };
      this.on('result', onResult);
      this.on('error', onError);
      this.on('stopped', onStopped);
    });
  }

  /** State changes, updates and finally the result; iteration ends after the result. */
  [Symbol.asyncIterator](): AsyncIterator<JobWatchEvent> {
    const queue = new EventQueue(() => {
      this.iterators.delete(queue);
      this.reconsider();
    });
    if (this.finalResult) queue.push({ type: 'result', result: this.finalResult }, true);
    else if (this.failure) queue.fail(this.failure);
    else if (this.stopped) queue.end();
    else {
      this.iterators.add(queue);
      this.reconsider();
    }
    return queue;
  }

  /** Stops polling for good; waiting result() calls are rejected, iterators end. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    for (const q of this.iterators) q.end();
    this.iterators.clear();
    this.emit('stopped');
  }

  get isPolling(): boolean {
    return this.polling;
  }

  private demand(): number {
    return DEMAND_EVENTS.reduce((n, e) => n + this.listenerCount(e), 0) + this.iterators.size;
  }

  private reconsider(): void {
    if (this.stopped || this.finalResult || this.failure) return;
    if (this.demand() > 0 && !this.polling) {
      this.polling = true;
      void this.loop();
    } else if (this.demand() === 0) {
      this.wake?.();
    }
  }

  private async loop(): Promise<void> {
    let interval = this.minIntervalMs;
    let errors = 0;
    try {
      while (!this.stopped && this.demand() > 0) {
        let details: JobDetails;
        try {
          this.polls++;
          details = await this.client.job(this.jobId);
          errors = 0;
        } catch (err) {
          if (err instanceof FlinkRestError && err.kind === 'http' && err.status === 404) {
            return this.fail(new FlinkRestError(
              `The JobManager at ${this.client.baseUrl} does not know job ${this.jobId} (it may have restarted, or the job id is wrong). List its jobs with "flink-mesos list".`,
              { kind: 'http', status: 404, address: this.client.baseUrl, endpoint: err.endpoint, flinkMessage: err.flinkMessage, cause: err },
            ));
          }
          errors++;
          this.log.debug(`Polling job ${this.jobId} failed (${errors} in a row): ${(err as Error).message}`);
          this.emit('pollError', err as Error, errors);
          if (errors >= this.maxConsecutiveErrors) return this.fail(err as Error);
          interval = Math.min(this.maxIntervalMs, interval * this.backoffFactor);
          await this.sleep(interval);
          continue;
        }
        if (this.stopped) return;
        this.lastDetails = details;
        const signature = JSON.stringify([details.state, details['status-counts'], details.vertices.map((v) => [v.status, v.metrics])]);
        if (details.state !== this.lastState) {
          const previous = this.lastState;
          this.lastState = details.state;
          this.emit('state', details.state, previous, details);
          for (const q of this.iterators) q.push({ type: 'state', state: details.state, previous, details });
        }
        if (signature !== this.lastSignature) {
          this.lastSignature = signature;
          this.emit('update', details);
          for (const q of this.iterators) q.push({ type: 'update', details });
          interval = this.minIntervalMs;
        } else {
          interval = Math.min(this.maxIntervalMs, interval * this.backoffFactor);
        }
        if (isTerminalJobState(details.state)) {
          const result = await this.buildResult(details);
          if (this.stopped) return;
          this.finalResult = result;
          this.emit('result', result);
          for (const q of this.iterators) q.push({ type: 'result', result }, true);
          this.iterators.clear();
          return;
        }
        await this.sleep(interval);
      }
    } finally {
      this.polling = false;
      // Demand may have come back while the last request was on its way.
      if (!this.stopped && !this.finalResult && !this.failure && this.demand() > 0) this.reconsider();
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    for (const q of this.iterators) q.fail(err);
    this.iterators.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async buildResult(details: JobDetails): Promise<JobResult> {
    const accumulators = await this.client.jobAccumulators(this.jobId).then(
      (a) => a['user-task-accumulators'],
      (err: Error) => {
        this.log.warn(`Could not read the accumulators of job ${this.jobId}: ${err.message}`);
        return [] as UserTaskAccumulator[];
      },
    );
    let history: JobExceptionInfo[] = [];
    let root: JobExceptionInfo | undefined;
    try {
      const exceptions = await this.client.jobExceptions(this.jobId);
      // The task's own exception rather than Flink's "Recovery is suppressed" wrapper (recorded in 1.13 to 2.3).
      history = (exceptions.exceptionHistory?.entries ?? []).map((e) => toExceptionInfo(meaningfulHistoryEntry(e)));
      root = history[0];
      const legacyRoot = exceptions['root-exception'];
      if (!root && typeof legacyRoot === 'string' && legacyRoot.trim() !== '') {
        root = { message: stripJavaExceptionPrefix(firstLine(legacyRoot)), stacktrace: legacyRoot, ...explain(legacyRoot), timestamp: exceptions.timestamp ?? undefined };
      }
    } catch (err) {
      this.log.warn(`Could not read the exceptions of job ${this.jobId}: ${(err as Error).message}`);
    }
    const start = details['start-time'];
    const end = details['end-time'] > 0 ? details['end-time'] : (details.now ?? Date.now());
    return {
      jobId: details.jid ?? this.jobId,
      name: details.name,
      state: details.state,
      startTime: start,
      endTime: end,
      durationMs: details.duration >= 0 ? details.duration : Math.max(0, end - start),
      vertices: details.vertices.map((v) => ({
        id: v.id,
        name: v.name,
        parallelism: v.parallelism,
        status: v.status,
        durationMs: v.duration,
        readRecords: v.metrics?.['read-records'],
        writeRecords: v.metrics?.['write-records'],
        readBytes: v.metrics?.['read-bytes'],
        writeBytes: v.metrics?.['write-bytes'],
      })),
      accumulators,
      rootException: root,
      exceptionHistory: history,
    };
  }
}

function toExceptionInfo(e: ExceptionHistoryEntry): JobExceptionInfo {
  const trace = e.stacktrace ?? e.exceptionName ?? '';
  return {
    exceptionName: e.exceptionName,
    message: stripJavaExceptionPrefix(firstLine(trace)) || e.exceptionName || 'unknown exception',
    stacktrace: trace,
    ...explain(trace),
    timestamp: e.timestamp,
    taskName: e.taskName ?? undefined,
    taskManagerId: e.taskManagerId ?? undefined,
  };
}

/** The root cause and a known fix of a stack trace (only the keys that have a value). */
function explain(trace: string): Pick<JobExceptionInfo, 'rootCause' | 'fix'> {
  const rootCause = summarizeFlinkErrors([trace]).rootCause;
  const fix = flinkFailureFix(trace);
  return { ...(rootCause ? { rootCause } : {}), ...(fix ? { fix } : {}) };
}

/** One iterator's buffer of events. */
class EventQueue implements AsyncIterator<JobWatchEvent> {
  private readonly items: JobWatchEvent[] = [];
  private pending?: { resolve: (r: IteratorResult<JobWatchEvent>) => void; reject: (e: Error) => void };
  private ended = false;
  private error?: Error;

  constructor(private readonly onClose: () => void) {}

  push(event: JobWatchEvent, last = false): void {
    if (this.ended) return;
    this.items.push(event);
    if (last) this.ended = true;
    this.flush();
  }
  end(): void {
    this.ended = true;
    this.flush();
  }
  fail(err: Error): void {
    this.error = err;
    this.ended = true;
    this.flush();
  }

  next(): Promise<IteratorResult<JobWatchEvent>> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.flush();
    });
  }

  return(): Promise<IteratorResult<JobWatchEvent>> {
    this.ended = true;
    this.items.length = 0;
    this.onClose();
    return Promise.resolve({ value: undefined, done: true });
  }

  private flush(): void {
    if (!this.pending) return;
    const p = this.pending;
    if (this.items.length > 0) {
      this.pending = undefined;
      p.resolve({ value: this.items.shift()!, done: false });
    } else if (this.error) {
      this.pending = undefined;
      p.reject(this.error);
    } else if (this.ended) {
      this.pending = undefined;
      this.onClose();
      p.resolve({ value: undefined, done: true });
    }
  }
}
