// Maintenance: Mesos asks for an agent back with an inverse offer (its machine is in the maintenance schedule) or drains
// it (DRAIN_AGENT kills its tasks at once, REASON_AGENT_DRAINING). A TaskManager on such an agent is moved before the
// window starts: one at a time, a replacement is placed elsewhere (the plan takes no offer of a scheduled agent), and
// only once it runs and is registered in Flink is the old one killed (killRequested: no failure). So Flink never has
// fewer TaskManagers than asked, and never more than one extra. The JobManager is never moved (without high
// availability its jobs would be lost): a warning and the snapshot say so. Inverse offers are answered as Mesos
// documents them: accepted once none of our tasks is left on the agent, declined while the tasks cannot leave it.
import type { InverseOffer, Offer, TaskStatus } from '../mesos/types';
import type { TaskRecord } from './SessionStore';
import { ACTIVE, type SessionContext } from './sessionContext';

/** An agent Mesos wants back, as the views show it. */
export interface AgentUnderMaintenance {
  agentId: string;
  hostname: string;
  /** The window (epoch ms); undefined for a drain, which has none. */
  from?: number;
  until?: number;
  /** DRAIN_AGENT: its tasks are being killed now. */
  draining: boolean;
  /** The last answer to its inverse offer. */
  answer?: 'accepted' | 'declined' | 'pending';
}

/** A declined inverse offer comes back after this long: the move may be possible then. */
const DECLINE_REFUSE_SECONDS = 10;
/** An inverse offer kept unanswered while a move is under way is declined after this long. */
const HOLD_MS = 20000;

export class AgentMaintenance {
  private readonly agents = new Map<string, AgentUnderMaintenance>();
  /** Inverse offers kept while their agent's TaskManagers move, with when they came. */
  private readonly held = new Map<string, { agentId: string; since: number }>();
  private readonly warnedJobManager = new Set<string>();
  /** The TaskManager being moved and since when (its replacement is launched after that). */
  private moving?: { taskId: string; since: number };

  constructor(private readonly ctx: SessionContext) {}

  /** For the views. */
  list(): AgentUnderMaintenance[] {
    return [...this.agents.values()].map((a) => ({ ...a }));
  }

  /** The JobManager's problem, when its agent is wanted back; undefined otherwise. */
  problem(): string | undefined {
    const jm = this.ctx.record.tasks.find((t) => t.kind === 'jobmanager' && ACTIVE(t));
    const a = jm ? this.agents.get(jm.agentId) : undefined;
    return jm && a ? this.jobManagerText(jm, a) : undefined;
  }

  /** One more TaskManager to place while one is being moved (never more than one). */
  surplus(): number {
    if (this.ctx.record.wantedTaskManagers === null) return 0;
    return this.nextToMove() ? 1 : 0;
  }

  async onInverseOffers(list: InverseOffer[]): Promise<void> {
    const ctx = this.ctx;
    for (const io of list) {
      const agentId = io.agent_id?.value;
      if (!agentId) continue;
      const start = Math.round(Number(io.unavailability.start.nanoseconds) / 1e6);
      const duration = io.unavailability.duration ? Math.round(Number(io.unavailability.duration.nanoseconds) / 1e6) : undefined;
      const hostname = ctx.record.tasks.find((t) => t.agentId === agentId)?.hostname ?? io.url?.address.hostname ?? agentId;
      const known = this.agents.get(agentId);
      this.agents.set(agentId, { agentId, hostname, from: start, until: duration !== undefined ? start + duration : undefined, draining: known?.draining ?? false, answer: 'pending' });
      for (const t of ctx.record.tasks) {
        if (t.agentId !== agentId || !ACTIVE(t)) continue;
        t.maintenanceFrom = start;
        if (duration !== undefined) t.maintenanceUntil = start + duration;
      }
      this.held.set(io.id.value, { agentId, since: Date.now() });
      if (!known) {
        const tms = ctx.record.tasks.filter((t) => t.kind === 'taskmanager' && t.agentId === agentId && ACTIVE(t) && !t.killRequested);
        ctx.emit('warning', `Mesos wants agent ${hostname} back for maintenance from ${new Date(start).toISOString()}` +
          `${tms.length ? `: moving ${tms.length === 1 ? `TaskManager ${tms[0].taskId}` : `its ${tms.length} TaskManagers one by one`} elsewhere before then` : ''}.`);
      }
    }
    await this.progress();
    if (this.surplus() > 0) ctx.offers.wantOffers();
    await ctx.persist();
    ctx.changed();
  }

  /**
   * Offers of an agent we hold as wanted back, without unavailability: the operator took it out of the schedule (or
   * reactivated a drained agent). Nothing more moves off it; a replacement already launched for the move is the one
   * TaskManager too many, and is killed.
   */
  async noteOffers(offers: Offer[]): Promise<void> {
    const ctx = this.ctx;
    if (this.agents.size === 0) return;
    for (const o of offers) {
      const a = this.agents.get(o.agent_id.value);
      if (!a || o.unavailability) continue;
      this.agents.delete(a.agentId);
      for (const [id, h] of [...this.held]) if (h.agentId === a.agentId) this.held.delete(id);
      const stayed = ctx.record.tasks.filter((t) => t.agentId === a.agentId && ACTIVE(t) && !t.killRequested);
      for (const t of ctx.record.tasks) {
        if (t.agentId !== a.agentId) continue;
        t.maintenanceFrom = t.maintenanceUntil = undefined;
        t.draining = undefined;
      }
      const moving = this.moving;
      this.moving = undefined;
      ctx.emit('warning', `Agent ${a.hostname} is offered again without a maintenance window${a.draining ? ' (no longer drained)' : ''}: nothing more moves off it.`);
      if (!moving || !stayed.some((t) => t.taskId === moving.taskId)) continue;
      const wanted = ctx.record.wantedTaskManagers;
      const active = ctx.tasks.active();
      const extra = active.filter((t) => t.launchedAt >= moving.since && t.agentId !== a.agentId).sort((x, y) => y.launchedAt - x.launchedAt)[0];
      if (wanted !== null && active.length > wanted && extra) {
        extra.killRequested = true;
        ctx.registration.registered.delete(extra.taskId);
        ctx.emit('warning', `Killing ${extra.taskId}, launched to replace ${moving.taskId}, which stays: the session keeps ${wanted} TaskManagers.`);
        await ctx.scheduler?.kill(extra.taskId, extra.agentId).catch(() => undefined);
      }
    }
  }

  onRescind(id: string): void {
    this.held.delete(id);
  }

  /**
   * A drain kills the agent's tasks at once (TASK_KILLING or TASK_KILLED with REASON_AGENT_DRAINING): Mesos gives no
   * window, so the TaskManager is replaced at once and its end is no failure. True when the update was a drain's.
   */
  onDrainUpdate(task: TaskRecord, status: TaskStatus): boolean {
    if (status.reason !== 'REASON_AGENT_DRAINING') return false;
    const ctx = this.ctx;
    const known = this.agents.get(task.agentId);
    this.agents.set(task.agentId, { agentId: task.agentId, hostname: task.hostname, ...known, draining: true });
    task.draining = true;
    if (task.kind === 'taskmanager' && !task.killRequested) {
      task.killRequested = true;
      ctx.registration.registered.delete(task.taskId);
      ctx.emit('warning', `Agent ${task.hostname} is being drained (DRAIN_AGENT): Mesos kills TaskManager ${task.taskId} now; launching a replacement elsewhere.`);
      ctx.offers.wantOffers();
    } else if (task.kind === 'jobmanager' && !this.warnedJobManager.has(`drain ${task.agentId}`)) {
      this.warnedJobManager.add(`drain ${task.agentId}`);
      ctx.emit('warning', `Agent ${task.hostname} is being drained (DRAIN_AGENT): Mesos kills the JobManager ${task.taskId} there` +
        `${ctx.record.options.ha ? '; with high availability a new JobManager takes over.' : ', and without high availability (--ha) its jobs are lost.'}`);
    }
    return true;
  }

  /** Moves the next TaskManager when its replacement is registered, answers inverse offers; after each poll and tick. */
  async progress(now = Date.now()): Promise<void> {
    const ctx = this.ctx;
    const scheduler = ctx.scheduler;
    if (!scheduler || !ctx.isLive()) return;
    this.warnJobManager();
    const next = this.nextToMove();
    if (next && this.moving?.taskId !== next.taskId) this.moving = { taskId: next.taskId, since: now };
    if (!next) this.moving = undefined;
    if (next && this.moving) {
      const since = this.moving.since;
      const replacement = ctx.record.tasks.find((t) => t.kind === 'taskmanager' && t.maintenanceFrom === undefined && !t.killRequested
        && t.state === 'TASK_RUNNING' && t.launchedAt >= since && ctx.registration.registered.has(t.taskId) && !this.agents.has(t.agentId));
      if (replacement) {
        next.killRequested = true;
        next.movedTo = replacement.taskId;
        replacement.replacing = next.taskId;
        ctx.registration.registered.delete(next.taskId);
        ctx.emit('warning', `TaskManager ${replacement.taskId} on ${replacement.hostname} runs and is registered in Flink in place of ${next.taskId}: ` +
          `killing ${next.taskId} on ${next.hostname} before its maintenance window (${next.maintenanceFrom !== undefined ? new Date(next.maintenanceFrom).toISOString() : 'drain'}).`);
        // The next one's move starts now: its replacement is any TaskManager launched from here on.
        const following = this.nextToMove();
        this.moving = following ? { taskId: following.taskId, since: now } : undefined;
        await ctx.persist();
        await scheduler.kill(next.taskId, next.agentId).catch(() => undefined);
        if (this.surplus() > 0) ctx.offers.wantOffers();
        ctx.registration.emitProgress();
        ctx.changed();
      }
    }
    await this.answer(now);
  }

  private async answer(now: number): Promise<void> {
    const scheduler = this.ctx.scheduler;
    if (!scheduler) return;
    for (const [id, h] of [...this.held]) {
      const ours = this.ctx.record.tasks.filter((t) => t.agentId === h.agentId && ACTIVE(t) && !t.killRequested);
      const a = this.agents.get(h.agentId);
      const jobManager = ours.some((t) => t.kind === 'jobmanager');
      let accept: boolean | undefined;
      if (ours.length === 0) accept = true;
      else if (jobManager || now - h.since >= HOLD_MS) accept = false;
      if (accept === undefined) continue;
      this.held.delete(id);
      if (a) a.answer = accept ? 'accepted' : 'declined';
      this.ctx.log.info(`session ${this.ctx.record.name}: ${accept ? 'accepting' : 'declining'} inverse offer ${id} for agent ${a?.hostname ?? h.agentId}` +
        `${accept ? '' : ` (${jobManager ? 'the JobManager runs there' : 'its TaskManagers are still being moved'})`}`);
      await scheduler.answerInverseOffers(accept, [id], accept ? undefined : { refuse_seconds: DECLINE_REFUSE_SECONDS }).catch(() => undefined);
      this.ctx.changed();
    }
  }

  /** The first TaskManager still on an agent wanted back, in task id order. */
  private nextToMove(): TaskRecord | undefined {
    // No agent wanted back (nearly always): no pass over every task, as each offer round asks.
    if (this.agents.size === 0) return undefined;
    return this.ctx.record.tasks
      .filter((t) => t.kind === 'taskmanager' && ACTIVE(t) && !t.killRequested && this.agents.has(t.agentId) && !this.agents.get(t.agentId)?.draining)
      .sort((a, b) => a.taskId.localeCompare(b.taskId))[0];
  }

  private warnJobManager(): void {
    const jm = this.ctx.record.tasks.find((t) => t.kind === 'jobmanager' && ACTIVE(t));
    const a = jm ? this.agents.get(jm.agentId) : undefined;
    if (!jm || !a || a.draining || this.warnedJobManager.has(jm.agentId)) return;
    this.warnedJobManager.add(jm.agentId);
    this.ctx.emit('warning', this.jobManagerText(jm, a));
  }

  private jobManagerText(jm: TaskRecord, a: AgentUnderMaintenance): string {
    const when = a.from !== undefined ? `goes into maintenance at ${new Date(a.from).toISOString()}` : 'is being drained';
    return `The JobManager ${jm.taskId} runs on ${a.hostname}, whose machine ${when}. ` + (this.ctx.record.options.ha
      ? 'With high availability it could be moved (a new JobManager would take over through ZooKeeper), but the session does not kill it: ' +
        'kill it yourself before the window to move it, or ask the operator to postpone the window.'
      : 'Without high availability (--ha) it cannot be moved without losing its jobs, so it is left running: take savepoints and restart the session ' +
        'on other agents, or ask the operator to postpone the window.');
  }
}
