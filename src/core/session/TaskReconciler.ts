// Task reconciliation, Mesos' algorithm: ask about every non-terminal task we know, ask again with backoff about those
// without an answer, and once all have answered, ask for every task the master knows (implicit): unknown ones are then killed.
import { ACTIVE, END_PHASES, type SessionContext } from './sessionContext';

export class TaskReconciler {
  /** Tasks asked about and not answered yet: task id -> agent id. */
  private readonly pending = new Map<string, string | undefined>();
  private delay = 0;
  /** Set by a subscription: the implicit reconciliation follows once every saved task got its answer. */
  private implicitAfterExplicit = false;
  private timer?: NodeJS.Timeout;
  private lastImplicit = 0;

  constructor(private readonly ctx: SessionContext) {}

  /** Every task asked about has answered. */
  get settled(): boolean {
    return this.pending.size === 0;
  }

  /** After a subscription: explicit reconciliation of every task we know, then the implicit one. */
  start(): void {
    this.pending.clear();
    for (const t of this.ctx.record.tasks) if (ACTIVE(t)) this.pending.set(t.taskId, t.agentId);
    this.delay = this.ctx.timings.reconcileInitialMs;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.implicitAfterExplicit = true;
    void this.reconcileNow();
  }

  /** An update about taskId arrived (any update answers a reconciliation). */
  answered(taskId: string): void {
    if (this.pending.delete(taskId) && this.pending.size === 0) {
      this.ctx.changed();
      if (this.implicitAfterExplicit) void this.implicitReconcile();
    }
  }

  /** Tasks whose fate is unknown (an ACCEPT that failed): asked about after the first backoff. */
  askAbout(tasks: { taskId: string; agentId?: string }[]): void {
    for (const t of tasks) this.pending.set(t.taskId, t.agentId);
    this.schedule(this.ctx.timings.reconcileInitialMs);
  }

  /** Housekeeping: the periodic implicit reconciliation, and tasks still STAGING long after launch. */
  async tick(now: number): Promise<void> {
    if (!this.implicitAfterExplicit && now - this.lastImplicit >= this.ctx.timings.implicitReconcileMs) await this.implicitReconcile();
    // A task that does not reach RUNNING soon after launch is reconciled early.
    let stale = false;
    for (const t of this.ctx.record.tasks) {
      if (t.state === 'TASK_STAGING' && now - t.launchedAt > this.ctx.timings.launchReconcileMs && !this.pending.has(t.taskId)) {
        this.pending.set(t.taskId, t.agentId);
        stale = true;
      }
    }
    if (stale) this.schedule(0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async reconcileNow(): Promise<void> {
    const scheduler = this.ctx.scheduler;
    if (!scheduler || END_PHASES.has(this.ctx.record.phase)) return;
    if (this.pending.size > 0) {
      await scheduler.reconcile([...this.pending].map(([taskId, agentId]) => ({ taskId, agentId }))).catch(() => undefined);
      this.schedule(this.delay);
      this.delay = Math.min(this.delay * 2, this.ctx.timings.reconcileMaxMs);
    } else if (this.implicitAfterExplicit) {
      await this.implicitReconcile();
    }
  }

  private async implicitReconcile(): Promise<void> {
    const scheduler = this.ctx.scheduler;
    if (!scheduler || END_PHASES.has(this.ctx.record.phase)) return;
    this.implicitAfterExplicit = false;
    this.lastImplicit = Date.now();
    await scheduler.reconcile([]).catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.ctx.serial(() => this.reconcileNow());
    }, ms);
  }
}
