// Placement, as pure functions: the offers of one round + what the session still needs -> one ACCEPT per agent and the declines.
// Linear in offers, resources and tasks placed: no sorting of agents, a queue for spreading TaskManagers.
import type { Attribute, Offer, Range, Resource, TaskInfo } from '../mesos/types';
import type { AttributeConstraint, SessionOptions } from './SessionOptions';
import {
  buildJobManagerTask, buildTaskManagerTask, jobManagerTaskId, taskManagerTaskId,
  type JobManagerPorts, type SessionTaskSpec, type TaskManagerPorts,
} from './flinkTasks';

export interface TaskNeeds { cpus: number; memMb: number; diskMb: number; ports: number }

export function jobManagerNeeds(options: SessionOptions): TaskNeeds {
  return { cpus: options.jobManagerCpus, memMb: options.jobManagerMemoryMb, diskMb: options.diskMb, ports: 3 };
}

export function taskManagerNeeds(options: SessionOptions): TaskNeeds {
  return { cpus: options.taskManagerCpus, memMb: options.taskManagerMemoryMb, diskMb: options.diskMb, ports: 2 };
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
export interface OfferSize { agentId: string; hostname: string; cpus: number; memMb: number; diskMb: number; ports: number }

export interface OfferPlan {
  launches: AgentLaunch[];
  /** Offers of agents that got no task: decline with a long filter. */
  declineOfferIds: string[];
  /** The agents whose offers are declined, in offer order (declineReason says why). */
  declined: DeclinedAgent[];
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

interface ScalarPart { template: Resource; remaining: number }
interface RangePart { template: Resource; ranges: Range[]; index: number }

/**
 * One agent's offers of the round as plain totals: all the first pass keeps for every agent. Most agents of a large
 * round get no task, so the resource parts a task is cut from (AgentPool) are built only for agents that get one.
 */
interface AgentOffers {
  readonly agentId: string;
  readonly hostname: string;
  readonly first: Offer;
  /** The agent's other offers of the round, when it has several. */
  more: Offer[] | undefined;
  /** What is left: the offered totals until a task is placed, then what the placements left. */
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: number;
  /** The first constraint its attributes do not match. */
  unmatched: AttributeConstraint | undefined;
  pool: AgentPool | undefined;
}

/** An agent of the round that got no task: its offers are declined. */
export interface DeclinedAgent {
  readonly agentId: string;
  readonly hostname: string;
  /** What was offered (all of it: nothing was taken). */
  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb: number;
  readonly ports: number;
  /** The first constraint the agent's attributes do not match. */
  readonly unmatched: AttributeConstraint | undefined;
}

function agentFits(a: AgentOffers, n: TaskNeeds): boolean {
  return a.cpus + 1e-9 >= n.cpus && a.memMb + 1e-9 >= n.memMb && a.diskMb + 1e-9 >= n.diskMb && a.ports >= n.ports;
}

/** Adds an offer's cpus, mem, disk and port count to the agent's totals, without copying anything. */
function addTotals(a: AgentOffers, offer: Offer): void {
  for (const r of offer.resources) {
    if (r.type === 'SCALAR' && r.scalar) {
      if (r.name === 'cpus') a.cpus += r.scalar.value;
      else if (r.name === 'mem') a.memMb += r.scalar.value;
      else if (r.name === 'disk') a.diskMb += r.scalar.value;
    } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
      for (const x of r.ranges.range) if (x.end >= x.begin) a.ports += x.end - x.begin + 1;
    }
  }
}

function forEachOffer(a: AgentOffers, fn: (offer: Offer) => void): void {
  fn(a.first);
  if (a.more) for (const o of a.more) fn(o);
}

/** The parts of one agent's offers that tasks are cut from; the totals stay on the AgentOffers. */
class AgentPool {
  readonly offerIds: string[] = [];
  readonly tasks: PlannedTask[] = [];
  private readonly cpuParts: ScalarPart[] = [];
  private readonly memParts: ScalarPart[] = [];
  private readonly diskParts: ScalarPart[] = [];
  private readonly portParts: RangePart[] = [];
  url?: string;

  constructor(private readonly agent: AgentOffers) {
    forEachOffer(agent, (offer) => this.add(offer));
  }

  private add(offer: Offer): void {
    this.offerIds.push(offer.id.value);
    if (!this.url && offer.url) {
      const a = offer.url.address;
      this.url = `${offer.url.scheme || 'http'}://${a.hostname || a.ip || this.agent.hostname}:${a.port}`;
    }
    for (const r of offer.resources) {
      if (r.type === 'SCALAR' && r.scalar) {
        const parts = r.name === 'cpus' ? this.cpuParts : r.name === 'mem' ? this.memParts : r.name === 'disk' ? this.diskParts : undefined;
        parts?.push({ template: r, remaining: r.scalar.value });
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        const ranges: Range[] = [];
        for (const x of r.ranges.range) if (x.end >= x.begin) ranges.push({ begin: x.begin, end: x.end });
        this.portParts.push({ template: r, ranges, index: 0 });
      }
    }
  }

  /** Takes the resources of one task: Resource objects copied from the offers (role and allocation kept), and its ports. */
  take(n: TaskNeeds): { resources: Resource[]; ports: number[] } {
    const agent = this.agent;
    const resources: Resource[] = [];
    takeScalar(this.cpuParts, n.cpus, resources);
    takeScalar(this.memParts, n.memMb, resources);
    if (n.diskMb > 0) takeScalar(this.diskParts, n.diskMb, resources);
    agent.cpus -= n.cpus; agent.memMb -= n.memMb; agent.diskMb -= n.diskMb;
    const ports: number[] = [];
    for (const part of this.portParts) {
      // Consecutive ports taken from one offered resource become one range of the task's resource.
      let taken: Range[] | undefined;
      let last: Range | undefined;
      while (ports.length < n.ports && part.index < part.ranges.length) {
        const range = part.ranges[part.index];
        const p = range.begin;
        ports.push(p);
        if (last && last.end + 1 === p) last.end = p;
        else { last = { begin: p, end: p }; (taken ??= []).push(last); }
        if (range.begin === range.end) part.index++;
        else range.begin++;
      }
      if (taken) resources.push(copyResource(part.template, undefined, taken));
      if (ports.length === n.ports) break;
    }
    agent.ports -= ports.length;
    return { resources, ports };
  }
}

function takeScalar(parts: ScalarPart[], amount: number, out: Resource[]): void {
  let left = amount;
  for (const part of parts) {
    if (left <= 1e-9) break;
    const t = Math.min(part.remaining, left);
    if (t <= 1e-9) continue;
    part.remaining -= t;
    left -= t;
    out.push(copyResource(part.template, round(t), undefined));
  }
}

function poolOf(a: AgentOffers): AgentPool {
  if (!a.pool) a.pool = new AgentPool(a);
  return a.pool;
}

function sizeOf(a: AgentOffers): OfferSize {
  return { agentId: a.agentId, hostname: a.hostname, cpus: round(a.cpus), memMb: round(a.memMb), diskMb: round(a.diskMb), ports: a.ports };
}

function copyResource(template: Resource, scalar: number | undefined, ranges: Range[] | undefined): Resource {
  const r: Resource = scalar !== undefined
    ? { name: template.name, type: template.type, scalar: { value: scalar } }
    : { name: template.name, type: template.type, ranges: { range: ranges ?? [] } };
  if (template.role !== undefined) r.role = template.role;
  if (template.allocation_info !== undefined) r.allocation_info = template.allocation_info;
  if (template.reservations !== undefined) r.reservations = template.reservations;
  return r;
}

// Mesos keeps scalars with three decimals.
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The agent's attributes: those of its first offer that has any. */
function attributesOf(a: AgentOffers): Attribute[] {
  if (a.first.attributes && a.first.attributes.length > 0) return a.first.attributes;
  for (const o of a.more ?? []) if (o.attributes && o.attributes.length > 0) return o.attributes;
  return [];
}

/** The value of an agent attribute as text ("hostname" is the agent's host). */
function attributeText(a: AgentOffers, name: string): string[] | undefined {
  if (name === 'hostname') return [a.hostname];
  const attr = attributesOf(a).find((x) => x.name === name);
  if (!attr) return undefined;
  if (attr.text) return [attr.text.value];
  if (attr.scalar) return [String(attr.scalar.value)];
  if (attr.set) return attr.set.item;
  if (attr.ranges) return attr.ranges.range.map((r) => `[${r.begin}-${r.end}]`);
  return undefined;
}

function unmatchedConstraint(a: AgentOffers, constraints: AttributeConstraint[]): AttributeConstraint | undefined {
  for (const c of constraints) {
    const values = attributeText(a, c.attribute);
    if (!values || !values.includes(c.value)) return c;
  }
  return undefined;
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
  const need = `needs ${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}${needs.diskMb > 0 ? ` and ${fmt(needs.diskMb)} MB disk` : ''} and ${needs.ports} ports per ${kind}`;
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
  return `The session ${need}${constraintText}; the largest offer so far has ${fmt(largest.memMb)} MB and ${fmt(largest.cpus)} cpus` +
    `${needs.diskMb > 0 ? ` and ${fmt(largest.diskMb)} MB disk` : ''} and ${largest.ports} ports on agent ${largest.agentId} (${largest.hostname})` +
    `${missing.length > 0 ? `: not enough ${missing.join(', ')}` : ''}.` +
    `${missing.length > 0 ? ` Lower ${kind === 'TaskManager' ? '-tm/-tmc' : '-jm/-jmc'} or free resources on the cluster.` : ''}`;
}

function fmt(x: number): string {
  return String(round(x));
}

/**
 * Decides one offer round. The JobManager goes on the first agent that fits it; TaskManagers are spread one per agent in turn
 * (the JobManager's agent included), in the same round, since they only need the JobManager's host and RPC port.
 */
export function planOffers(offers: readonly Offer[], state: PlanState, spec: SessionTaskSpec): OfferPlan {
  const options = spec.options;
  // First pass: plain totals per agent, in the order agents first appear.
  const byAgent = new Map<string, AgentOffers>();
  const order: AgentOffers[] = [];
  for (const offer of offers) {
    const id = offer.agent_id.value;
    let agent = byAgent.get(id);
    if (!agent) {
      agent = { agentId: id, hostname: offer.hostname, first: offer, more: undefined, cpus: 0, memMb: 0, diskMb: 0, ports: 0, unmatched: undefined, pool: undefined };
      byAgent.set(id, agent);
      order.push(agent);
    } else {
      (agent.more ??= []).push(offer);
    }
    addTotals(agent, offer);
  }

  let largestAgent: AgentOffers | undefined;
  let refusedByConstraints = 0;
  const constrained = options.constraints.length > 0;
  const eligible: AgentOffers[] = constrained ? [] : order;
  for (const agent of order) {
    if (constrained) {
      agent.unmatched = unmatchedConstraint(agent, options.constraints);
      if (agent.unmatched) { refusedByConstraints++; continue; }
      eligible.push(agent);
    }
    if (!largestAgent || agent.memMb > largestAgent.memMb || (agent.memMb === largestAgent.memMb && agent.cpus > largestAgent.cpus)) largestAgent = agent;
  }
  // Sizes as offered, before this round's placements.
  const largest = largestAgent ? sizeOf(largestAgent) : undefined;

  const jmNeeds = jobManagerNeeds(options);
  const tmNeeds = taskManagerNeeds(options);
  let jobManager: PlannedTask | undefined;
  let jmAddress = state.jobManager;

  if (state.needJobManager) {
    for (const agent of eligible) {
      if (!agentFits(agent, jmNeeds)) continue;
      const pool = poolOf(agent);
      const { resources, ports } = pool.take(jmNeeds);
      const jmPorts: JobManagerPorts = { rpc: ports[0], rest: ports[1], blob: ports[2] };
      jobManager = {
        kind: 'jobmanager', taskId: jobManagerTaskId(options.name), agentId: agent.agentId, hostname: agent.hostname, agentUrl: pool.url,
        ports: { ...jmPorts }, task: buildJobManagerTask(spec, agent.agentId, agent.hostname, resources, jmPorts),
      };
      pool.tasks.push(jobManager);
      jmAddress = { hostname: agent.hostname, rpcPort: jmPorts.rpc };
      break;
    }
  }

  const taskManagers: PlannedTask[] = [];
  let next = state.nextTaskManagerNumber;
  let toPlace = state.taskManagersToPlace;
  if (jmAddress && toPlace > 0) {
    // Round robin: every eligible agent that fits one in offer order, then again those that still fit another.
    const again: AgentOffers[] = [];
    let first = 0;
    let head = 0;
    while (toPlace > 0) {
      let agent: AgentOffers | undefined;
      while (first < eligible.length && !agent) {
        const candidate = eligible[first++];
        if (agentFits(candidate, tmNeeds)) agent = candidate;
      }
      if (!agent) {
        if (head >= again.length) break;
        agent = again[head++];
      }
      const pool = poolOf(agent);
      const { resources, ports } = pool.take(tmNeeds);
      const tmPorts: TaskManagerPorts = { rpc: ports[0], data: ports[1] };
      const taskId = taskManagerTaskId(options.name, next++);
      const planned: PlannedTask = {
        kind: 'taskmanager', taskId, agentId: agent.agentId, hostname: agent.hostname, agentUrl: pool.url, ports: tmPorts as unknown as Record<string, number>,
        task: buildTaskManagerTask(spec, taskId, agent.agentId, agent.hostname, resources, tmPorts, jmAddress),
      };
      pool.tasks.push(planned);
      taskManagers.push(planned);
      toPlace--;
      if (agentFits(agent, tmNeeds)) again.push(agent);
    }
  }

  const launches: AgentLaunch[] = [];
  const declineOfferIds: string[] = [];
  const declined: DeclinedAgent[] = [];
  for (const agent of order) {
    const pool = agent.pool;
    if (pool && pool.tasks.length > 0) {
      launches.push({ agentId: agent.agentId, hostname: agent.hostname, offerIds: pool.offerIds, tasks: pool.tasks });
    } else {
      declineOfferIds.push(agent.first.id.value);
      if (agent.more) for (const o of agent.more) declineOfferIds.push(o.id.value);
      declined.push(agent);
    }
  }

  const unplaced = { jobManager: state.needJobManager && !jobManager, taskManagers: toPlace };
  let diagnosis: string | undefined;
  if (unplaced.jobManager) {
    diagnosis = describeMisfit('JobManager', jmNeeds, largest, options.constraints, refusedByConstraints);
  } else if (Number.isFinite(toPlace) && toPlace > 0 && taskManagers.length === 0) {
    diagnosis = describeMisfit('TaskManager', tmNeeds, largest, options.constraints, refusedByConstraints);
  }
  return {
    launches, declineOfferIds, declined, jobManager, taskManagers, nextTaskManagerNumber: next, unplaced, largest,
    agentsRefusedByConstraints: refusedByConstraints, diagnosis,
  };
}

/**
 * Why an agent of the round got no task, for people: "4096 MB free, a TaskManager needs 8192 MB and 2 cpus",
 * "does not match constraint rack:r1", "not needed: the session has all it asked for".
 */
export function declineReason(agent: DeclinedAgent, plan: Pick<OfferPlan, 'unplaced'>, options: SessionOptions): string {
  if (agent.unmatched) return `does not match constraint ${agent.unmatched.attribute}:${agent.unmatched.value}`;
  if (plan.unplaced.jobManager) return shortfall(agent, jobManagerNeeds(options), 'the JobManager');
  if (plan.unplaced.taskManagers > 0) return shortfall(agent, taskManagerNeeds(options), 'a TaskManager');
  return 'not needed: the session has all it asked for';
}

function shortfall(agent: DeclinedAgent, needs: TaskNeeds, who: string): string {
  const free: string[] = [];
  if (agent.memMb + 1e-9 < needs.memMb) free.push(`${fmt(agent.memMb)} MB`);
  if (agent.cpus + 1e-9 < needs.cpus) free.push(`${fmt(agent.cpus)} cpu${agent.cpus === 1 ? '' : 's'}`);
  const diskShort = agent.diskMb + 1e-9 < needs.diskMb;
  if (diskShort) free.push(`${fmt(agent.diskMb)} MB disk`);
  const portsShort = agent.ports < needs.ports;
  if (portsShort) free.push(`${agent.ports} port${agent.ports === 1 ? '' : 's'}`);
  const need = `${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}` +
    `${diskShort ? ` and ${fmt(needs.diskMb)} MB disk` : ''}${portsShort ? ` and ${needs.ports} ports` : ''}`;
  if (free.length === 0) return `not used in this round (${who} needs ${need})`;
  return `${free.join(' and ')} free, ${who} needs ${need}`;
}
