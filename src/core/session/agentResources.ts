// The agents of one offer round and the resources tasks are cut from: totals per agent in typed columns, and the
// offered resource parts of the agents that get a task (launchPlan.ts decides which).
import type { Offer, Range, Resource } from '../mesos/types';
import type { AttributeConstraint } from './SessionOptions';
import type { OfferSize, PlannedTask, TaskNeeds } from './launchPlan';
import { recentPortsLast } from './recentPorts';

interface ScalarPart { template: Resource; remaining: number }
/** ranges: as offered (never changed); the next port is `next` of ranges[index]. */
interface RangePart { template: Resource; ranges: readonly Range[]; index: number; next: number }

/**
 * The agents of one round as plain totals, one column per figure (typed arrays: no object per agent), in the order agents
 * first appear. Most agents of a large round get no task, so the resource parts a task is cut from (AgentPool) are built
 * only for agents that get one. The totals are what is left: as offered until a task is placed.
 */
export class AgentTable {
  /** Each agent's first offer of the round (its id and host name come from it). */
  readonly first: Offer[] = [];
  /** The other offers of agents that have several in the round. */
  more: Map<number, Offer[]> | undefined;
  readonly cpus: Float64Array;
  readonly memMb: Float64Array;
  readonly diskMb: Float64Array;
  readonly ports: Float64Array;
  readonly gpus: Float64Array;
  /** The first constraint an agent's attributes do not match (only with constraints). */
  unmatched: (AttributeConstraint | undefined)[] | undefined;
  /** When the agent's machine goes into maintenance (epoch ms; only when an offer of the round carries unavailability). */
  maintenanceFrom: (number | undefined)[] | undefined;
  readonly pools = new Map<number, AgentPool>();

  constructor(offers: readonly Offer[], readonly recentPorts?: ReadonlyMap<string, ReadonlySet<number>>) {
    const n = offers.length;
    this.cpus = new Float64Array(n);
    this.memMb = new Float64Array(n);
    this.diskMb = new Float64Array(n);
    this.ports = new Float64Array(n);
    this.gpus = new Float64Array(n);
    // By allocation role, then agent id: no key string built per offer.
    const index = new Map<string | undefined, Map<string, number>>();
    let lastRole: string | undefined;
    let agents: Map<string, number> | undefined;
    for (let k = 0; k < n; k++) {
      const offer = offers[k];
      // One ACCEPT takes offers of one agent allocated to one role (MULTI_ROLE): each (agent, role) is a unit here.
      const role = offer.allocation_info?.role;
      // Nearly every offer has the role of the one before.
      if (!agents || role !== lastRole) {
        lastRole = role;
        agents = index.get(role);
        if (!agents) { agents = new Map(); index.set(role, agents); }
      }
      let i = agents.get(offer.agent_id.value);
      if (i === undefined) {
        i = this.first.length;
        agents.set(offer.agent_id.value, i);
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
    const resources = offer.resources;
    for (let k = 0; k < resources.length; k++) {
      const r = resources[k];
      if (r.type === 'SCALAR' && r.scalar) {
        if (r.name === 'cpus') this.cpus[i] += r.scalar.value;
        else if (r.name === 'mem') this.memMb[i] += r.scalar.value;
        else if (r.name === 'disk') this.diskMb[i] += r.scalar.value;
        else if (r.name === 'gpus') this.gpus[i] += r.scalar.value;
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        const list = r.ranges.range;
        for (let k = 0; k < list.length; k++) if (list[k].end >= list[k].begin) this.ports[i] += list[k].end - list[k].begin + 1;
      }
    }
  }

  offersOf(i: number): Offer[] {
    const more = this.more?.get(i);
    return more ? [this.first[i], ...more] : [this.first[i]];
  }

  fits(i: number, n: TaskNeeds): boolean {
    return this.cpus[i] + 1e-9 >= n.cpus && this.memMb[i] + 1e-9 >= n.memMb && this.diskMb[i] + 1e-9 >= n.diskMb && this.ports[i] >= n.ports &&
      this.gpus[i] + 1e-9 >= (n.gpus ?? 0);
  }

  pool(i: number): AgentPool {
    let pool = this.pools.get(i);
    if (!pool) { pool = new AgentPool(this, i); this.pools.set(i, pool); }
    return pool;
  }

  size(i: number): OfferSize {
    return { agentId: this.agentId(i), hostname: this.hostname(i), cpus: round(this.cpus[i]), memMb: round(this.memMb[i]), diskMb: round(this.diskMb[i]), ports: this.ports[i], gpus: round(this.gpus[i]) };
  }

  declined(i: number): DeclinedAgent {
    return {
      agentId: this.agentId(i), hostname: this.hostname(i), cpus: this.cpus[i], memMb: this.memMb[i], diskMb: this.diskMb[i], ports: this.ports[i], gpus: this.gpus[i],
      unmatched: this.unmatched?.[i], maintenanceFrom: this.maintenanceFrom?.[i],
    };
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
  readonly gpus: number;
  /** The first constraint the agent's attributes do not match. */
  readonly unmatched: AttributeConstraint | undefined;
  /** Its machine is scheduled for maintenance from then (epoch ms): no new task goes there. */
  readonly maintenanceFrom?: number;
}

/** The parts of one agent's offers that tasks are cut from; the totals stay in the AgentTable. */
export class AgentPool {
  // Each list is made with its first item (append): most agents have one offer and get one task, and an empty list's
  // first push reserves 16 slots, which over a round of ten thousand agents is megabytes for the collector.
  offerIds: string[] = [];
  tasks: PlannedTask[] = [];
  private cpuParts?: ScalarPart[];
  private memParts?: ScalarPart[];
  private diskParts?: ScalarPart[];
  private gpuParts?: ScalarPart[];
  private portParts?: RangePart[];
  url?: string;

  constructor(private readonly table: AgentTable, private readonly i: number) {
    for (const offer of table.offersOf(i)) this.add(offer);
  }

  private add(offer: Offer): void {
    this.offerIds = append(this.offerIds, offer.id.value);
    if (!this.url && offer.url) {
      const a = offer.url.address;
      this.url = `${offer.url.scheme || 'http'}://${a.hostname || a.ip || this.table.hostname(this.i)}:${a.port}`;
    }
    const resources = offer.resources;
    for (let k = 0; k < resources.length; k++) {
      const r = resources[k];
      if (r.type === 'SCALAR' && r.scalar) {
        const part = { template: r, remaining: r.scalar.value };
        if (r.name === 'cpus') this.cpuParts = append(this.cpuParts, part);
        else if (r.name === 'mem') this.memParts = append(this.memParts, part);
        else if (r.name === 'disk') this.diskParts = append(this.diskParts, part);
        else if (r.name === 'gpus') this.gpuParts = append(this.gpuParts, part);
      } else if (r.name === 'ports' && r.type === 'RANGES' && r.ranges) {
        const recent = this.table.recentPorts?.get(offer.agent_id.value);
        let ranges: readonly Range[] = r.ranges.range;
        if (recent || ranges.some((x) => x.end < x.begin)) ranges = recentPortsLast(ranges.filter((x) => x.end >= x.begin), recent);
        if (ranges.length > 0) this.portParts = append(this.portParts, { template: r, ranges, index: 0, next: ranges[0].begin });
      }
    }
  }

  /** Takes the resources of one task: Resource objects copied from the offers (role and allocation kept), and its ports. */
  take(n: TaskNeeds): { resources: Resource[]; ports: number[] } {
    const { table, i } = this;
    // Emptied first too: a take that threw half way leaves nothing behind for the next.
    const resources = RESOURCES;
    RESOURCES.size = 0;
    PORTS.size = 0;
    if (this.cpuParts) takeScalar(this.cpuParts, n.cpus, resources);
    if (this.memParts) takeScalar(this.memParts, n.memMb, resources);
    if (n.diskMb > 0 && this.diskParts) takeScalar(this.diskParts, n.diskMb, resources);
    if ((n.gpus ?? 0) > 0 && this.gpuParts) takeScalar(this.gpuParts, n.gpus ?? 0, resources);
    table.cpus[i] -= n.cpus; table.memMb[i] -= n.memMb; table.diskMb[i] -= n.diskMb; table.gpus[i] -= n.gpus ?? 0;
    const ports = PORTS;
    for (const part of this.portParts ?? []) {
      // Consecutive ports taken from one offered resource become one range of the task's resource.
      let taken: Range[] | undefined;
      let last: Range | undefined;
      while (ports.size < n.ports && part.index < part.ranges.length) {
        const p = part.next;
        ports.push(p);
        if (last && last.end + 1 === p) last.end = p;
        else { last = { begin: p, end: p }; taken = append(taken, last); }
        if (p < part.ranges[part.index].end) part.next = p + 1;
        else if (++part.index < part.ranges.length) part.next = part.ranges[part.index].begin;
      }
      if (taken) resources.push(copyResource(part.template, undefined, taken));
      if (ports.size === n.ports) break;
    }
    table.ports[i] -= ports.size;
    return { resources: resources.take(), ports: ports.take() };
  }

  addTask(task: PlannedTask): void {
    this.tasks = append(this.tasks, task);
  }
}

/**
 * A list reused for gathering and copied out at its size (take). Never emptied by `length = 0`, which frees the store
 * and makes the next push reserve 16 slots again.
 */
class Scratch<T> {
  private readonly items: T[] = [];
  size = 0;
  push(item: T): void { this.items[this.size++] = item; }
  take(): T[] {
    const out = this.items.slice(0, this.size);
    this.size = 0;
    return out;
  }
}

/** Where take() gathers a task's resources and ports. */
const RESOURCES = new Scratch<Resource>();
const PORTS = new Scratch<number>();

/** `list` with `item` added; a new list holding just `item` (made at its size) when there is none or it is empty. */
function append<T>(list: T[] | undefined, item: T): T[] {
  if (!list || list.length === 0) return [item];
  list.push(item);
  return list;
}

function takeScalar(parts: ScalarPart[], amount: number, out: Scratch<Resource>): void {
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

