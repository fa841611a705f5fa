// Task tracking: follows the session's tasks through Mesos status updates, replaces lost TaskManagers within the
// failure-rate limit, relaunches a JobManager lost before it ran, and scales the number of TaskManagers.
import { TERMINAL_TASK_STATES, type TaskStatus } from '../mesos/types';
import type { TaskRecord } from './SessionStore';
import { SessionError } from './sessionErrors';
import { diagnoseStartupFailure, type StartupFailure } from './startupFailure';
import { ACTIVE, END_PHASES, type SessionContext } from './sessionContext';
import type { SchedulerApi } from './sessionTypes';
import { JOB_MANAGER_LOST } from './JobManagerRecovery';
import { RecentPorts } from './recentPorts';

const MAX_JOB_MANAGER_RELAUNCHES = 3;

export class TaskTracker {
  private failureTimes: number[] = [];
  /** TaskManager replacement stopped by the failure-rate limit. */
  replacementBlocked = false;
  /** Ports of the tasks that ended lately: the next plans take them last. */
  readonly recentPorts = new RecentPorts();
  private jobManagerRelaunches = 0;

  constructor(private readonly ctx: SessionContext) {}

  /** A new client took the session over: failures seen by the last one do not count. */
  forgetFailures(): void {
    this.failureTimes = [];
  }

  /** TaskManagers placed, not ended and not being killed. */
  active(): TaskRecord[] {
    return this.ctx.record.tasks.filter((t) => t.kind === 'taskmanager' && ACTIVE(t) && !t.killRequested);
  }

  /** How many active() there are, without building the list (asked several times per offer round). */
  activeCount(): number {
    let n = 0;
    for (const t of this.ctx.record.tasks) if (t.kind === 'taskmanager' && ACTIVE(t) && !t.killRequested) n++;
    return n;
  }

  /** TaskManagers still to place; Infinity in greedy mode, 0 while replacement is blocked. */
  toPlace(): number {
    if (this.replacementBlocked) return 0;
    const wanted = this.ctx.record.wantedTaskManagers;
    if (wanted === null) return Infinity;
    // While a TaskManager moves off an agent wanted back, one more than asked (its replacement).
    return Math.max(0, wanted + this.ctx.maintenance.surplus() - this.activeCount());
  }

  async onUpdate(status: TaskStatus): Promise<void> {
    const ctx = this.ctx;
    const scheduler = ctx.scheduler;
    if (!scheduler) return;
    const id = status.task_id.value;
    ctx.reconciler.answered(id);
    const task = ctx.record.tasks.find((t) => t.taskId === id);
    // TASK_UNKNOWN: the master knows nothing of the task (its agent was removed and forgotten): it is not running; a KILL
    // goes out in case it still is somewhere.
    const unknown = status.state === 'TASK_UNKNOWN';
    const terminal = TERMINAL_TASK_STATES.has(status.state) || unknown;
    if (!task) {
      // Not ours (any more): a task we do not know is killed, so nothing is left behind.
      if (!terminal && ctx.record.phase !== 'stopping') {
        ctx.log.warn(`session ${ctx.record.name}: killing unknown task ${id} (${status.state})`);
        await scheduler.kill(id, status.agent_id?.value).catch(() => undefined);
      }
      await this.acknowledge(scheduler, status);
      return;
    }
    if (task.state === status.state) {
      // The same update again (resent until acknowledged, or a reconciliation answer): nothing changes.
      await this.acknowledge(scheduler, status);
      return;
    }
    if (TERMINAL_TASK_STATES.has(task.state)) {
      await this.acknowledge(scheduler, status);
      return;
    }
    const everRan = task.state === 'TASK_RUNNING' || task.state === 'TASK_KILLING' || task.unreachableSince !== undefined;
    const wasUnreachable = task.unreachableSince !== undefined;
    task.state = status.state;
    task.message = status.message;
    task.updatedAt = Date.now();
    if (status.agent_id?.value) task.agentId = status.agent_id.value;
    // A drain's kill is no failure: the TaskManager is replaced at once (see AgentMaintenance).
    ctx.maintenance.onDrainUpdate(task, status);
    if (status.state === 'TASK_UNREACHABLE') {
      task.unreachableSince ??= Date.now();
      if (!task.killRequested && ctx.record.phase !== 'stopping') {
        ctx.emit('warning', `${task.kind === 'jobmanager' ? 'The JobManager' : `TaskManager ${task.taskId}`} on ${task.hostname} is unreachable ` +
          `(its agent's health checks fail)${task.kind === 'taskmanager' ? `: it is replaced if it stays so for ${this.graceSeconds()} s` : ''}.`);
      }
    } else if (wasUnreachable && !terminal) {
      task.unreachableSince = undefined;
      if (task.replaced) {
        // Back after its replacement: the plan has one TaskManager for that slot, the replacement.
        ctx.emit('warning', `TaskManager ${task.taskId} on ${task.hostname} is reachable again after its replacement: killing it.`);
        await scheduler.kill(task.taskId, task.agentId).catch(() => undefined);
      } else {
        ctx.emit('warning', `${task.kind === 'jobmanager' ? 'The JobManager' : `TaskManager ${task.taskId}`} on ${task.hostname} is reachable again; nothing was replaced.`);
      }
    }
    ctx.emit('task', { ...task });
    if (unknown) await scheduler.kill(task.taskId, task.agentId).catch(() => undefined);
    if (terminal) {
      ctx.record.tasks = ctx.record.tasks.filter((t) => t !== task);
      this.recentPorts.note(task.agentId, task.ports);
      ctx.registration.registered.delete(task.taskId);
      if (task.kind === 'jobmanager') {
        if (ctx.recovery.enabled && !task.killRequested && ctx.isLive()) {
          // HA: a new JobManager takes over; the TaskManagers stay and find it through ZooKeeper.
          const { stopReason } = await ctx.recovery.onLost(task, status);
          await this.acknowledge(scheduler, status);
          if (stopReason) await ctx.failSession(stopReason, 'jobManagerRestartLimit');
          return;
        }
        const neverStarted = !everRan && (status.state === 'TASK_LOST' || status.state === 'TASK_DROPPED' || status.state === 'TASK_GONE');
        if (neverStarted && ctx.isLive() && this.jobManagerRelaunches < MAX_JOB_MANAGER_RELAUNCHES) {
          // Lost before it ever ran (an offer invalidated by a leader change, an agent gone): launch it again elsewhere.
          await this.relaunchJobManager(status);
          await this.acknowledge(scheduler, status);
          return;
        }
        await ctx.persist();
        await this.acknowledge(scheduler, status);
        if (ctx.record.phase !== 'stopping' && !END_PHASES.has(ctx.record.phase)) {
          const why = status.state === 'TASK_FAILED' ? await this.startupFailure(task) : undefined;
          await ctx.failSession(`The JobManager task ended: ${status.state}${status.message ? ` (${status.message})` : ''}${status.reason ? ` [${status.reason}]` : ''}.` +
            `${why ? ` ${why.problem}${why.fix ? ` ${why.fix}` : ''}` : ''} Its TaskManagers were killed. ` +
            'Without high availability (--ha) its jobs are not recovered: restart the session with the same options to run them again.', JOB_MANAGER_LOST);
        }
        return;
      }
      if (!task.killRequested && ctx.record.phase !== 'stopping' && status.state === 'TASK_FAILED' && !ctx.registration.everRegistered.has(task.taskId)) {
        // A TaskManager that never registered may have been refused by Flink: the same configuration fails every one.
        const why = await this.startupFailure(task);
        if (why?.configuration && ctx.isLive()) {
          await ctx.persist();
          await this.acknowledge(scheduler, status);
          await ctx.failSession(`TaskManager ${task.taskId} could not start: ${why.problem}${why.fix ? ` ${why.fix}` : ''} ` +
            'The session was stopped, as every TaskManager would fail the same way.');
          return;
        }
      }
      if (!task.killRequested && ctx.record.phase !== 'stopping') this.onTaskManagerLost(task, status);
    } else if (status.state === 'TASK_RUNNING' && task.kind === 'jobmanager') {
      ctx.registration.schedulePoll(0);
    }
    const saved = ctx.persist();
    ctx.registration.emitProgress();
    // A killed TaskManager's end may leave the progress figures as they were (it stopped counting at the kill): say so anyway.
    if (terminal) ctx.changed();
    // Acknowledge once the change is saved, so a crash in between gets the update again.
    void saved.then(() => this.acknowledge(scheduler, status));
  }

  /** Sets the number of TaskManagers. Scaling down kills TaskManagers with no busy slots first (Flink's /taskmanagers). */
  async scale(count: number): Promise<{ killed: string[] }> {
    const ctx = this.ctx;
    if (!Number.isInteger(count) || count < 1) {
      throw new SessionError(`${count} is not a valid number of TaskManagers.`, 'Pass a whole number of 1 or more.');
    }
    if (END_PHASES.has(ctx.record.phase) || ctx.record.phase === 'stopping') {
      throw new SessionError(`The session is ${ctx.record.phase}.`, 'Start or attach to a session first.');
    }
    let killed: string[] = [];
    let free = new Map<string, { free: number; total: number }>();
    const api = ctx.registration.api();
    const active = this.active();
    if (count < active.length && api) {
      try {
        free = new Map((await api.taskManagers()).map((t) => [t.id, { free: t.freeSlots, total: t.slotsNumber }]));
      } catch (err) {
        ctx.log.warn(`session: Flink's /taskmanagers did not answer (${err instanceof Error ? err.message : String(err)}); picking TaskManagers to remove without slot information`);
      }
    }
    await ctx.serial(async () => {
      const scheduler = ctx.scheduler;
      ctx.record.wantedTaskManagers = count;
      this.replacementBlocked = false;
      this.failureTimes = [];
      const current = this.active();
      if (count < current.length) {
        // Not yet registered first, then idle ones (all slots free), then those with the most free slots; newest first on ties.
        const busy = (t: TaskRecord): number => {
          const f = free.get(t.taskId);
          if (!f) return free.size > 0 ? -1 : 0;
          return f.total - f.free;
        };
        const victims = [...current].sort((a, b) => busy(a) - busy(b) || b.launchedAt - a.launchedAt || b.taskId.localeCompare(a.taskId)).slice(0, current.length - count);
        for (const v of victims) v.killRequested = true;
        killed = victims.map((v) => v.taskId);
        await ctx.persist();
        await Promise.all(victims.map((v) => scheduler?.kill(v.taskId, v.agentId).catch(() => undefined)));
      } else {
        await ctx.persist();
        if (count > current.length) ctx.offers.wantOffers();
      }
      if (ctx.record.phase === 'running' && !ctx.registration.isComplete()) ctx.setPhase('taskManagers', {});
      ctx.registration.emitProgress();
      ctx.changed();
      ctx.registration.schedulePoll(0);
    });
    return { killed };
  }

  /** TaskManagers unreachable for longer than the grace period are replaced (once each); called by the housekeeping tick. */
  replaceUnreachable(now: number): void {
    const ctx = this.ctx;
    if (!ctx.isLive()) return;
    const graceMs = this.graceSeconds() * 1000;
    let replaced = false;
    for (const t of this.active()) {
      if (t.unreachableSince === undefined || now - t.unreachableSince < graceMs) continue;
      t.replaced = true;
      t.killRequested = true;
      ctx.registration.registered.delete(t.taskId);
      replaced = true;
      this.onTaskManagerLost(t, { task_id: { value: t.taskId }, state: 'TASK_UNREACHABLE',
        message: `unreachable for ${Math.round((now - t.unreachableSince) / 1000)} s, longer than the grace period of ${this.graceSeconds()} s; killed if it comes back` });
    }
    if (!replaced) return;
    void ctx.persist();
    ctx.registration.emitProgress();
    ctx.changed();
  }

  private graceSeconds(): number {
    return this.ctx.record.options.unreachableGraceSeconds ?? 60;
  }

  /** Acknowledges an update that asks for it (it carries a uuid); master-generated updates and reconciliation answers do not. */
  private acknowledge(scheduler: SchedulerApi, status: TaskStatus): Promise<void> {
    if (!status.uuid) return Promise.resolve();
    return scheduler.acknowledge(status).catch(() => undefined);
  }

  private startupFailure(task: TaskRecord): Promise<StartupFailure | undefined> {
    const { deps, timings, record } = this.ctx;
    return diagnoseStartupFailure(task.agentUrl, record.frameworkId, task.taskId,
      { credentials: deps.credentials, tls: deps.tls, timeoutMs: timings.flinkTimeoutMs }).catch(() => undefined);
  }

  private async relaunchJobManager(status: TaskStatus): Promise<void> {
    const ctx = this.ctx;
    this.jobManagerRelaunches++;
    ctx.emit('warning', `The JobManager task was lost before it started (${status.message ?? status.state}); launching it again.`);
    // TaskManagers placed with the lost JobManager's address would never find it: they go too.
    const doomed = ctx.record.tasks.filter((t) => t.kind === 'taskmanager');
    for (const t of doomed) t.killRequested = true;
    ctx.record.jobManagerUrl = undefined;
    await ctx.registration.forgetJobManager();
    ctx.setPhase('launchingJobManager', {});
    await ctx.persist();
    await Promise.all(doomed.map((t) => ctx.scheduler?.kill(t.taskId, t.agentId).catch(() => undefined)));
    ctx.offers.wantOffers();
  }

  private onTaskManagerLost(task: TaskRecord, status: TaskStatus): void {
    const now = Date.now();
    this.failureTimes = this.failureTimes.filter((t) => now - t < 60000);
    this.failureTimes.push(now);
    const what = `TaskManager ${task.taskId} on ${task.hostname} ended: ${status.state}${status.message ? ` (${status.message})` : ''}`;
    const limit = this.ctx.record.options.maxTaskManagerFailuresPerMinute;
    if (this.failureTimes.length > limit) {
      if (!this.replacementBlocked) {
        this.replacementBlocked = true;
        this.ctx.emit('warning', `${what}. ${this.failureTimes.length} TaskManagers ended within a minute, over the limit of ${limit}: ` +
          'the session stops replacing them. Look at a TaskManager log for the cause, then scale the session to replace them.');
      }
      return;
    }
    this.ctx.emit('warning', `${what}; launching a replacement.`);
    this.ctx.offers.wantOffers();
  }
}
