// What the offers say about fitting the session: the declines of the last rounds with their reasons, the "does not fit"
// diagnosis, and when the fit timeout has run out. FlinkSession feeds it every offer round.
import type { SessionOptions } from './SessionOptions';
import type { SessionRecord, TaskRecord } from './SessionStore';
import { declineReason, describeMisfit, jobManagerNeeds, largerOffer, taskManagerNeeds, type OfferPlan, type OfferSize } from './launchPlan';

/** An agent's offers declined in one round, and why ("4096 MB free, a TaskManager needs 8192 MB and 2 cpus"). */
export interface DeclinedOffer { agentId: string; hostname: string; reason: string; at: number }

/** How many declines the snapshot keeps. */
export const DECLINED_OFFERS_KEPT = 20;

export class OfferDiagnosis {
  private largestOffer?: OfferSize;
  private refusedByConstraints = 0;
  private declined: DeclinedOffer[] = [];

  constructor(private readonly options: () => SessionOptions) {}

  /** Notes one offer round: the largest offer, agents refused by constraints and (with keepDeclines) the declines; true when declines were noted. */
  noteRound(plan: OfferPlan, at: number, keepDeclines: boolean): boolean {
    this.largestOffer = largerOffer(this.largestOffer, plan.largest);
    this.refusedByConstraints = Math.max(this.refusedByConstraints, plan.agentsRefusedByConstraints);
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

  /** Why what the session still needs does not fit the offers. */
  describe(needsJobManager: boolean): string {
    const options = this.options();
    return describeMisfit(needsJobManager ? 'JobManager' : 'TaskManager', needsJobManager ? jobManagerNeeds(options) : taskManagerNeeds(options),
      this.largestOffer, options.constraints, this.refusedByConstraints);
  }
}

/** What is missing once a start has waited fitTimeoutSeconds for offers (undefined: the timeout has not run out or nothing is missing). */
export function fitTimeoutMissing(record: SessionRecord, activeTaskManagers: readonly TaskRecord[], now: number): { jobManager: boolean } | undefined {
  const starting = record.phase === 'launchingJobManager' || record.phase === 'taskManagers' || record.phase === 'jobManagerUp';
  if (!starting || now - record.startedAt <= record.options.fitTimeoutSeconds * 1000) return undefined;
  const noJobManager = !record.tasks.some((t) => t.kind === 'jobmanager');
  const noTaskManager = activeTaskManagers.length === 0 && record.wantedTaskManagers !== 0;
  return noJobManager || noTaskManager ? { jobManager: noJobManager } : undefined;
}
