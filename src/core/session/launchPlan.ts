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

/** One agent's offers of the round, merged, with what is left of them. */
class AgentPool {
  readonly offerIds: string[] = [];
  readonly tasks: PlannedTask[] = [];
  private readonly scalars = new Map<string, ScalarPart[]>();
  private readonly portParts: RangePart[] = [];
  cpus = 0;
  memMb = 0;
  diskMb = 0;
  ports = 0;
  url?: string;
  attributes: Attribute[] = [];

  constructor(readonly agentId: string, readonly hostname: string) {}

  add(offer: Offer): void {
    this.offerIds.push(offer.id.value);
    if (offer.attributes && this.attributes.length === 0) this.attributes = offer.attributes;
    if (!this.url && offer.url) {
      const a = offer.url.address;
      this.url = `${offer.url.scheme || 'http'}://${a.hostname || a.ip || this.hostname}:${a.port}`;
    }
    for (const r of offer.resources) {
      if (r.type === 'SCALAR' && r.scalar && (r.name === 'cpus' || r.name === 'mem' || r.name === 'disk')) {
        let parts = this.scalars.get(r.name);
        if (!parts) { parts = []; this.scalars.set(r.name, parts); }
        parts.push({ template: r, remaining: r.scalar.value });
        if (r.name === 'cpus') this.cpus += r.scalar.value;
        else if (r.name === 'mem') this.memMb += r.scalar.value;
        else this.diskMb += r.scalar.value;
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        const ranges: Range[] = [];
        for (const x of r.ranges.range) {
          if (x.end < x.begin) continue;
          ranges.push({ begin: x.begin, end: x.end });
          this.ports += x.end - x.begin + 1;
        }
        this.portParts.push({ template: r, ranges, index: 0 });
      }
    }
  }

  fits(n: TaskNeeds): boolean {
    return this.cpus + 1e-9 >= n.cpus && this.memMb + 1e-9 >= n.memMb && this.diskMb + 1e-9 >= n.diskMb && this.ports >= n.ports;
  }

  size(): OfferSize {
    return { agentId: this.agentId, hostname: this.hostname, cpus: round(this.cpus), memMb: round(this.memMb), diskMb: round(this.diskMb), ports: this.ports };
  }

  /** Takes the resources of one task: Resource objects copied from the offers (role and allocation kept), and its ports. */
  take(n: TaskNeeds): { resources: Resource[]; ports: number[] } {
    const resources: Resource[] = [];
    this.takeScalar('cpus', n.cpus, resources);
    this.takeScalar('mem', n.memMb, resources);
    if (n.diskMb > 0) this.takeScalar('disk', n.diskMb, resources);
    this.cpus -= n.cpus; this.memMb -= n.memMb; this.diskMb -= n.diskMb;
    const ports: number[] = [];
    for (const part of this.portParts) {
      const taken: number[] = [];
      while (ports.length < n.ports && part.index < part.ranges.length) {
        const range = part.ranges[part.index];
        const p = range.begin;
        taken.push(p);
        ports.push(p);
        if (range.begin === range.end) part.index++;
        else range.begin++;
      }
      if (taken.length > 0) resources.push(copyResource(part.template, { ranges: { range: toRanges(taken) } }));
      if (ports.length === n.ports) break;
    }
    this.ports -= ports.length;
    return { resources, ports };
  }

  private takeScalar(name: string, amount: number, out: Resource[]): void {
    let left = amount;
    for (const part of this.scalars.get(name) ?? []) {
      if (left <= 1e-9) break;
      const t = Math.min(part.remaining, left);
      if (t <= 1e-9) continue;
      part.remaining -= t;
      left -= t;
      out.push(copyResource(part.template, { scalar: { value: round(t) } }));
    }
  }
}

function copyResource(template: Resource, value: Pick<Resource, 'scalar'> | Pick<Resource, 'ranges'>): Resource {
  const r: Resource = { name: template.name, type: template.type, ...value };
  if (template.role !== undefined) r.role = template.role;
  if (template.allocation_info !== undefined) r.allocation_info = template.allocation_info;
  if (template.reservations !== undefined) r.reservations = template.reservations;
  return r;
}

function toRanges(ports: number[]): Range[] {
  const out: Range[] = [];
  for (const p of ports) {
    const last = out[out.length - 1];
    if (last && last.end + 1 === p) last.end = p;
    else out.push({ begin: p, end: p });
  }
  return out;
}

// Mesos keeps scalars with three decimals.
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The value of an agent attribute as text ("hostname" is the agent's host). */
function attributeText(pool: AgentPool, name: string): string[] | undefined {
  if (name === 'hostname') return [pool.hostname];
  const a = pool.attributes.find((x) => x.name === name);
  if (!a) return undefined;
  if (a.text) return [a.text.value];
  if (a.scalar) return [String(a.scalar.value)];
  if (a.set) return a.set.item;
  if (a.ranges) return a.ranges.range.map((r) => `[${r.begin}-${r.end}]`);
  return undefined;
}

function matchesConstraints(pool: AgentPool, constraints: AttributeConstraint[]): boolean {
  for (const c of constraints) {
    const values = attributeText(pool, c.attribute);
    if (!values || !values.includes(c.value)) return false;
  }
  return true;
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
  const pools = new Map<string, AgentPool>();
  const order: AgentPool[] = [];
  for (const offer of offers) {
    const id = offer.agent_id.value;
    let pool = pools.get(id);
    if (!pool) {
      pool = new AgentPool(id, offer.hostname);
      pools.set(id, pool);
      order.push(pool);
    }
    pool.add(offer);
  }

  let largestPool: AgentPool | undefined;
  let refusedByConstraints = 0;
  const eligible: AgentPool[] = [];
  for (const pool of order) {
    if (options.constraints.length > 0 && !matchesConstraints(pool, options.constraints)) { refusedByConstraints++; continue; }
    if (!largestPool || pool.memMb > largestPool.memMb || (pool.memMb === largestPool.memMb && pool.cpus > largestPool.cpus)) largestPool = pool;
    eligible.push(pool);
  }
  // Sizes as offered, before this round's placements.
  const largest = largestPool?.size();

  const jmNeeds = jobManagerNeeds(options);
  const tmNeeds = taskManagerNeeds(options);
  let jobManager: PlannedTask | undefined;
  let jmAddress = state.jobManager;

  if (state.needJobManager) {
    for (const pool of eligible) {
      if (!pool.fits(jmNeeds)) continue;
      const { resources, ports } = pool.take(jmNeeds);
      const jmPorts: JobManagerPorts = { rpc: ports[0], rest: ports[1], blob: ports[2] };
      jobManager = {
        kind: 'jobmanager', taskId: jobManagerTaskId(options.name), agentId: pool.agentId, hostname: pool.hostname, agentUrl: pool.url,
        ports: { ...jmPorts }, task: buildJobManagerTask(spec, pool.agentId, pool.hostname, resources, jmPorts),
      };
      pool.tasks.push(jobManager);
      jmAddress = { hostname: pool.hostname, rpcPort: jmPorts.rpc };
      break;
    }
  }

  const taskManagers: PlannedTask[] = [];
  let next = state.nextTaskManagerNumber;
  let toPlace = state.taskManagersToPlace;
  if (jmAddress && toPlace > 0) {
    // Round-robin queue of agents that still fit one more TaskManager.
    const queue: AgentPool[] = [];
    for (const pool of eligible) if (pool.fits(tmNeeds)) queue.push(pool);
    let head = 0;
    while (toPlace > 0 && head < queue.length) {
      const pool = queue[head++];
      const { resources, ports } = pool.take(tmNeeds);
      const tmPorts: TaskManagerPorts = { rpc: ports[0], data: ports[1] };
      const taskId = taskManagerTaskId(options.name, next++);
      const planned: PlannedTask = {
        kind: 'taskmanager', taskId, agentId: pool.agentId, hostname: pool.hostname, agentUrl: pool.url, ports: { ...tmPorts },
        task: buildTaskManagerTask(spec, taskId, pool.agentId, pool.hostname, resources, tmPorts, jmAddress),
      };
      pool.tasks.push(planned);
      taskManagers.push(planned);
      toPlace--;
      if (pool.fits(tmNeeds)) queue.push(pool);
    }
  }

  const launches: AgentLaunch[] = [];
  const declineOfferIds: string[] = [];
  for (const pool of order) {
    if (pool.tasks.length > 0) launches.push({ agentId: pool.agentId, hostname: pool.hostname, offerIds: pool.offerIds, tasks: pool.tasks });
    else for (const id of pool.offerIds) declineOfferIds.push(id);
  }

  const unplaced = { jobManager: state.needJobManager && !jobManager, taskManagers: toPlace };
  let diagnosis: string | undefined;
  if (unplaced.jobManager) {
    diagnosis = describeMisfit('JobManager', jmNeeds, largest, options.constraints, refusedByConstraints);
  } else if (Number.isFinite(toPlace) && toPlace > 0 && taskManagers.length === 0) {
    diagnosis = describeMisfit('TaskManager', tmNeeds, largest, options.constraints, refusedByConstraints);
  }
  return { launches, declineOfferIds, jobManager, taskManagers, nextTaskManagerNumber: next, unplaced, largest, agentsRefusedByConstraints: refusedByConstraints, diagnosis };
}
