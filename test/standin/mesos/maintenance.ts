// Maintenance and draining on the stand-in master, as the recorded Mesos 1.12 master behaves
// (../../../../shared/data/mesos-1.12-partition-maintenance-answers.json, runs M1, M2 and D):
// - UPDATE_MAINTENANCE_SCHEDULE puts machines ({hostname, ip}, matched exactly: an agent's machine is its hostname and
//   ip) in DRAINING mode; their agents' offers carry `unavailability`, and every framework with a task or an offer there
//   gets INVERSE_OFFERS at once. An answered (or filtered) inverse offer comes again after refuse_seconds (default 5 s).
//   GET_MAINTENANCE_STATUS lists each framework's last answer. The window's start passing changes nothing by itself.
// - START_MAINTENANCE (machine DOWN): each agent of the machine is removed; its tasks get TASK_LOST "Agent <host>
//   removed: Operator initiated 'Machine DOWN'" (REASON_AGENT_REMOVED, also for PARTITION_AWARE frameworks), then
//   RESCIND_INVERSE_OFFER and FAILURE. STOP_MAINTENANCE brings the machine UP and out of the schedule; the stand-in then
//   registers its agents again at once (on a real cluster the operator restarts them; they keep their ids).
// - DRAIN_AGENT deactivates the agent (no offers) and kills its tasks at once (REASON_AGENT_DRAINING, grace at most
//   max_grace_period; with mark_gone, TASK_GONE_BY_OPERATOR for PARTITION_AWARE frameworks); DRAINING becomes DRAINED
//   when no task is left, and a mark_gone agent is then removed. REACTIVATE_AGENT ends DRAINED.
import type { ServerResponse } from 'node:http';
import { TERMINAL_TASK_STATES, type TaskStatus } from '../../../src/core/mesos/types';
import type { AgentRecord, Framework, MesosMaster } from './MesosMaster';
import { idOf, isObject, type Json } from './mesosJson';
import { replyEmpty, replyJson, replyText } from './httpReplies';
import { refuseSeconds } from './offerFilters';
import { emptyResources } from './resources';

interface MachineId { hostname?: string; ip?: string }
interface Window { machine_ids: MachineId[]; unavailability: { start: { nanoseconds: number }; duration?: { nanoseconds: number } } }
interface InverseOffer { id: string; frameworkId: string; agentId: string }
interface Drain { state: 'DRAINING' | 'DRAINED'; config: Json; startNs: number; timer?: NodeJS.Timeout }

interface MaintenanceState {
  windows: Window[];
  /** DRAINING or DOWN, by machine key; machines not here are UP. */
  modes: Map<string, 'DRAINING' | 'DOWN'>;
  /** Each framework's last answer to the machine's inverse offers. */
  answers: Map<string, Map<string, { status: 'ACCEPT' | 'DECLINE'; timestamp: number }>>;
  inverseOffers: Map<string, InverseOffer>;
  /** No new inverse offer for framework+agent before then (epoch ms). */
  filters: Map<string, number>;
  /** Agents removed by a machine DOWN, registered again when it comes UP. */
  downAgents: Map<string, AgentRecord[]>;
  drains: Map<string, Drain>;
}

const states = new WeakMap<MesosMaster, MaintenanceState>();

function stateOf(master: MesosMaster): MaintenanceState {
  let s = states.get(master);
  if (!s) {
    s = { windows: [], modes: new Map(), answers: new Map(), inverseOffers: new Map(), filters: new Map(), downAgents: new Map(), drains: new Map() };
    states.set(master, s);
  }
  return s;
}

/** A machine id as Mesos prints it in its errors: the JSON of the given fields, hostname first. */
const machineKey = (m: MachineId): string => JSON.stringify({ ...(m.hostname ? { hostname: m.hostname } : {}), ...(m.ip ? { ip: m.ip } : {}) });
const machineOf = (rec: AgentRecord): MachineId => ({ hostname: rec.agent.hostname, ip: rec.agent.ip || rec.agent.hostname });
const nowNs = (): number => Date.now() * 1e6;
const isTerminal = (s: TaskStatus['state']): boolean => TERMINAL_TASK_STATES.has(s);

function windowOf(s: MaintenanceState, key: string): Window | undefined {
  return s.windows.find((w) => w.machine_ids.some((m) => machineKey(m) === key));
}

/** The unavailability an offer of this agent carries (its machine is in the schedule and not DOWN), or undefined. */
export function unavailabilityOf(master: MesosMaster, agentId: string): Window['unavailability'] | undefined {
  const s = states.get(master);
  const rec = master.agents.get(agentId);
  if (!s || !rec) return undefined;
  const key = machineKey(machineOf(rec));
  return s.modes.get(key) === 'DRAINING' ? windowOf(s, key)?.unavailability : undefined;
}

/** A drained or draining agent gets no offers. */
export function isDeactivated(master: MesosMaster, agentId: string): boolean {
  return states.get(master)?.drains.has(agentId) ?? false;
}

/** GET_AGENTS fields of a draining or drained agent (after the capabilities, as recorded). */
export function drainFields(master: MesosMaster, agentId: string): { active: boolean; deactivated: boolean; tail: Json } {
  const d = states.get(master)?.drains.get(agentId);
  if (!d) return { active: true, deactivated: false, tail: {} };
  return { active: false, deactivated: true, tail: { drain_info: { state: d.state, config: d.config }, estimated_drain_start_time: { nanoseconds: d.startNs } } };
}

// ---------------- inverse offers ----------------

/** Sends inverse offers for agents of DRAINING machines to frameworks using them (tasks or offers); called each allocation. */
export function sendInverseOffers(master: MesosMaster): void {
  const s = states.get(master);
  if (!s || ![...s.modes.values()].includes('DRAINING')) return;
  const now = Date.now();
  const batches = new Map<Framework, Json[]>();
  for (const rec of master.agents.values()) {
    const unavailability = unavailabilityOf(master, rec.agent.id);
    if (!unavailability) continue;
    for (const fw of master.frameworks.values()) {
      if (!fw.connected) continue;
      const uses = [...fw.tasks.values()].some((t) => t.agentId === rec.agent.id && !isTerminal(t.state))
        || [...master.offers.values()].some((o) => o.frameworkId === fw.id && o.agentId === rec.agent.id);
      if (!uses) continue;
      if ([...s.inverseOffers.values()].some((io) => io.frameworkId === fw.id && io.agentId === rec.agent.id)) continue;
      const key = `${fw.id}\n${rec.agent.id}`;
      if ((s.filters.get(key) ?? 0) > now) continue;
      s.filters.delete(key);
      const io: InverseOffer = { id: `${master.id}-O${master.offerSeq++}`, frameworkId: fw.id, agentId: rec.agent.id };
      s.inverseOffers.set(io.id, io);
      const a = rec.agent;
      const list = batches.get(fw) ?? [];
      list.push({
        id: { value: io.id }, url: { scheme: 'http', address: { hostname: a.hostname, ip: a.ip || a.hostname, port: a.port }, path: '/slave(1)' },
        framework_id: { value: fw.id }, agent_id: { value: a.id }, unavailability,
      });
      batches.set(fw, list);
    }
  }
  for (const [fw, list] of batches) master.send(fw, { type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: list } });
}

/** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: 202; unknown or answered ids are ignored, as recorded. */
export function answerInverseOffers(master: MesosMaster, fw: Framework, body: Json, status: 'ACCEPT' | 'DECLINE'): void {
  const s = stateOf(master);
  const ids = (Array.isArray(body.inverse_offer_ids) ? body.inverse_offer_ids : []).map(idOf);
  const refuse = refuseSeconds(body.filters);
  for (const id of ids) {
    const io = id ? s.inverseOffers.get(id) : undefined;
    if (!io || io.frameworkId !== fw.id) continue;
    s.inverseOffers.delete(io.id);
    s.filters.set(`${fw.id}\n${io.agentId}`, Date.now() + refuse * 1000);
    const rec = master.agents.get(io.agentId);
    if (!rec) continue;
    const key = machineKey(machineOf(rec));
    const answers = s.answers.get(key) ?? new Map();
    answers.set(fw.id, { status, timestamp: nowNs() });
    s.answers.set(key, answers);
  }
  master.scheduleAllocation();
}

/** The framework's outstanding inverse offers of an agent are rescinded (machine DOWN, schedule removed, agent gone). */
function rescindInverseOffers(master: MesosMaster, agentId: string, onlyFramework?: string): void {
  const s = states.get(master);
  if (!s) return;
  for (const io of [...s.inverseOffers.values()]) {
    if (io.agentId !== agentId || (onlyFramework && io.frameworkId !== onlyFramework)) continue;
    s.inverseOffers.delete(io.id);
    const fw = master.frameworks.get(io.frameworkId);
    if (fw) master.send(fw, { type: 'RESCIND_INVERSE_OFFER', rescind_inverse_offer: { inverse_offer_id: { value: io.id } } });
  }
}

// ---------------- operator calls ----------------

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** validation::machine::validate: the error text, or undefined. */
function machineError(m: unknown): string | undefined {
  const id = isObject(m) ? m : {};
  const hostname = typeof id.hostname === 'string' ? id.hostname : '';
  const ip = typeof id.ip === 'string' ? id.ip : '';
  if (!hostname && !ip) return "Both 'hostname' and 'ip' for a machine are empty";
  if (ip) {
    const p = IPV4.exec(ip);
    if (!p || p.slice(1).some((x) => Number(x) > 255)) return `Failed to parse IPv4: ${ip}`;
  }
  return undefined;
}

const machineIdOf = (m: Json): MachineId => ({
  ...(typeof m.hostname === 'string' && m.hostname ? { hostname: m.hostname } : {}), ...(typeof m.ip === 'string' && m.ip ? { ip: m.ip } : {}),
});

function knownMachines(master: MesosMaster, s: MaintenanceState): Set<string> {
  const keys = new Set<string>([...s.modes.keys(), ...s.downAgents.keys()]);
  for (const rec of master.agents.values()) keys.add(machineKey(machineOf(rec)));
  return keys;
}

const nanos = (d: unknown): number => (isObject(d) ? Number(d.nanoseconds ?? 0) : 0);

/** The maintenance and drain calls of the operator API; false when the call is not one of them. */
export function maintenanceCall(master: MesosMaster, call: Json, res: ServerResponse): boolean {
  const s = stateOf(master);
  switch (call.type) {
    case 'GET_MAINTENANCE_SCHEDULE': {
      const schedule = s.windows.length ? { windows: s.windows } : {};
      replyJson(res, 200, { type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule } });
      return true;
    }
    case 'GET_MAINTENANCE_STATUS': {
      const draining: Json[] = [];
      const down: Json[] = [];
      for (const w of s.windows) {
        for (const m of w.machine_ids) {
          const key = machineKey(m);
          if (s.modes.get(key) === 'DOWN') { down.push(m as Json); continue; }
          const answers = [...(s.answers.get(key)?.entries() ?? [])]
            .map(([fwId, a]) => ({ status: a.status, framework_id: { value: fwId }, timestamp: { nanoseconds: a.timestamp } }));
          draining.push({ id: m, ...(answers.length ? { statuses: answers } : {}) });
        }
      }
      const status = { ...(draining.length ? { draining_machines: draining } : {}), ...(down.length ? { down_machines: down } : {}) };
      replyJson(res, 200, { type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status } });
      return true;
    }
    case 'UPDATE_MAINTENANCE_SCHEDULE': updateSchedule(master, s, call, res); return true;
    case 'START_MAINTENANCE': case 'STOP_MAINTENANCE': machineMode(master, s, call, res); return true;
    case 'DRAIN_AGENT': drainAgent(master, s, call, res); return true;
    case 'REACTIVATE_AGENT': {
      if (!isObject(call.reactivate_agent)) { replyText(res, 400, "Failed to validate master::Call: Expecting 'reactivate_agent' to be present"); return true; }
      const agentId = idOf(call.reactivate_agent.agent_id) ?? '';
      const d = s.drains.get(agentId);
      if (!d) { replyText(res, 400, 'Agent is not deactivated'); return true; }
      if (d.state === 'DRAINING') { replyText(res, 400, 'Agent is still in the DRAINING state'); return true; }
      if (d.timer) clearInterval(d.timer);
      s.drains.delete(agentId);
      master.scheduleAllocation();
      replyEmpty(res, 200);
      return true;
    }
    default: return false;
  }
}

function updateSchedule(master: MesosMaster, s: MaintenanceState, call: Json, res: ServerResponse): void {
  if (!isObject(call.update_maintenance_schedule)) {
    replyText(res, 400, "Failed to validate master::Call: Expecting 'update_maintenance_schedule' to be present");
    return;
  }
  const schedule = isObject(call.update_maintenance_schedule.schedule) ? call.update_maintenance_schedule.schedule : {};
  const raw = Array.isArray(schedule.windows) ? (schedule.windows as Json[]) : [];
  const missing = raw.findIndex((w) => !isObject(w.unavailability));
  if (missing >= 0) {
    replyText(res, 400, `Failed to convert JSON into Call protobuf: Missing required fields: update_maintenance_schedule.schedule.windows[${missing}].unavailability`);
    return;
  }
  // validation::maintenance::schedule::validate, in its order.
  const seen = new Set<string>();
  for (const w of raw) {
    const ids = Array.isArray(w.machine_ids) ? (w.machine_ids as Json[]) : [];
    if (ids.length === 0) { replyText(res, 400, 'List of machines in the maintenance window is empty'); return; }
    for (const m of ids) {
      const error = machineError(m);
      if (error) { replyText(res, 400, error); return; }
      const key = machineKey(machineIdOf(m));
      if (seen.has(key)) { replyText(res, 400, `Machine '${key}' appears more than once in the schedule`); return; }
      seen.add(key);
    }
    if (nanos((w.unavailability as Json).duration) < 0) { replyText(res, 400, "Unavailability 'duration' is negative"); return; }
  }
  for (const [key, mode] of s.modes) {
    if (mode === 'DOWN' && !seen.has(key)) { replyText(res, 400, `Machine '${key}' is deactivated and cannot be removed from the schedule`); return; }
  }
  s.windows = raw.map((w) => {
    const u = w.unavailability as Json;
    return {
      machine_ids: (w.machine_ids as Json[]).map(machineIdOf),
      unavailability: { start: { nanoseconds: nanos(u.start) }, ...(isObject(u.duration) ? { duration: { nanoseconds: nanos(u.duration) } } : {}) },
    };
  });
  for (const key of [...s.modes.keys()]) {
    if (seen.has(key)) continue;
    s.modes.delete(key);
    s.answers.delete(key);
    for (const rec of master.agents.values()) if (machineKey(machineOf(rec)) === key) rescindInverseOffers(master, rec.agent.id);
  }
  for (const key of seen) if (!s.modes.has(key)) s.modes.set(key, 'DRAINING');
  // Outstanding offers of the scheduled agents are rescinded, so the next ones carry the unavailability.
  for (const o of [...master.offers.values()]) {
    if (!unavailabilityOf(master, o.agentId)) continue;
    const fw = master.frameworks.get(o.frameworkId);
    master.removeOffer(o);
    if (fw) master.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
  }
  replyEmpty(res, 200);
  sendInverseOffers(master);
  master.scheduleAllocation();
}

function machineMode(master: MesosMaster, s: MaintenanceState, call: Json, res: ServerResponse): void {
  const start = call.type === 'START_MAINTENANCE';
  const field = start ? 'start_maintenance' : 'stop_maintenance';
  const body = call[field];
  if (!isObject(body)) { replyText(res, 400, `Failed to validate master::Call: Expecting '${field}' to be present`); return; }
  const machines = Array.isArray(body.machines) ? (body.machines as Json[]) : [];
  if (machines.length === 0) { replyText(res, 400, 'List of machines is empty'); return; }
  const known = knownMachines(master, s);
  for (const m of machines) {
    const error = machineError(m);
    if (error) { replyText(res, 400, error); return; }
    const key = machineKey(machineIdOf(m));
    if (!known.has(key)) { replyText(res, 400, `Machine '${key}' is not part of a maintenance schedule`); return; }
    if (start && s.modes.get(key) !== 'DRAINING') { replyText(res, 400, `Machine '${key}' is not in DRAINING mode and cannot be brought down`); return; }
    if (!start && s.modes.get(key) !== 'DOWN') { replyText(res, 400, `Machine '${key}' is not in DOWN mode and cannot be brought up`); return; }
  }
  for (const m of machines) {
    const key = machineKey(machineIdOf(m));
    if (start) {
      s.modes.set(key, 'DOWN');
      s.answers.delete(key);
      const removed: AgentRecord[] = [];
      for (const rec of [...master.agents.values()]) {
        if (machineKey(machineOf(rec)) !== key) continue;
        removed.push(rec);
        master.removeAgent(rec.agent.id, "Operator initiated 'Machine DOWN'", (fw) => rescindInverseOffers(master, rec.agent.id, fw.id));
      }
      s.downAgents.set(key, removed);
    } else {
      s.modes.delete(key);
      s.windows = s.windows
        .map((w) => ({ ...w, machine_ids: w.machine_ids.filter((id) => machineKey(id) !== key) }))
        .filter((w) => w.machine_ids.length > 0);
      for (const rec of s.downAgents.get(key) ?? []) master.restoreAgent({ ...rec, registeredTime: nowNs(), allocated: emptyResources() });
      s.downAgents.delete(key);
    }
  }
  replyEmpty(res, 200);
}

function drainAgent(master: MesosMaster, s: MaintenanceState, call: Json, res: ServerResponse): void {
  const body = call.drain_agent;
  if (isObject(body)) {
    if (typeof body.max_grace_period === 'string') {
      replyText(res, 400, "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'max_grace_period'");
      return;
    }
    if (!isObject(body.agent_id)) { replyText(res, 400, 'Failed to convert JSON into Call protobuf: Missing required fields: drain_agent.agent_id'); return; }
  } else {
    replyText(res, 400, "Failed to validate master::Call: Expecting 'drain_agent' to be present");
    return;
  }
  const agentId = idOf(body.agent_id) ?? '';
  const rec = master.agents.get(agentId);
  if (!rec) { replyText(res, 400, 'Unknown agent'); return; }
  const machine = machineOf(rec);
  if (s.modes.has(machineKey(machine))) {
    replyText(res, 400, `Agent ${agentId} is part of a maintenance schedule under Machine ${machine.hostname} (${machine.ip})`);
    return;
  }
  const markGone = body.mark_gone === true;
  let maxGraceMs: number | undefined;
  const config: Json = {};
  if (isObject(body.max_grace_period)) {
    const g = body.max_grace_period;
    const ns = Number(g.seconds ?? 0) * 1e9 + Number(g.nanos ?? 0);
    maxGraceMs = ns / 1e6;
    config.max_grace_period = { nanoseconds: ns };
  }
  config.mark_gone = markGone;
  const existing = s.drains.get(agentId);
  const drain: Drain = { state: existing?.state ?? 'DRAINING', config, startNs: Math.floor(Date.now() / 1000) * 1e9, timer: existing?.timer };
  s.drains.set(agentId, drain);
  for (const o of [...master.offers.values()]) {
    if (o.agentId !== agentId) continue;
    const fw = master.frameworks.get(o.frameworkId);
    master.removeOffer(o);
    if (fw) master.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
  }
  for (const fw of master.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      if (t.agentId !== agentId || isTerminal(t.state)) continue;
      const policy = (t.info as unknown as Json).kill_policy;
      const taskGraceMs = isObject(policy) && isObject(policy.grace_period) ? nanos(policy.grace_period) / 1e6 : undefined;
      const graceMs = maxGraceMs === undefined ? taskGraceMs : Math.min(maxGraceMs, taskGraceMs ?? maxGraceMs);
      rec.agent.kill(fw.id, t.info.task_id.value, {
        killingState: fw.capabilities.has('TASK_KILLING_STATE'), gracePeriodMs: graceMs,
        drain: { reason: 'REASON_AGENT_DRAINING', gone: markGone && fw.capabilities.has('PARTITION_AWARE') },
      });
    }
  }
  if (!drain.timer) {
    drain.timer = setInterval(() => checkDrained(master, agentId), 50);
    drain.timer.unref();
  }
  checkDrained(master, agentId);
  replyEmpty(res, 200);
}

function checkDrained(master: MesosMaster, agentId: string): void {
  const s = stateOf(master);
  const d = s.drains.get(agentId);
  if (!d) return;
  if (!master.agents.has(agentId)) { if (d.timer) clearInterval(d.timer); s.drains.delete(agentId); return; }
  if (d.state === 'DRAINED') return;
  const busy = [...master.frameworks.values()].some((fw) => [...fw.tasks.values()].some((t) => t.agentId === agentId && !isTerminal(t.state)));
  if (busy) return;
  d.state = 'DRAINED';
  if (d.config.mark_gone === true) {
    if (d.timer) clearInterval(d.timer);
    s.drains.delete(agentId);
    master.removeAgent(agentId, 'Agent has been marked gone');
  }
}

/** A machine DOWN or a drain ends; forgets the state of a master being stopped. */
export function stopMaintenance(master: MesosMaster): void {
  const s = states.get(master);
  if (!s) return;
  for (const d of s.drains.values()) if (d.timer) clearInterval(d.timer);
}
