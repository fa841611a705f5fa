// The stand-in master's allocator: each cycle, every agent's free resources go to one framework (the one with the
// fewest allocated cpus), honouring suppressed roles and per-role, per-agent filters; offers as a Mesos 1.12 master sends them.
import type { Offer } from '../../../src/core/mesos/types';
import type { Framework, MesosMaster, OfferRecord } from './MesosMaster';
import { filterKey } from './offerFilters';
import { attributesJson } from './attributes';
import { isDeactivated, sendInverseOffers, unavailabilityOf } from './maintenance';
import { contains, isAllocatable, subtract, toResources } from './resources';

export function allocate(master: MesosMaster): void {
  if (!master.leader) return;
  // Inverse offers go to frameworks using scheduled agents, suppressed or not.
  sendInverseOffers(master);
  const eligible = [...master.frameworks.values()].filter((f) => f.connected && f.active && f.roles.some((r) => !f.suppressedRoles.has(r)));
  if (eligible.length === 0) return;
  const cpusOf = new Map<string, number>();
  for (const f of eligible) {
    let c = 0;
    for (const t of f.tasks.values()) if (!t.released) c += t.resources.cpus;
    cpusOf.set(f.id, c);
  }
  for (const o of master.offers.values()) cpusOf.set(o.frameworkId, (cpusOf.get(o.frameworkId) ?? 0) + o.resources.cpus);
  const batches = new Map<Framework, Offer[]>();
  const now = Date.now();
  for (const rec of master.agents.values()) {
    const agent = rec.agent;
    if (isDeactivated(master, agent.id)) continue;
    const avail = subtract(subtract(agent.resources, rec.allocated), master.offeredOn(agent.id));
    if (!isAllocatable(avail)) continue;
    // A framework may get this agent for a role that is neither suppressed nor filtered (per role and agent).
    const roleFree = (f: Framework, role: string): boolean => {
      if (f.suppressedRoles.has(role)) return false;
      const key = filterKey(role, agent.id);
      const filter = f.filters.get(key);
      if (!filter) return true;
      if (filter.expiresAt <= now) { f.filters.delete(key); return true; }
      return !contains(filter.resources, avail);
    };
    const candidates = eligible.filter((f) => f.roles.some((r) => roleFree(f, r)));
    if (candidates.length === 0) continue;
    candidates.sort((a, b) => (cpusOf.get(a.id)! - cpusOf.get(b.id)!) || (a.lastOffered - b.lastOffered));
    const fw = candidates[0];
    fw.lastOffered = ++master.offerTurn;
    cpusOf.set(fw.id, cpusOf.get(fw.id)! + avail.cpus);
    let role: string | undefined;
    if (fw.capabilities.has('MULTI_ROLE')) {
      // Round robin over the framework's roles, skipping suppressed and filtered ones.
      for (let i = 0; i < fw.roles.length; i++) {
        const r = fw.roles[(fw.roleTurn + i) % fw.roles.length];
        if (roleFree(fw, r)) { role = r; fw.roleTurn = (fw.roleTurn + i + 1) % fw.roles.length; break; }
      }
    }
    const offer: OfferRecord = { id: `${master.id}-O${master.offerSeq++}`, frameworkId: fw.id, agentId: agent.id, resources: avail, role };
    master.offers.set(offer.id, offer);
    if (master.opts.offerTimeoutMs !== undefined) {
      offer.timer = setTimeout(() => {
        if (!master.offers.has(offer.id)) return;
        master.removeOffer(offer);
        master.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
      }, master.opts.offerTimeoutMs);
      offer.timer.unref();
    }
    const list = batches.get(fw) ?? [];
    list.push(offerJson(master, offer));
    batches.set(fw, list);
  }
  for (const [fw, offers] of batches) master.send(fw, { type: 'OFFERS', offers: { offers } });
}

export function offerJson(master: MesosMaster, o: OfferRecord): Offer {
  const agent = master.agents.get(o.agentId)!.agent;
  const attributes = attributesJson(agent.attributes);
  const unavailability = unavailabilityOf(master, o.agentId);
  return {
    id: { value: o.id }, framework_id: { value: o.frameworkId }, agent_id: { value: o.agentId }, hostname: agent.hostname,
    url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip || agent.hostname, port: agent.port }, path: '/slave(1)' },
    resources: toResources(o.resources, o.role),
    ...(attributes.length ? { attributes } : {}),
    ...(unavailability ? { unavailability } : {}),
    ...(o.role !== undefined ? { allocation_info: { role: o.role } } : {}),
  };
}
