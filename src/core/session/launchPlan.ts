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
  /** The JobManager's task id when it is not the first generation's (a relaunch after a loss). */
  jobManagerTaskId?: string;
  /** How many of the last declined agents plan.declined describes (default: all). */
  describeDeclined?: number;
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

interface ScalarPart { template: Resource; remaining: number }
interface RangePart { template: Resource; ranges: Range[]; index: number }

/**
 * The agents of one round as plain totals, one column per figure (typed arrays: no object per agent), in the order agents
 * first appear. Most agents of a large round get no task, so the resource parts a task is cut from (AgentPool) are built
 * only for agents that get one. The totals are what is left: as offered until a task is placed.
 */
class AgentTable {
  /** Each agent's first offer of the round (its id and host name come from it). */
  readonly first: Offer[] = [];
  /** The other offers of agents that have several in the round. */
  more: Map<number, Offer[]> | undefined;
  readonly cpus: Float64Array;
  readonly memMb: Float64Array;
  readonly diskMb: Float64Array;
  readonly ports: Float64Array;
  /** The first constraint an agent's attributes do not match (only with constraints). */
  unmatched: (AttributeConstraint | undefined)[] | undefined;
  readonly pools = new Map<number, AgentPool>();

  constructor(offers: readonly Offer[]) {
    const n = offers.length;
    this.cpus = new Float64Array(n);
    this.memMb = new Float64Array(n);
    this.diskMb = new Float64Array(n);
    this.ports = new Float64Array(n);
    const index = new Map<string, number>();
    for (const offer of offers) {
      const id = offer.agent_id.value;
      let i = index.get(id);
      if (i === undefined) {
        i = this.first.length;
        index.set(id, i);
        this.first.push(offer);
      } else {
        this.more ??= new Map();
        let list = this.more.get(i);
        if (!list) { list = []; this.more.set(i, list); }
        list.push(offer);
      }
      this.addTotals(i, offer);
    }
  }

  get count(): number { return this.first.length; }
  agentId(i: number): string { return this.first[i].agent_id.value; }
  hostname(i: number): string { return this.first[i].hostname; }

  /** Adds an offer's cpus, mem, disk and port count to the agent's totals, without copying anything. */
  private addTotals(i: number, offer: Offer): void {
    for (const r of offer.resources) {
      if (r.type === 'SCALAR' && r.scalar) {
        if (r.name === 'cpus') this.cpus[i] += r.scalar.value;
        else if (r.name === 'mem') this.memMb[i] += r.scalar.value;
        else if (r.name === 'disk') this.diskMb[i] += r.scalar.value;
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        for (const x of r.ranges.range) if (x.end >= x.begin) this.ports[i] += x.end - x.begin + 1;
      }
    }
  }

  offersOf(i: number): Offer[] {
    const more = this.more?.get(i);
    return more ? [this.first[i], ...more] : [this.first[i]];
  }

  fits(i: number, n: TaskNeeds): boolean {
    return this.cpus[i] + 1e-9 >= n.cpus && this.memMb[i] + 1e-9 >= n.memMb && this.diskMb[i] + 1e-9 >= n.diskMb && this.ports[i] >= n.ports;
  }

  pool(i: number): AgentPool {
    let pool = this.pools.get(i);
    if (!pool) { pool = new AgentPool(this, i); this.pools.set(i, pool); }
    return pool;
  }

  size(i: number): OfferSize {
    return { agentId: this.agentId(i), hostname: this.hostname(i), cpus: round(this.cpus[i]), memMb: round(this.memMb[i]), diskMb: round(this.diskMb[i]), ports: this.ports[i] };
  }

  declined(i: number): DeclinedAgent {
    return { agentId: this.agentId(i), hostname: this.hostname(i), cpus: this.cpus[i], memMb: this.memMb[i], diskMb: this.diskMb[i], ports: this.ports[i], unmatched: this.unmatched?.[i] };
  }
}

/** An agent of the round and what its offers hold (all of it when it got no task and its offers are declined). */
export interface DeclinedAgent {
  readonly agentId: string;
  readonly hostname: string;
  /** What the offers hold after this round's tasks (all of it for a declined agent). */
  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb: number;
  readonly ports: number;
  /** The first constraint the agent's attributes do not match. */
  readonly unmatched: AttributeConstraint | undefined;
}

/** The parts of one agent's offers that tasks are cut from; the totals stay in the AgentTable. */
class AgentPool {
  readonly offerIds: string[] = [];
  readonly tasks: PlannedTask[] = [];
  private readonly cpuParts: ScalarPart[] = [];
  private readonly memParts: ScalarPart[] = [];
  private readonly diskParts: ScalarPart[] = [];
  private readonly portParts: RangePart[] = [];
  url?: string;

  constructor(private readonly table: AgentTable, private readonly i: number) {
    for (const offer of table.offersOf(i)) this.add(offer);
  }

  private add(offer: Offer): void {
    this.offerIds.push(offer.id.value);
    if (!this.url && offer.url) {
      const a = offer.url.address;
      this.url = `${offer.url.scheme || 'http'}://${a.hostname || a.ip || this.table.hostname(this.i)}:${a.port}`;
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
    const { table, i } = this;
    const resources: Resource[] = [];
    takeScalar(this.cpuParts, n.cpus, resources);
    takeScalar(this.memParts, n.memMb, resources);
    if (n.diskMb > 0) takeScalar(this.diskParts, n.diskMb, resources);
    table.cpus[i] -= n.cpus; table.memMb[i] -= n.memMb; table.diskMb[i] -= n.diskMb;
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
    table.ports[i] -= ports.length;
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
  return `The session ${need}${constraintText}; the largest offer so far has ${fmt(largest.memMb)} MB and ${fmt(largest.cpus)} cpus` +
    `${needs.diskMb > 0 ? ` and ${fmt(largest.diskMb)} MB disk` : ''} and ${largest.ports} ports on agent ${largest.agentId} (${largest.hostname})` +
    `${missing.length > 0 ? `: not enough ${missing.join(', ')}` : ''}.` +
    `${missing.length > 0 ? ` Lower ${kind === 'TaskManager' ? '-tm/-tmc' : '-jm/-jmc'} or free resources on the cluster.` : ''}`;
}

/** "needs 7000 MB and 1 cpu and 2 ports per TaskManager". */
export function describeNeeds(kind: 'JobManager' | 'TaskManager', needs: TaskNeeds): string {
  return `needs ${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}${needs.diskMb > 0 ? ` and ${fmt(needs.diskMb)} MB disk` : ''} and ${needs.ports} ports per ${kind}`;
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
  // First pass: plain totals per agent.
  const table = new AgentTable(offers);
  const agents = table.count;

  let largest = -1;
  let refusedByConstraints = 0;
  const constrained = options.constraints.length > 0;
  // Agents whose attributes match, by index (all of them without constraints).
  let eligible: number[] | undefined;
  if (constrained) {
    eligible = [];
    table.unmatched = new Array<AttributeConstraint | undefined>(agents);
  }
  for (let i = 0; i < agents; i++) {
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
      jobManager = {
        kind: 'jobmanager', taskId: state.jobManagerTaskId ?? jobManagerTaskId(options.name), agentId, hostname, agentUrl: pool.url,
        ports: { ...jmPorts }, task: buildJobManagerTask(spec, agentId, hostname, resources, jmPorts, state.jobManagerTaskId),
      };
      pool.tasks.push(jobManager);
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
      const taskId = taskManagerTaskId(options.name, next++);
      const planned: PlannedTask = {
        kind: 'taskmanager', taskId, agentId, hostname, agentUrl: pool.url, ports: tmPorts as unknown as Record<string, number>,
        task: buildTaskManagerTask(spec, taskId, agentId, hostname, resources, tmPorts, jmAddress),
      };
      pool.tasks.push(planned);
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

/**
 * Why an agent of the round got no task, for people: "4096 MB free, a TaskManager needs 8192 MB and 2 cpus",
 * "does not match constraint rack:r1", "not needed: the session has all it asked for".
 */
export function declineReason(agent: DeclinedAgent, plan: Pick<OfferPlan, 'unplaced'>, options: SessionOptions): string {
  if (agent.unmatched) return `does not match constraint ${agent.unmatched.attribute}:${agent.unmatched.value}`;
  if (plan.unplaced.jobManager) return agentShortfall(agent, jobManagerNeeds(options), 'the JobManager');
  if (plan.unplaced.taskManagers > 0) return agentShortfall(agent, taskManagerNeeds(options), 'a TaskManager');
  return 'not needed: the session has all it asked for';
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
  const need = `${fmt(needs.memMb)} MB and ${fmt(needs.cpus)} cpu${needs.cpus === 1 ? '' : 's'}` +
    `${diskShort ? ` and ${fmt(needs.diskMb)} MB disk` : ''}${portsShort ? ` and ${needs.ports} ports` : ''}`;
  if (free.length === 0) return `not used in this round (${who} needs ${need})`;
  return `${free.join(' and ')} free, ${who} needs ${need}`;
}
