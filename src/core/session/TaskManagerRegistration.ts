// TaskManager registration as Flink sees it: polls the JobManager's REST API (/taskmanagers) for the session's TaskManagers,
// moves the session to running once every one is registered, and counts progress.
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { END_PHASES, type SessionContext } from './sessionContext';
import type { FlinkClusterApi, TaskManagerProgress } from './sessionTypes';
import { jobManagerRestTls } from './flinkSsl';

export class TaskManagerRegistration {
  /** Our TaskManagers in Flink's last /taskmanagers answer. */
  registered = new Set<string>();
  /** TaskManagers Flink has listed at least once. */
  readonly everRegistered = new Set<string>();
  private flink?: FlinkClusterApi;
  private pollTimer?: NodeJS.Timeout;
  private pollBusy = false;
  private lastProgress = '';

  constructor(private readonly ctx: SessionContext) {}

  /** Flink's REST API at the JobManager, once the JobManager is placed. */
  api(): FlinkClusterApi | undefined {
    const { record, deps, timings, log } = this.ctx;
    if (!record.jobManagerUrl) return undefined;
    if (!this.flink) {
      this.flink = (deps.createFlinkApi ?? ((url) => new FlinkRestClient(url, { timeoutMs: timings.flinkTimeoutMs, retries: 0, log, tls: this.restTls() })))(record.jobManagerUrl);
    }
    return this.flink;
  }

  /** The session's REST CA; one that cannot be read now (moved since the start) is warned about, and the calls fail on TLS. */
  private restTls(): ReturnType<typeof jobManagerRestTls> {
    try {
      return jobManagerRestTls(this.ctx.record.options.flinkSsl);
    } catch (err) {
      this.ctx.log.warn(`session ${this.ctx.record.name}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The JobManager went (or moves): forget its client and what it listed. */
  async forgetJobManager(): Promise<void> {
    this.registered.clear();
    await this.flink?.close?.().catch(() => undefined);
    this.flink = undefined;
  }

  close(): void {
    void this.flink?.close?.().catch(() => undefined);
  }

  schedulePoll(ms: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => { this.pollTimer = undefined; void this.poll(); }, ms);
  }

  stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    const ctx = this.ctx;
    if (END_PHASES.has(ctx.record.phase) || ctx.record.phase === 'stopping' || this.pollBusy) return;
    const api = this.api();
    const jm = ctx.record.tasks.find((t) => t.kind === 'jobmanager');
    if (!api || !jm || jm.state !== 'TASK_RUNNING') return;
    this.pollBusy = true;
    try {
      const tms = await api.taskManagers();
      const ours = new Set(ctx.record.tasks.filter((t) => t.kind === 'taskmanager').map((t) => t.taskId));
      this.registered = new Set(tms.map((t) => t.id).filter((id) => ours.has(id)));
      for (const id of this.registered) this.everRegistered.add(id);
      await ctx.serial(async () => {
        if (ctx.record.phase === 'launchingJobManager' || ctx.record.phase === 'recoveringJobManager') {
          ctx.recovery.recovered();
          ctx.setPhase('jobManagerUp', { jobManagerUrl: ctx.record.jobManagerUrl });
          ctx.setPhase('taskManagers', {});
          void ctx.persist();
        }
        this.emitProgress();
        // A TaskManager moving off an agent wanted back goes once its replacement is registered.
        await ctx.maintenance.progress();
        if (ctx.record.phase === 'taskManagers' && this.isComplete()) {
          ctx.setPhase('running', { jobManagerUrl: ctx.record.jobManagerUrl });
          void ctx.persist();
        }
      });
    } catch (err) {
      ctx.log.debug(`session: Flink REST at ${ctx.record.jobManagerUrl} not answering yet (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      this.pollBusy = false;
    }
    if (ctx.isLive()) {
      this.schedulePoll(ctx.record.phase === 'running' && this.isComplete() ? ctx.timings.runningPollMs : ctx.timings.flinkPollMs);
    }
  }

  /** Every TaskManager wanted is placed and registered in Flink. */
  isComplete(): boolean {
    const active = this.ctx.tasks.active();
    const wanted = this.ctx.record.wantedTaskManagers;
    if (wanted === null) return active.length > 0 && active.every((t) => this.registered.has(t.taskId)) && !this.diagnosisPending();
    return active.length >= wanted && active.every((t) => this.registered.has(t.taskId));
  }

  // Greedy mode is complete once an offer round after the last launch placed nothing.
  private diagnosisPending(): boolean {
    return this.ctx.record.tasks.some((t) => t.state === 'TASK_STAGING');
  }

  progress(): TaskManagerProgress {
    const record = this.ctx.record;
    const tms = record.tasks.filter((t) => t.kind === 'taskmanager' && !t.killRequested);
    return {
      wanted: record.wantedTaskManagers,
      launched: tms.length,
      running: tms.filter((t) => t.state === 'TASK_RUNNING').length,
      registered: tms.filter((t) => this.registered.has(t.taskId)).length,
    };
  }

  /** Emits progress and a change when the counts moved; says whether they did. */
  emitProgress(): boolean {
    const p = this.progress();
    const key = JSON.stringify(p);
    if (key === this.lastProgress) return false;
    this.lastProgress = key;
    this.ctx.emit('progress', p);
    this.ctx.changed();
    return true;
  }
}
