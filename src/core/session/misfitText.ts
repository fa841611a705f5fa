// Why offers do not fit, in words: the "does not fit" diagnosis against the largest offer, what a task needs, and why one
// agent got no task (the per-agent reasons of the declines and of the offers now).
import type { AttributeConstraint, SessionOptions } from './SessionOptions';
import { jobManagerNeeds, taskManagerNeeds, type DeclinedAgent, type OfferPlan, type OfferSize, type TaskNeeds } from './launchPlan';

// Mesos keeps scalars with three decimals.
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The offer closer to fitting: more memory, then more cpus. */
export function largerOffer(a: OfferSize | undefined, b: OfferSize | undefined): OfferSize | undefined {
  if (!a) return b;
  if (!b) return a;
  if (b.memMb !== a.memMb) return b.memMb > a.memMb ? b : a;
  return b.cpus > a.cpus ? b : a;
}

/** "needs 8192 MB and 2 cpus per TaskManager; the largest offer so far has 4096 MB and 8 cpus on agent X (host)". */
export function describeMisfit(kind: 'JobManager' | 'TaskManager', needs: TaskNeeds, largest: OfferSize | undefined, constraints: AttributeConstraint[] = [], refusedByConstraints = 0): string {
  const need = describeNeeds(kind, needs);
  const constraintText = constraints.length > 0 ? ` on agents matching ${constraints.map((c) => `${c.attribute}:${c.value}`).join(',')}` : '';
  if (!largest) {
    if (refusedByConstraints > 0) return `The session ${need}${constraintText}; none of the ${refusedByConstraints} agents offered so far matches the constraints.`;
    return `The session ${need}; no offer has arrived yet (check the role and that the cluster has free agents).`;
  }
  const missing: string[] = [];
  if (largest.memMb < needs.memMb) missing.push('memory');
  if (largest.cpus < needs.cpus) missing.push('cpus');
  if (largest.diskMb < needs.diskMb) missing.push('disk');
  if (largest.ports < needs.ports) missing.push('ports');
  if (largest.gpus < (needs.gpus ?? 0)) missing.push('GPUs');
  return `The session ${need}${constraintText}; the largest offer so far has ${fmt(largest.memMb)} MB and ${fmt(largest.cpus)} cpus` +
    `${needs.diskMb > 0 ? ` and ${fmt(largest.diskMb)} MB disk` : ''}${(needs.gpus ?? 0) > 0 ? ` and ${fmt(largest.gpus)} GPUs` : ''} and ${largest.ports} ports on agent ${largest.agentId} (${largest.hostname})` +
    `${missing.length > 0 ? `: not enough ${missing.join(', ')}` : ''}.` +
    `${missing.includes('GPUs') ? ` No agent offers ${fmt(needs.gpus ?? 0)} GPUs: lower --task-manager-gpus, or check that the GPU agents run with --isolation including gpu/nvidia and offer their GPUs to this role.` : ''}` +
    `${missing.some((m) => m !== 'GPUs') ? ` Lower ${kind === 'TaskManager' ? '-tm/-tmc' : '-jm/-jmc'} or free resources on the cluster.` : ''}`;
}

/** "needs 7000 MB and 1 cpu and 2 ports per TaskManager". */
export function describeNeeds(kind: 'JobManager' | 'TaskManager', needs: TaskNeeds): string {
  return `needs ${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}${needs.diskMb > 0 ? ` and ${fmt(needs.diskMb)} MB disk` : ''}` +
    `${(needs.gpus ?? 0) > 0 ? ` and ${fmt(needs.gpus ?? 0)} GPU${needs.gpus === 1 ? '' : 's'}` : ''} and ${needs.ports} ports per ${kind}`;
}

function fmt(x: number): string {
  return String(round(x));
}

/**
 * Why an agent of the round got no task, for people: "4096 MB free, a TaskManager needs 8192 MB and 2 cpus",
 * "does not match constraint rack:r1", "not needed: the session has all it asked for".
 */
export function declineReason(agent: DeclinedAgent, plan: Pick<OfferPlan, 'unplaced'>, options: SessionOptions): string {
  if (agent.maintenanceFrom !== undefined) return maintenanceReason(agent.maintenanceFrom);
  if (agent.unmatched) return `does not match constraint ${agent.unmatched.attribute}:${agent.unmatched.value}`;
  if (plan.unplaced.jobManager) return agentShortfall(agent, jobManagerNeeds(options), 'the JobManager');
  if (plan.unplaced.taskManagers > 0) return agentShortfall(agent, taskManagerNeeds(options), 'a TaskManager');
  return 'not needed: the session has all it asked for';
}

/** Why an agent scheduled for maintenance gets no task. */
export function maintenanceReason(from: number): string {
  return `its machine is scheduled for maintenance from ${new Date(from).toISOString()}: no new task goes there`;
}

/** What an agent's offer lacks for one task: "6592 MB free, a TaskManager needs 7000 MB and 1 cpu". */
export function agentShortfall(agent: Omit<DeclinedAgent, 'agentId' | 'hostname' | 'unmatched'>, needs: TaskNeeds, who: string): string {
  const free: string[] = [];
  if (agent.memMb + 1e-9 < needs.memMb) free.push(`${fmt(agent.memMb)} MB`);
  if (agent.cpus + 1e-9 < needs.cpus) free.push(`${fmt(agent.cpus)} cpu${agent.cpus === 1 ? '' : 's'}`);
  const diskShort = agent.diskMb + 1e-9 < needs.diskMb;
  if (diskShort) free.push(`${fmt(agent.diskMb)} MB disk`);
  const portsShort = agent.ports < needs.ports;
  if (portsShort) free.push(`${agent.ports} port${agent.ports === 1 ? '' : 's'}`);
  const gpusShort = (agent.gpus ?? 0) + 1e-9 < (needs.gpus ?? 0);
  if (gpusShort) free.push(`${fmt(agent.gpus ?? 0)} GPUs`);
  const need = `${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}` +
    `${diskShort ? ` and ${fmt(needs.diskMb)} MB disk` : ''}${portsShort ? ` and ${needs.ports} ports` : ''}${gpusShort ? ` and ${fmt(needs.gpus ?? 0)} GPUs` : ''}`;
  if (free.length === 0) return `not used in this round (${who} needs ${need})`;
  return `${free.join(' and ')} free, ${who} needs ${need}`;
}
