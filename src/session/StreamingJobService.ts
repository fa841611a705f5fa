// The streaming side of the extension's jobs: the Job panel's graph, checkpoints and savepoints, checkpoint health for
// the tree, savepoints without stopping (with progress), upgrades, and the savepoint history kept beside the sessions.
// No vscode import: the node tests drive it against the Flink stand-in.
import type { FlinkRestClient } from '../core/flink/FlinkRestClient';
import type { JobDetails } from '../core/flink/flinkRestTypes';
import type { JarSubmitter } from '../core/flink/JarSubmitter';
import type { JobSpec, UpgradeMode, UpgradeResult } from '../core/flink/JobUpgrader';
import { JobUpgrader, takeSavepoint } from '../core/flink/JobUpgrader';
import { StreamingJobReads } from '../core/flink/StreamingJobReads';
import type { Logger } from '../core/log';
import type { JobSubmission, SavepointEntry, SavepointSchedule } from '../core/session/SavepointHistoryStore';
import { SavepointHistoryStore } from '../core/session/SavepointHistoryStore';
import type { JobResultData } from '../webviews/protocol';
import { checkpointWarning, StreamingJobViews } from './streamingJobViews';

/** What the tree shows of a running job's checkpoints. */
export interface CheckpointHealth { lastCompletedAt?: number; warning?: string }

export interface UpgradeJobRequest {
  jobId: string;
  next: JobSpec;
  mode: UpgradeMode;
  savepointDirectory?: string;
  allowNonRestoredState?: boolean;
  stableMs?: number;
  /** Upgrade a job whose previous jar is unknown (no rollback possible). */
  noRollback?: boolean;
  onProgress?: (step: string) => void;
}

/** Checkpoints reads per poll for the tree's checkpoint health: with more running jobs they take turns. */
export const MAX_CHECKPOINT_READS = 4;

export class StreamingJobService {
  private readonly views = new StreamingJobViews();
  /** Savepoints being taken, per session and job: the progress line the panel shows. */
  private readonly progress = new Map<string, string>();

  constructor(readonly history: SavepointHistoryStore, private readonly log: Logger, private readonly onJobChanged: (session: string, jobId: string) => void = () => undefined) {}

  /** Adds graph, checkpoints and savepoint history to the Job panel's data of a running (or recently running) job. */
  async enrich(session: string, flink: FlinkRestClient, details: JobDetails, data: JobResultData): Promise<JobResultData> {
    const [graph, checkpoints, savepoints] = await Promise.all([
      this.views.graph(flink, details).catch(() => undefined),
      this.views.checkpoints(flink, details).catch(() => undefined),
      this.history.savepoints(session, details.jid).catch(() => [] as SavepointEntry[]),
    ]);
    return {
      ...data, graph, checkpoints,
      savepoints: savepoints.map((s) => ({ path: s.path, at: s.at, kind: s.disposedAt ? `${s.kind} (disposed)` : s.retiredAt ? `${s.kind} (retired)` : s.kind })),
      savepointProgress: this.progress.get(`${session}\n${details.jid}`),
    };
  }

  /**
   * Checkpoint age and warning of each running job (the config is cached). At most MAX_CHECKPOINT_READS checkpoints
   * reads per poll, those read longest ago first; the other jobs keep their last answer. A session with 80 running jobs
   * made 80 reads every 5 s (issue 19's requests_per_min_visible: 1,056 a minute).
   */
  async checkpointHealth(flink: FlinkRestClient, jobs: { id: string; startTime?: number }[], now = Date.now(), maxReads = MAX_CHECKPOINT_READS): Promise<Map<string, CheckpointHealth>> {
    const reads = new StreamingJobReads(flink);
    let last = this.lastHealth.get(flink);
    if (!last) { last = new Map(); this.lastHealth.set(flink, last); }
    const known = last;
    const running = new Set(jobs.map((j) => j.id));
    for (const id of [...known.keys()]) if (!running.has(id)) known.delete(id);
    const due = [...jobs].sort((a, b) => (known.get(a.id)?.at ?? -1) - (known.get(b.id)?.at ?? -1)).slice(0, maxReads);
    await Promise.all(due.map(async (j) => {
      const [stats, config] = await Promise.all([reads.checkpoints(j.id).catch(() => undefined), this.config(reads, j.id)]);
      const c = stats?.latest.completed;
      const health = stats && config ? { lastCompletedAt: c ? c.latest_ack_timestamp || c.trigger_timestamp : undefined, warning: checkpointWarning(stats, config, j.startTime, now) } : undefined;
      known.set(j.id, { at: now, health });
    }));
    const out = new Map<string, CheckpointHealth>();
    for (const j of jobs) {
      const h = known.get(j.id)?.health;
      if (h) out.set(j.id, h);
    }
    return out;
  }

  /** The last checkpoint health read per running job, per JobManager client. */
  private readonly lastHealth = new WeakMap<FlinkRestClient, Map<string, { at: number; health?: CheckpointHealth }>>();

  private readonly configs = new Map<string, Promise<Awaited<ReturnType<StreamingJobReads['checkpointConfig']>>>>();
  private config(reads: StreamingJobReads, jobId: string): ReturnType<StreamingJobReads['checkpointConfig']> {
    let p = this.configs.get(jobId);
    if (!p) {
      p = reads.checkpointConfig(jobId).catch(() => undefined);
      this.configs.set(jobId, p);
      if (this.configs.size > 200) this.configs.delete(this.configs.keys().next().value as string);
    }
    return p;
  }

  /** Takes a savepoint without stopping the job and adds it to the history; returns its path. */
  async triggerSavepoint(session: string, flink: FlinkRestClient, jobId: string, targetDirectory?: string, onProgress?: (text: string) => void): Promise<string> {
    const key = `${session}\n${jobId}`;
    const say = (text: string | undefined): void => {
      if (text) this.progress.set(key, text); else this.progress.delete(key);
      if (text) onProgress?.(text);
      this.onJobChanged(session, jobId);
    };
    say(`Savepoint in progress${targetDirectory ? ` (${targetDirectory})` : ''}…`);
    try {
      const location = await takeSavepoint(flink, jobId, { targetDirectory, onProgress: (p) => say(`Savepoint in progress (${Math.round(p.elapsedMs / 1000)} s)…`) });
      const submission = await this.history.submission(session, jobId).catch(() => undefined);
      const name = await flink.job(jobId).then((d) => d.name, () => undefined);
      await this.history.addSavepoint(session, { jobId, jobName: name, path: location, at: Date.now(), kind: 'savepoint', jarPath: submission?.jarPath, entryClass: submission?.entryClass, programArgs: submission?.programArgs });
      say(`Savepoint completed: ${location}`);
      return location;
    } catch (err) {
      say(`Savepoint failed: ${(err as Error).message}`);
      throw err;
    }
  }

  async recordStop(session: string, jobId: string, location: string, jobName?: string): Promise<void> {
    const submission = await this.history.submission(session, jobId).catch(() => undefined);
    await this.history.addSavepoint(session, { jobId, jobName, path: location, at: Date.now(), kind: 'stop-with-savepoint', jarPath: submission?.jarPath, entryClass: submission?.entryClass, programArgs: submission?.programArgs });
  }

  recordSubmission(session: string, submission: JobSubmission): Promise<void> {
    return this.history.recordSubmission(session, submission).catch((err: unknown) => this.log.warn(`The savepoint history of ${session} could not be written: ${(err as Error).message}`));
  }

  savepoints(session: string): Promise<SavepointEntry[]> {
    return this.history.savepoints(session);
  }

  submission(session: string, jobId: string): Promise<JobSubmission | undefined> {
    return this.history.submission(session, jobId);
  }

  /** Upgrades a running job; the previous jar for the rollback comes from the history of how it was submitted. */
  async upgrade(session: string, flink: FlinkRestClient, submitter: JarSubmitter, req: UpgradeJobRequest): Promise<UpgradeResult> {
    const known = await this.history.submission(session, req.jobId).catch(() => undefined);
    const previous: JobSpec | undefined = known ? { jarPath: known.jarPath, entryClass: known.entryClass, programArgs: known.programArgs, parallelism: known.parallelism } : undefined;
    const name = await flink.job(req.jobId).then((d) => d.name, () => undefined);
    const upgrader = new JobUpgrader(flink, submitter, this.log);
    const result = await upgrader.upgrade({
      jobId: req.jobId, next: { ...req.next, parallelism: req.next.parallelism ?? known?.parallelism }, mode: req.mode, previous, noRollback: req.noRollback,
      savepointDirectory: req.savepointDirectory, allowNonRestoredState: req.allowNonRestoredState, stableMs: req.stableMs,
      onProgress: req.onProgress,
      onState: ({ path, kind }) => this.history.addSavepoint(session, { jobId: req.jobId, jobName: name, path, at: Date.now(), kind, jarPath: previous?.jarPath, entryClass: previous?.entryClass, programArgs: previous?.programArgs }),
      onSubmitted: (jobId, spec, restoredFrom) => this.recordSubmission(session, { jobId, jarPath: spec.jarPath, entryClass: spec.entryClass, programArgs: spec.programArgs, parallelism: spec.parallelism, restoredFrom, submittedAt: Date.now() }),
    });
    // Periodic savepoints go on for the job that runs now.
    await this.history.moveSchedule(session, req.jobId, result.runningJobId).catch((err: unknown) => this.log.warn(`The periodic savepoint schedule of ${req.jobId} did not move: ${(err as Error).message}`));
    return result;
  }

  schedules(session: string): Promise<SavepointSchedule[]> {
    return this.history.schedules(session);
  }

  setSchedule(session: string, schedule: SavepointSchedule): Promise<void> {
    return this.history.setSchedule(session, schedule);
  }

  clearSchedule(session: string, jobId: string): Promise<boolean> {
    return this.history.clearSchedule(session, jobId);
  }
}
