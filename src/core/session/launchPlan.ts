// Placement, as pure functions: the offers of one round + what the session still needs -> one ACCEPT per agent and the declines.
// Linear in offers, resources and tasks placed: no sorting of agents, a queue for spreading TaskManagers.
import type { Attribute, Offer, TaskInfo } from '../mesos/types';
import type { AttributeConstraint, SessionOptions } from './SessionOptions';
import {
  buildJobManagerTask, buildTaskManagerTask, jobManagerTaskId, taskManagerTaskId, taskOptionsOf,
  type JobManagerPorts, type SessionTaskSpec, type TaskManagerPorts,
} from './flinkTasks';
import { describeMisfit } from './misfitText';
import { AgentTable, type DeclinedAgent } from './agentResources';

export type { DeclinedAgent } from './agentResources';

export { agentShortfall, declineReason, describeMisfit, describeNeeds, largerOffer, maintenanceReason } from './misfitText';

/** gpus: whole GPUs (0 for none). */
export interface TaskNeeds { cpus: number; memMb: number; diskMb: number; ports: number; gpus?: number }

export function jobManagerNeeds(options: SessionOptions): TaskNeeds {
  return { cpus: options.jobManagerCpus, memMb: options.jobManagerMemoryMb, diskMb: options.diskMb, ports: 3 + taskOptionsOf(options).portAssignments.length };
}

export function taskManagerNeeds(options: SessionOptions): TaskNeeds {
  const task = taskOptionsOf(options);
  return {
    cpus: options.taskManagerCpus, memMb: options.taskManagerMemoryMb, diskMb: task.taskManagerDiskMb ?? options.diskMb,
    ports: 2 + task.portAssignments.length, gpus: task.taskManagerGpus,
  };
}

/** The ports of the port-assignment keys, after the session's own ones. */
function assignedPorts(options: SessionOptions, ports: number[], first: number): Record<string, number> | undefined {
  const keys = taskOptionsOf(options).portAssignments;
  if (keys.length === 0) return undefined;
  const out: Record<string, number> = {};
  keys.forEach((k, i) => { out[k] = ports[first + i]; });
  return out;
}

export interface PlanState {
  /** The JobManager still has to be placed. */
  needJobManager: boolean;
  /** Where the JobManager is when it was placed in an earlier round. */
  jobManager?: { hostname: string; rpcPort: number };
  /** TaskManagers to place in this round; Infinity in greedy mode. */
  taskManagersToPlace: number;
  /** Number of the next TaskManager task id. */
  nextTaskManagerNumber: number;
  /** The JobManager's task id when it is not the first generation's (a relaunch after a loss). */
  jobManagerTaskId?: string;
  /** How many of the last declined agents plan.declined describes (default: all). */
  describeDeclined?: number;
  /** Ports of tasks that ended lately, by agent id: taken last (recentPorts.ts). */
  recentPorts?: ReadonlyMap<string, ReadonlySet<number>>;
}

export interface PlannedTask {
  kind: 'jobmanager' | 'taskmanager';
  taskId: string;
  agentId: string;
  hostname: string;
  /** Agent HTTP address for sandbox files, when the offer carried it. */
  agentUrl?: string;
  ports: Record<string, number>;
  task: TaskInfo;
}

export interface AgentLaunch {
  agentId: string;
  hostname: string;
  /** Every offer of this agent in the round: one ACCEPT uses them all. */
  offerIds: string[];
  tasks: PlannedTask[];
}

/** The biggest agent offer seen: what the "does not fit" message compares against. */
export interface OfferSize { agentId: string; hostname: string; cpus: number; memMb: number; diskMb: number; ports: number; gpus: number }

export interface OfferPlan {
  launches: AgentLaunch[];
  /** Offers of agents that got no task: decline with a long filter. */
  declineOfferIds: string[];
  /** The agents whose offers are declined, in offer order (declineReason says why); the last describeDeclined of them. */
  declined: DeclinedAgent[];
  /** The agents that got tasks, with what their offers still hold after them (the last describeDeclined of them). */
  left: DeclinedAgent[];
  jobManager?: PlannedTask;
  taskManagers: PlannedTask[];
  nextTaskManagerNumber: number;
  /** What is still missing after this round. */
  unplaced: { jobManager: boolean; taskManagers: number };
  /** Largest agent offer of the round, for diagnosis. */
  largest?: OfferSize;
  /** Agents offered in this round whose attributes did not match the constraints. */
  agentsRefusedByConstraints: number;
  /** Set when something was needed and did not fit: what is needed against the largest offer. */
  diagnosis?: string;
}

/** The agent's attributes: those of its first offer that has any. */
function attributesOf(table: AgentTable, i: number): Attribute[] {
  for (const o of table.offersOf(i)) if (o.attributes && o.attributes.length > 0) return o.attributes;
  return [];
}

/** The value of an agent attribute as text ("hostname" is the agent's host). */
function attributeText(table: AgentTable, i: number, name: string): string[] | undefined {
  if (name === 'hostname') return [table.hostname(i)];
  const attr = attributesOf(table, i).find((x) => x.name === name);
  if (!attr) return undefined;
  if (attr.text) return [attr.text.value];
  if (attr.scalar) return [String(attr.scalar.value)];
  if (attr.set) return attr.set.item;
  if (attr.ranges) return attr.ranges.range.map((r) => `[${r.begin}-${r.end}]`);
  return undefined;
}

function unmatchedConstraint(table: AgentTable, i: number, constraints: AttributeConstraint[]): AttributeConstraint | undefined {
  for (const c of constraints) {
    const values = attributeText(table, i, c.attribute);
    if (!values || !values.includes(c.value)) return c;
  }
  return undefined;
}


/**
 * Decides one offer round. The JobManager goes on the first agent that fits it; TaskManagers are spread one per agent in turn
 * (the JobManager's agent included), in the same round, since they only need the JobManager's host and RPC port.
 */
export function planOffers(offers: readonly Offer[], state: PlanState, spec: SessionTaskSpec): OfferPlan {
  const options = spec.options;
  // First pass: plain totals per agent.
  const table = new AgentTable(offers, state.recentPorts);
  const agents = table.count;

  let largest = -1;
  let refusedByConstraints = 0;
  const constrained = options.constraints.length > 0;
  // Offers of a machine in the maintenance schedule carry unavailability: no new task goes to such an agent.
  const scheduled = offers.some((o) => o.unavailability !== undefined);
  // Agents whose attributes match and that are not scheduled for maintenance, by index (all of them otherwise).
  let eligible: number[] | undefined;
  if (constrained || scheduled) eligible = [];
  if (constrained) table.unmatched = new Array<AttributeConstraint | undefined>(agents);
  if (scheduled) table.maintenanceFrom = new Array<number | undefined>(agents);
  for (let i = 0; i < agents; i++) {
    if (scheduled) {
      const from = table.offersOf(i).find((o) => o.unavailability)?.unavailability?.start.nanoseconds;
      if (from !== undefined) { (table.maintenanceFrom as (number | undefined)[])[i] = Math.floor(from / 1e6); continue; }
      if (!constrained) (eligible as number[]).push(i);
    }
    if (constrained) {
      const unmatched = unmatchedConstraint(table, i, options.constraints);
      (table.unmatched as (AttributeConstraint | undefined)[])[i] = unmatched;
      if (unmatched) { refusedByConstraints++; continue; }
      (eligible as number[]).push(i);
    }
    if (largest < 0 || table.memMb[i] > table.memMb[largest] || (table.memMb[i] === table.memMb[largest] && table.cpus[i] > table.cpus[largest])) largest = i;
  }
  const eligibleCount = eligible ? eligible.length : agents;
  const eligibleAt = (k: number): number => (eligible ? eligible[k] : k);
  // Sizes as offered, before this round's placements.
  const largestSize = largest >= 0 ? table.size(largest) : undefined;

  const jmNeeds = jobManagerNeeds(options);
  const tmNeeds = taskManagerNeeds(options);
  let jobManager: PlannedTask | undefined;
  let jmAddress = state.jobManager;

  if (state.needJobManager) {
    for (let k = 0; k < eligibleCount; k++) {
      const i = eligibleAt(k);
      if (!table.fits(i, jmNeeds)) continue;
      const pool = table.pool(i);
      const agentId = table.agentId(i);
      const hostname = table.hostname(i);
      const { resources, ports } = pool.take(jmNeeds);
      const jmPorts: JobManagerPorts = { rpc: ports[0], rest: ports[1], blob: ports[2] };
      const assigned = assignedPorts(options, ports, 3);
      if (assigned) jmPorts.assigned = assigned;
      jobManager = {
        kind: 'jobmanager', taskId: state.jobManagerTaskId ?? jobManagerTaskId(options.name), agentId, hostname, agentUrl: pool.url,
        ports: { rpc: jmPorts.rpc, rest: jmPorts.rest, blob: jmPorts.blob, ...jmPorts.assigned }, task: buildJobManagerTask(spec, agentId, hostname, resources, jmPorts, state.jobManagerTaskId),
      };
      pool.addTask(jobManager);
      jmAddress = { hostname, rpcPort: jmPorts.rpc };
      break;
    }
  }

  const taskManagers: PlannedTask[] = [];
  let next = state.nextTaskManagerNumber;
  let toPlace = state.taskManagersToPlace;
  if (jmAddress && toPlace > 0) {
    // Round robin: every eligible agent that fits one in offer order, then again those that still fit another.
    const again: number[] = [];
    let k = 0;
    let head = 0;
    while (toPlace > 0) {
      let i = -1;
      while (k < eligibleCount && i < 0) {
        const candidate = eligibleAt(k++);
        if (table.fits(candidate, tmNeeds)) i = candidate;
      }
      if (i < 0) {
        if (head >= again.length) break;
        i = again[head++];
      }
      const pool = table.pool(i);
      const agentId = table.agentId(i);
      const hostname = table.hostname(i);
      const { resources, ports } = pool.take(tmNeeds);
      const tmPorts: TaskManagerPorts = { rpc: ports[0], data: ports[1] };
      const assigned = assignedPorts(options, ports, 2);
      if (assigned) tmPorts.assigned = assigned;
      const taskId = taskManagerTaskId(options.name, next++);
      const planned: PlannedTask = {
        kind: 'taskmanager', taskId, agentId, hostname, agentUrl: pool.url, ports: tmPorts.assigned ? { rpc: tmPorts.rpc, data: tmPorts.data, ...tmPorts.assigned } : tmPorts as unknown as Record<string, number>,
        task: buildTaskManagerTask(spec, taskId, agentId, hostname, resources, tmPorts, jmAddress),
      };
      pool.addTask(planned);
      taskManagers.push(planned);
      toPlace--;
      if (table.fits(i, tmNeeds)) again.push(i);
    }
  }

  const launches: AgentLaunch[] = [];
  const declineOfferIds: string[] = [];
  for (let i = 0; i < agents; i++) {
    const pool = table.pools.get(i);
    if (pool && pool.tasks.length > 0) {
      launches.push({ agentId: table.agentId(i), hostname: table.hostname(i), offerIds: pool.offerIds, tasks: pool.tasks });
    } else {
      declineOfferIds.push(table.first[i].id.value);
      const more = table.more?.get(i);
      if (more) for (const o of more) declineOfferIds.push(o.id.value);
    }
  }
  // Only the last few declined agents are described when the caller asks for few: a round may decline thousands.
  const declined: DeclinedAgent[] = [];
  const describe = state.describeDeclined ?? Infinity;
  for (let i = agents - 1; i >= 0 && declined.length < describe; i--) {
    const pool = table.pools.get(i);
    if (!pool || pool.tasks.length === 0) declined.push(table.declined(i));
  }
  declined.reverse();
  const left: DeclinedAgent[] = [];
  for (let i = agents - 1; i >= 0 && left.length < describe; i--) {
    const pool = table.pools.get(i);
    if (pool && pool.tasks.length > 0) left.push(table.declined(i));
  }
  left.reverse();

  const unplaced = { jobManager: state.needJobManager && !jobManager, taskManagers: toPlace };
  let diagnosis: string | undefined;
  if (unplaced.jobManager) {
    diagnosis = describeMisfit('JobManager', jmNeeds, largestSize, options.constraints, refusedByConstraints);
  } else if (Number.isFinite(toPlace) && toPlace > 0 && taskManagers.length === 0) {
    diagnosis = describeMisfit('TaskManager', tmNeeds, largestSize, options.constraints, refusedByConstraints);
  }
  return {
    launches, declineOfferIds, declined, left, jobManager, taskManagers, nextTaskManagerNumber: next, unplaced, largest: largestSize,
    agentsRefusedByConstraints: refusedByConstraints, diagnosis,
  };
}
