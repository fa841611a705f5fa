// Resource arithmetic for the stand-in master: scalars (cpus, mem, disk) and port ranges, formatted like Mesos' messages.
import type { Range, Resource } from '../../../src/core/mesos/types';

export interface ResourceSet {
  cpus: number;
  mem: number;
  disk: number;
  ports: Range[];
  /** Resources Mesos would not know on this agent (e.g. gpus asked for by a task). */
  other: Map<string, number>;
}

export const emptyResources = (): ResourceSet => ({ cpus: 0, mem: 0, disk: 0, ports: [], other: new Map() });

// Scalars are fixed-point with 3 decimals in Mesos; rounding keeps 7.9 from becoming 7.8999999.
const round = (n: number): number => Math.round(n * 1000) / 1000;

export function normaliseRanges(ranges: Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end >= r.begin).map((r) => ({ begin: r.begin, end: r.end })).sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

export function subtractRanges(from: Range[], minus: Range[]): Range[] {
  let cur = normaliseRanges(from);
  for (const m of normaliseRanges(minus)) {
    const next: Range[] = [];
    for (const r of cur) {
      if (m.end < r.begin || m.begin > r.end) { next.push(r); continue; }
      if (m.begin > r.begin) next.push({ begin: r.begin, end: m.begin - 1 });
      if (m.end < r.end) next.push({ begin: m.end + 1, end: r.end });
    }
    cur = next;
  }
  return cur;
}

export function rangesContain(outer: Range[], inner: Range[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN);

/** Sums a Resource[] as sent by a scheduler. */
export function fromResources(list: Resource[] | undefined): ResourceSet {
  const s = emptyResources();
  for (const r of list ?? []) {
    if (r.type === 'SCALAR') {
      const v = num(r.scalar?.value);
      if (r.name === 'cpus') s.cpus = round(s.cpus + v);
      else if (r.name === 'mem') s.mem = round(s.mem + v);
      else if (r.name === 'disk') s.disk = round(s.disk + v);
      else s.other.set(r.name, round((s.other.get(r.name) ?? 0) + v));
    } else if (r.type === 'RANGES' && r.name === 'ports') {
      s.ports = normaliseRanges([...s.ports, ...(r.ranges?.range ?? []).map((x) => ({ begin: num(x.begin), end: num(x.end) }))]);
    } else {
      s.other.set(r.name, 1);
    }
  }
  return s;
}

export function add(a: ResourceSet, b: ResourceSet): ResourceSet {
  const other = new Map(a.other);
  for (const [k, v] of b.other) other.set(k, round((other.get(k) ?? 0) + v));
  return { cpus: round(a.cpus + b.cpus), mem: round(a.mem + b.mem), disk: round(a.disk + b.disk), ports: normaliseRanges([...a.ports, ...b.ports]), other };
}

export function subtract(a: ResourceSet, b: ResourceSet): ResourceSet {
  return {
    cpus: Math.max(0, round(a.cpus - b.cpus)), mem: Math.max(0, round(a.mem - b.mem)), disk: Math.max(0, round(a.disk - b.disk)),
    ports: subtractRanges(a.ports, b.ports), other: new Map(a.other),
  };
}

export function contains(outer: ResourceSet, inner: ResourceSet): boolean {
  if (inner.cpus > outer.cpus + 1e-9 || inner.mem > outer.mem + 1e-9 || inner.disk > outer.disk + 1e-9) return false;
  for (const [k, v] of inner.other) if (v > (outer.other.get(k) ?? 0)) return false;
  return rangesContain(outer.ports, inner.ports);
}

export const isEmpty = (s: ResourceSet): boolean => s.cpus <= 0 && s.mem <= 0 && s.disk <= 0 && s.ports.length === 0 && s.other.size === 0;

/** Mesos offers an agent only when at least 0.01 cpus or 32 MB of memory are free. */
export const isAllocatable = (s: ResourceSet): boolean => s.cpus >= 0.01 || s.mem >= 32;

/** Offer resources in the order a real master writes them: ports, cpus, mem, disk. */
export function toResources(s: ResourceSet, role?: string): Resource[] {
  const alloc = role !== undefined ? { allocation_info: { role } } : {};
  const out: Resource[] = [];
  if (s.ports.length) out.push({ name: 'ports', type: 'RANGES', ranges: { range: s.ports.map((r) => ({ ...r })) }, role: '*', ...alloc });
  if (s.cpus > 0) out.push({ name: 'cpus', type: 'SCALAR', scalar: { value: s.cpus }, role: '*', ...alloc });
  if (s.mem > 0) out.push({ name: 'mem', type: 'SCALAR', scalar: { value: s.mem }, role: '*', ...alloc });
  if (s.disk > 0) out.push({ name: 'disk', type: 'SCALAR', scalar: { value: s.disk }, role: '*', ...alloc });
  return out;
}

const fmtRanges = (rs: Range[]): string => '[' + rs.map((r) => `${r.begin}-${r.end}`).join(', ') + ']';

/** `cpus(allocated: *):0.1; mem(allocated: *):32` as in the master's "more than available" message. */
export function formatResourceList(list: Resource[], role: string): string {
  return list.map((r) => {
    const value = r.type === 'SCALAR' ? String(round(num(r.scalar?.value))) : r.type === 'RANGES' ? fmtRanges(r.ranges?.range ?? []) : '?';
    return `${r.name}(allocated: ${role}):${value}`;
  }).join('; ');
}

export function formatResourceSet(s: ResourceSet, role: string): string {
  return formatResourceList(toResources(s), role);
}
