// Periodic savepoints: the process that drives a session (the editor window or a foreground `flink-mesos session
// start`) takes them on the schedules kept in the session's savepoint history. The schedules are re-read from the file
// at every check, so one set from another terminal or window applies without a message to this process. While no
// process drives the session, no savepoint is taken; the next driver takes an overdue one at its first check.
import { FlinkRestClient, normalizeJobManagerUrl } from '../flink/FlinkRestClient';
import { FlinkRestError } from '../flink/FlinkRestError';
import { isTerminalJobState } from '../flink/flinkRestTypes';
import { takeSavepoint } from '../flink/JobUpgrader';
import { disposeSavepoint } from '../flink/savepointDisposal';
import { silentLogger, type Logger } from '../log';
import type { FlinkSession } from './FlinkSession';
import type { SavepointEntry, SavepointSchedule } from './SavepointHistoryStore';
import { SavepointHistoryStore, savepointDirFor } from './SavepointHistoryStore';
import { FileSessionStore, ownerIsAlive } from './SessionStore';
import { jobManagerRestTls } from './flinkSsl';
import type { TlsOptions } from '../mesos/http';

/** The shortest interval accepted: a savepoint of a small job takes a second or more. */
export const MIN_SAVEPOINT_INTERVAL_MS = 1000;

/** "90s", "10m", "1h", "500ms" or plain seconds, in ms; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3600000 : 60000;
  return Math.round(Number(m[1]) * factor);
}

export function formatInterval(ms: number): string {
  if (ms % 3600000 === 0) return `${ms / 3600000}h`;
  if (ms % 60000 === 0) return `${ms / 60000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Checks a schedule a user gives; the message names the problem and the fix. */
export function scheduleProblem(s: Pick<SavepointSchedule, 'intervalMs' | 'keep' | 'disposeOld'>): string | undefined {
  if (!(s.intervalMs >= MIN_SAVEPOINT_INTERVAL_MS)) return `The savepoint interval must be at least ${MIN_SAVEPOINT_INTERVAL_MS / 1000} s (e.g. 30s, 10m, 1h).`;
  if (s.keep !== undefined && !(Number.isInteger(s.keep) && s.keep >= 1)) return 'The number of periodic savepoints to keep must be a whole number of at least 1.';
  if (s.disposeOld && s.keep === undefined) return 'Disposing old periodic savepoints needs the number to keep (e.g. keep 3); without it every one is kept.';
  return undefined;
}

/** Whether a process drives the saved session now (its owner lease is fresh): only then are periodic savepoints taken. */
export async function sessionIsDriven(storeDir: string, name: string, leaseStaleMs = 20000): Promise<boolean> {
  const record = await new FileSessionStore(storeDir).load(name).catch(() => undefined);
  return !!record?.owner && ownerIsAlive(record.owner, '', Date.now(), leaseStaleMs);
}

export interface PeriodicSavepointOptions {
  store: SavepointHistoryStore;
  /** The history key: the session's name. */
  key: string;
  /** The JobManager's REST address now (undefined while it has none). */
  jobManagerUrl: () => string | undefined;
  /** The CA of an https JobManager. */
  jobManagerTls?: () => TlsOptions | undefined;
  log?: Logger;
  /** How often the schedules are checked. Default 5000. */
  checkMs?: number;
  /** Savepoint status polling. Default 500. */
  pollMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class PeriodicSavepointRunner {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private client: FlinkRestClient | undefined;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: PeriodicSavepointOptions) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => void this.check(), this.options.checkMs ?? 5000);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    await this.client?.close();
    this.client = undefined;
  }

  /** One pass over the schedules (the timer's; tests call it directly). A pass still running is not started twice. */
  check(): Promise<void> {
    if (!this.checking) this.checking = this.pass().finally(() => { this.checking = undefined; });
    return this.checking;
  }

  private flink(): FlinkRestClient | undefined {
    const url = this.options.jobManagerUrl();
    if (!url) return undefined;
    if (this.client && this.client.baseUrl === normalizeJobManagerUrl(url)) return this.client;
    void this.client?.close();
    this.client = new FlinkRestClient(url, { timeoutMs: this.options.timeoutMs ?? 10000, log: this.log, tls: this.options.jobManagerTls?.() });
    return this.client;
  }

  private async pass(): Promise<void> {
    const { store, key } = this.options;
    let schedules: SavepointSchedule[];
    try {
      schedules = await store.schedules(key);
    } catch (err) {
      this.log.warn(`Periodic savepoints of ${key}: ${(err as Error).message}`);
      return;
    }
    const now = this.now();
    const due = schedules.filter((s) => (s.lastAt ?? s.since) + s.intervalMs <= now);
    if (due.length === 0) return;
    const client = this.flink();
    if (!client) return;
    for (const s of due) await this.take(client, s);
  }

  private async take(client: FlinkRestClient, s: SavepointSchedule): Promise<void> {
    const { store, key } = this.options;
    let state: string;
    let name: string | undefined;
    try {
      const d = await client.job(s.jobId);
      state = d.state;
      name = d.name;
    } catch (err) {
      if (err instanceof FlinkRestError && err.status === 404) {
        await store.clearSchedule(key, s.jobId);
        this.log.info(`Periodic savepoints of job ${s.jobId} stop: the JobManager no longer knows the job.`);
      }
      // Unreachable: the JobManager may be restarting; the next check tries again.
      return;
    }
    if (isTerminalJobState(state)) {
      await store.clearSchedule(key, s.jobId);
      this.log.info(`Periodic savepoints of job ${s.jobId} stop: the job is ${state}.`);
      return;
    }
    if (state !== 'RUNNING') return; // restarting or being stopped: the next check tries again
    const at = this.now();
    let location: string;
    try {
      location = await takeSavepoint(client, s.jobId, { targetDirectory: s.targetDirectory, pollMs: this.options.pollMs });
    } catch (err) {
      const message = (err as Error).message;
      await store.patchSchedule(key, s.jobId, { lastAt: at, lastError: message });
      this.log.warn(`Periodic savepoint of job ${s.jobId} failed (next try in ${formatInterval(s.intervalMs)}): ${message}`);
      return;
    }
    const submission = await store.submission(key, s.jobId).catch(() => undefined);
    const beyond = await store.addPeriodicSavepoint(key, {
      jobId: s.jobId, jobName: name, path: location, at, kind: 'periodic',
      jarPath: submission?.jarPath, entryClass: submission?.entryClass, programArgs: submission?.programArgs,
    }, s.keep, this.now());
    this.log.info(`Periodic savepoint of job ${s.jobId}: ${location}`);
    if (s.disposeOld) await this.dispose(client, s, beyond);
  }

  /** Retired periodic savepoints disposed through Flink, when the schedule says so; a state some job started from stays. */
  private async dispose(client: FlinkRestClient, s: SavepointSchedule, beyond: readonly SavepointEntry[]): Promise<void> {
    const { store, key } = this.options;
    const keepForRestore = await store.restoredFrom(key);
    for (const e of beyond) {
      if (keepForRestore.has(e.path)) continue;
      try {
        await disposeSavepoint(client, e.path, { pollMs: this.options.pollMs });
        await store.markSavepoints(key, [e.path], { disposedAt: this.now(), disposeError: undefined });
        this.log.info(`Disposed the periodic savepoint ${e.path} of job ${s.jobId} (beyond keep ${s.keep}).`);
      } catch (err) {
        await store.markSavepoints(key, [e.path], { disposeError: (err as Error).message });
        this.log.warn(`Disposing the periodic savepoint ${e.path}: ${(err as Error).message}`);
      }
    }
  }
}

/** Starts the runner for a session this process drives; it stops when the session ends or is detached. */
export function runPeriodicSavepoints(session: FlinkSession, storeDir: string, log: Logger = silentLogger, options: Partial<PeriodicSavepointOptions> = {}): PeriodicSavepointRunner {
  const runner = new PeriodicSavepointRunner({
    store: new SavepointHistoryStore(savepointDirFor(storeDir)), key: session.name,
    jobManagerUrl: () => session.snapshot().jobManagerUrl, jobManagerTls: () => jobManagerRestTls(session.snapshot().options.flinkSsl), log, ...options,
  }).start();
  void session.whenEnded().then(() => runner.stop());
  return runner;
}
