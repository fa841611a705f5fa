// Ports of tasks that ended lately, per agent. A replacement Flink process at a dead one's host:port can be refused by
// the JobManager for a while (its RPC layer still holds the old incarnation's association), so the plan takes these
// ports last: only when an agent offers no others.

/** How long an ended task's ports are taken last. */
export const RECENT_PORTS_MS = 10 * 60_000;

export class RecentPorts {
  private readonly ended: { agentId: string; ports: number[]; at: number }[] = [];

  note(agentId: string, ports: Record<string, number>, now = Date.now()): void {
    const list = Object.values(ports).filter((p) => Number.isInteger(p));
    if (list.length > 0) this.ended.push({ agentId, ports: list, at: now });
  }

  /** The ports still cooling, by agent id; undefined when there are none (the common case costs nothing). */
  byAgent(now = Date.now()): Map<string, Set<number>> | undefined {
    while (this.ended.length > 0 && now - this.ended[0].at > RECENT_PORTS_MS) this.ended.shift();
    if (this.ended.length === 0) return undefined;
    const out = new Map<string, Set<number>>();
    for (const e of this.ended) {
      let set = out.get(e.agentId);
      if (!set) { set = new Set(); out.set(e.agentId, set); }
      for (const p of e.ports) set.add(p);
    }
    return out;
  }
}

/** The ranges with the recent ports moved to the end, one range each: taken in order, they come last. */
export function recentPortsLast(ranges: { begin: number; end: number }[], recent: ReadonlySet<number> | undefined): { begin: number; end: number }[] {
  if (!recent || recent.size === 0) return ranges;
  const fresh: { begin: number; end: number }[] = [];
  const last: { begin: number; end: number }[] = [];
  for (const r of ranges) {
    let begin = r.begin;
    // Only the recent ports inside this range are looked at, not every port of a wide range.
    const inside = [...recent].filter((p) => p >= r.begin && p <= r.end).sort((a, b) => a - b);
    for (const p of inside) {
      if (p > begin) fresh.push({ begin, end: p - 1 });
      last.push({ begin: p, end: p });
      begin = p + 1;
    }
    if (begin <= r.end) fresh.push({ begin, end: r.end });
  }
  return [...fresh, ...last];
}
