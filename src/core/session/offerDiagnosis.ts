// What the offers say about fitting the session: the declines of the last rounds with their reasons, each agent's offer as
// it is now (after what the session took from it), the "does not fit" diagnosis, and when the fit timeout has run out.
// FlinkSession feeds it every offer round.
import type { SessionOptions } from './SessionOptions';
import type { SessionRecord, TaskRecord } from './SessionStore';
import {
  agentShortfall, declineReason, describeMisfit, describeNeeds, jobManagerNeeds, maintenanceReason, taskManagerNeeds, type DeclinedAgent, type OfferPlan,
} from './launchPlan';

/** An agent's offers declined in one round, and why ("4096 MB free, a TaskManager needs 8192 MB and 2 cpus"). */
export interface DeclinedOffer { agentId: string; hostname: string; reason: string; at: number }

/** An agent's last offer as it stands after the session's own tasks on it, and why it fits nothing more the session needs. */
export interface AgentOfferNow { agentId: string; hostname: string; cpus: number; memMb: number; diskMb: number; ports: number; reason: string; at: number }

/** How many declines (and agents' current offers) the snapshot keeps. */
export const DECLINED_OFFERS_KEPT = 20;

/** What a session still waits for: the JobManager, or TaskManagers (Infinity in greedy mode) of `wanted` (null: greedy). */
export interface StillMissing { jobManager: boolean; taskManagers: number; wanted: number | null }

export class OfferDiagnosis {
  private refusedByConstraints = 0;
  private declined: DeclinedOffer[] = [];
  /** By agent id, the most recently offered last: what each agent's offer holds now. */
  private readonly now = new Map<string, { agent: DeclinedAgent; at: number }>();

  constructor(private readonly options: () => SessionOptions) {}

  /** Notes one offer round: each agent's offer as left by the round, agents refused by constraints and (with keepDeclines) the declines; true when declines were noted. */
  noteRound(plan: OfferPlan, at: number, keepDeclines: boolean): boolean {
    this.refusedByConstraints = Math.max(this.refusedByConstraints, plan.agentsRefusedByConstraints);
    for (const agent of [...plan.left, ...plan.declined]) {
      this.now.delete(agent.agentId);
      this.now.set(agent.agentId, { agent, at });
    }
    while (this.now.size > DECLINED_OFFERS_KEPT) this.now.delete(this.now.keys().next().value as string);
    if (!keepDeclines) return false;
    // Only the last few are described: a round may decline thousands.
    const declined = plan.declined;
    if (declined.length === 0) return false;
    const options = this.options();
    for (let i = Math.max(0, declined.length - DECLINED_OFFERS_KEPT); i < declined.length; i++) {
      const agent = declined[i];
      this.declined.push({ agentId: agent.agentId, hostname: agent.hostname, reason: declineReason(agent, plan, options), at });
    }
    if (this.declined.length > DECLINED_OFFERS_KEPT) this.declined.splice(0, this.declined.length - DECLINED_OFFERS_KEPT);
    return true;
  }

  declinedOffers(): DeclinedOffer[] {
    return this.declined.map((d) => ({ ...d }));
  }

  /** Each agent's offer as it is now, with why it does not take what is still missing (by host name). */
  offersNow(missing: StillMissing): AgentOfferNow[] {
    const options = this.options();
    const who = missing.jobManager ? 'the JobManager' : 'a TaskManager';
    const needs = missing.jobManager ? jobManagerNeeds(options) : taskManagerNeeds(options);
    return [...this.now.values()].map(({ agent, at }) => {
      const short = agent.maintenanceFrom !== undefined ? maintenanceReason(agent.maintenanceFrom)
        : agent.unmatched ? `does not match constraint ${agent.unmatched.attribute}:${agent.unmatched.value}` : agentShortfall(agent, needs, who);
      const reason = short.startsWith('not used in this round') ? `${fmtNumber(agent.memMb)} MB and ${fmtNumber(agent.cpus)} cpus free: fits ${who}, waiting for its next offer` : short;
      return { agentId: agent.agentId, hostname: agent.hostname, cpus: round(agent.cpus), memMb: round(agent.memMb), diskMb: round(agent.diskMb), ports: agent.ports, reason, at };
    }).sort((a, b) => a.hostname.localeCompare(b.hostname) || a.agentId.localeCompare(b.agentId));
  }

  /** Why what the session still needs does not fit: the offers as they are now, per agent, with each one's reason. */
  describe(missing: StillMissing): string {
    const options = this.options();
    const kind = missing.jobManager ? 'JobManager' : 'TaskManager';
    const needs = missing.jobManager ? jobManagerNeeds(options) : taskManagerNeeds(options);
    const agents = this.offersNow(missing);
    if (agents.length === 0) return describeMisfit(kind, needs, undefined, options.constraints, this.refusedByConstraints);
    const waiting = missing.jobManager ? 'the JobManager'
      : missing.wanted === null || !Number.isFinite(missing.taskManagers) ? 'TaskManagers' : `${missing.taskManagers} of ${missing.wanted} TaskManagers`;
    const constraintText = options.constraints.length > 0 ? ` on agents matching ${options.constraints.map((c) => `${c.attribute}:${c.value}`).join(',')}` : '';
    const short = agents.some((a) => / free, /.test(a.reason) && !/fits/.test(a.reason));
    // GPUs short on every agent: no agent has enough of them, whatever the memory and cpus.
    const gpus = needs.gpus ?? 0;
    const noGpuAgent = gpus > 0 && agents.every((a) => / GPUs free, /.test(a.reason));
    const fix = noGpuAgent
      ? ` No agent offers ${gpus} GPUs: lower --task-manager-gpus, or check that the GPU agents run with --isolation including gpu/nvidia and offer their GPUs to this role.`
      : short ? ` Lower ${kind === 'TaskManager' ? '-tm/-tmc' : '-jm/-jmc'} or free resources on the cluster.` : '';
    return `The session ${describeNeeds(kind, needs)}${constraintText} and still waits for ${waiting}; the offers now, after what the session holds: ` +
      `${agents.map((a) => `agent ${a.agentId} (${a.hostname}): ${a.reason}`).join('; ')}.${fix}`;
  }
}

/** What a start is still missing once it has waited fitTimeoutSeconds for offers (undefined: not yet, or nothing is missing). */
export interface FitTimeout {
  /** No JobManager, or no TaskManager at all: nothing worth keeping. */
  nothingToKeep: boolean;
  missing: StillMissing;
  /** TaskManagers placed (launched and not ended). */
  placed: number;
}

export function fitTimeoutReached(record: SessionRecord, activeTaskManagers: readonly TaskRecord[], now: number): FitTimeout | undefined {
  const starting = record.phase === 'launchingJobManager' || record.phase === 'taskManagers' || record.phase === 'jobManagerUp';
  // A JobManager recovery is not a start: timed from the session's start it would give up at once and kill the
  // TaskManagers that wait for the new leader. It waits on and says so (JobManagerRecovery).
  if (record.lostJobManagerAgent !== undefined) return undefined;
  if (!starting || now - record.startedAt <= record.options.fitTimeoutSeconds * 1000) return undefined;
  const noJobManager = !record.tasks.some((t) => t.kind === 'jobmanager');
  const wanted = record.wantedTaskManagers;
  const placed = activeTaskManagers.length;
  const noTaskManager = placed === 0 && wanted !== 0;
  // Every TaskManager asked for counts (greedy mode asks for what fits: one is enough).
  const short = wanted !== null && placed < wanted;
  if (!noJobManager && !noTaskManager && !short) return undefined;
  return {
    nothingToKeep: noJobManager || noTaskManager, placed,
    missing: { jobManager: noJobManager, taskManagers: wanted === null ? Infinity : Math.max(0, wanted - placed), wanted },
  };
}

/** A start whose fit timeout ran out with part of the session placed: keep it smaller than asked, or stop it. */
export interface PartialFit {
  session: string;
  wanted: number;
  placed: number;
  fitTimeoutSeconds: number;
  diagnosis: string;
}

export type PartialFitChoice = 'keep' | 'stop';

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function fmtNumber(x: number): string {
  return String(round(x));
}
