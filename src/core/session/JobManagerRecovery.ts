// JobManager recovery with Flink's ZooKeeper high availability: when the JobManager task ends (failed, lost, gone, its
// agent removed), a new one is placed from the offers, on another agent when one fits, with fresh ports; the TaskManagers
// stay and find the new leader through ZooKeeper, and Flink recovers the jobs from their latest checkpoint. The generation
// and the restarts are in the saved record, so a client that comes back (attach) finishes a recovery it did not see begin.
import type { TaskStatus } from '../mesos/types';
import type { TaskRecord } from './SessionStore';
import { DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR, DEFAULT_ZOOKEEPER_CHECK_MS, DEFAULT_ZOOKEEPER_PROBE_MS } from './highAvailability';
import { probeZooKeeper } from './zookeeperProbe';
import type { SessionContext } from './sessionContext';

const HOUR_MS = 3600_000;
/** How long a recovery waits for another agent's offer before it takes the lost JobManager's agent. */
const AVOID_AGENT_MS = 3000;

/** The failure kind of a session ended by its JobManager without HA (the CLI and VS Code offer a restart for it). */
export const JOB_MANAGER_LOST = 'jobManagerLost';

export class JobManagerRecovery {
  /** ZooKeeper does not answer: what the last probe said (undefined while it answers). */
  zookeeperProblem?: string;
  private lastProbe = 0;
  private probing = false;
  /** The loss (its time) whose recovery was already said to fit no offer. */
  private noFitWarnedFor?: number;

  constructor(private readonly ctx: SessionContext) {}

  /** Housekeeping: says once when a new JobManager has waited the fit timeout for offers; probes ZooKeeper now and then. */
  tick(now: number): void {
    this.warnIfNoFit(now);
    const ha = this.ctx.record.options.ha;
    const every = this.ctx.timings.zookeeperCheckMs ?? DEFAULT_ZOOKEEPER_CHECK_MS;
    if (!ha || this.probing || now - this.lastProbe < every) return;
    this.lastProbe = now;
    this.probing = true;
    void probeZooKeeper(ha.quorum, this.ctx.timings.zookeeperProbeMs ?? DEFAULT_ZOOKEEPER_PROBE_MS).then((problem) => {
      this.probing = false;
      if (!this.ctx.isLive() || problem === this.zookeeperProblem || (problem !== undefined && this.zookeeperProblem !== undefined)) return;
      const was = this.zookeeperProblem;
      this.zookeeperProblem = problem;
      this.ctx.emit('warning', problem
        ? `ZooKeeper of the session's high availability does not answer (${problem}). Flink's JobManager loses its leadership while it lasts, ` +
          'and Flink decides what happens to the running jobs; the session keeps its tasks and says when ZooKeeper is back.'
        : `ZooKeeper ${ha.quorum} answers again (it did not: ${was}).`);
      this.ctx.changed();
    });
  }

  /**
   * A recovery whose JobManager fits no offer waits on (the TaskManagers and Flink's HA data stay, so nothing is lost by
   * waiting), but says so once after the fit timeout, with what the offers lack and what the user can do.
   */
  private warnIfNoFit(now: number): void {
    const record = this.ctx.record;
    const lostAt = this.lostAt;
    if (record.phase !== 'recoveringJobManager' || lostAt === undefined || this.noFitWarnedFor === lostAt) return;
    if (record.tasks.some((t) => t.kind === 'jobmanager')) return;
    const seconds = record.options.fitTimeoutSeconds;
    if (now - lostAt <= seconds * 1000) return;
    this.noFitWarnedFor = lostAt;
    this.ctx.emit('warning', `The new JobManager (generation ${this.generation}) has found no offer that fits for ${seconds} s` +
      `${this.ctx.offers.diagnosis ? `: ${this.ctx.offers.diagnosis}` : '.'} The session keeps waiting, its TaskManagers stay, and the jobs recover ` +
      'once it runs: free cpus and memory on an agent (or start the session again with a smaller -jm), or stop the session.');
  }

  /** When the last JobManager was lost (its restart's time). */
  private get lostAt(): number | undefined {
    const restarts = this.ctx.record.jobManagerRestarts;
    return restarts?.[restarts.length - 1];
  }

  /** HA is on: a lost JobManager is relaunched rather than ending the session. */
  get enabled(): boolean {
    return this.ctx.record.options.ha !== undefined;
  }

  /** The JobManager's launch number (1 for the first). */
  get generation(): number {
    return this.ctx.record.jobManagerGeneration ?? 1;
  }

  /** The agent a new JobManager should avoid (the lost one's), while a recovery places it. */
  get avoidAgent(): string | undefined {
    return this.ctx.record.phase === 'recoveringJobManager' ? this.ctx.record.lostJobManagerAgent : undefined;
  }

  /**
   * The JobManager task ended while the session is live and HA is on. Relaunches it, or, over the restart limit,
   * returns the reason the session must stop instead.
   */
  async onLost(task: TaskRecord, status: TaskStatus): Promise<{ stopReason?: string }> {
    const ctx = this.ctx;
    const record = ctx.record;
    const now = Date.now();
    const limit = record.options.maxJobManagerRestartsPerHour ?? DEFAULT_MAX_JOB_MANAGER_RESTARTS_PER_HOUR;
    const restarts = (record.jobManagerRestarts ?? []).filter((t) => now - t < HOUR_MS);
    const what = `The JobManager task ${task.taskId} on ${task.hostname} ended: ${status.state}${status.message ? ` (${status.message})` : ''}${status.reason ? ` [${status.reason}]` : ''}`;
    if (restarts.length >= limit) {
      return { stopReason: `${what}. It was relaunched ${restarts.length} time(s) within the last hour, the limit of --max-job-manager-restarts ${limit}: ` +
        'the session stops replacing it and was stopped. Look at the JobManager logs of the earlier generations for the cause; start the session again once it is fixed.' };
    }
    restarts.push(now);
    record.jobManagerRestarts = restarts;
    record.jobManagerGeneration = this.generation + 1;
    record.lostJobManagerAgent = task.agentId;
    record.jobManagerUrl = undefined;
    await ctx.registration.forgetJobManager();
    const reason = `${what}; launching JobManager generation ${record.jobManagerGeneration} (restart ${restarts.length} of ${limit} this hour). ` +
      'The TaskManagers stay and follow the new leader through ZooKeeper; running jobs recover from their latest checkpoint.';
    ctx.emit('warning', reason);
    ctx.setPhase('recoveringJobManager', { reason });
    record.reason = reason;
    // Saved before the new JobManager is placed: a client that goes away now leaves a record that says a recovery is under way.
    await ctx.persist();
    ctx.offers.wantOffers();
    return {};
  }

  /** The Mesos task id of the current generation: the first keeps the plain id, later ones get their number. */
  taskId(base: string): string {
    const g = this.generation;
    return g <= 1 ? base : `${base}-${g}`;
  }

  /**
   * The lost JobManager's agent's offers, while the recovery is young (AVOID_AGENT_MS) and the round has no other agent:
   * declined for a second so that the other agents' offers come first. Past that, the lost agent is taken when it alone fits.
   */
  holdBack<T extends { agent_id: { value: string } }>(offers: T[], now: number): T[] {
    const avoid = this.avoidAgent;
    const lostAt = this.lostAt;
    if (!avoid || lostAt === undefined || now - lostAt > AVOID_AGENT_MS) return [];
    if (offers.some((o) => o.agent_id.value !== avoid)) return [];
    return offers;
  }

  /** Offers of the lost JobManager's agent go last, so the new JobManager lands elsewhere when another agent fits. */
  orderOffers<T extends { agent_id: { value: string } }>(offers: T[]): T[] {
    const avoid = this.avoidAgent;
    if (!avoid || !offers.some((o) => o.agent_id.value === avoid)) return offers;
    return [...offers.filter((o) => o.agent_id.value !== avoid), ...offers.filter((o) => o.agent_id.value === avoid)];
  }

  /** The recovery is over once the new JobManager's REST API answers. */
  recovered(): void {
    const record = this.ctx.record;
    if (record.lostJobManagerAgent === undefined) return;
    record.lostJobManagerAgent = undefined;
    record.reason = undefined;
  }
}
