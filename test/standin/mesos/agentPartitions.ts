// Network partitions of agents, for the stand-in master, as the recorded Mesos 1.12 master behaves
// (../../../../shared/data/mesos-1.12-partition-maintenance-answers.json, runs P1 and P2):
// - an agent whose health checks fail for agent_ping_timeout x max_agent_ping_timeouts is removed from GET_AGENTS; each
//   of its tasks gets a master update without uuid: TASK_UNREACHABLE for PARTITION_AWARE frameworks, TASK_LOST for the
//   others, "health check timed out", REASON_AGENT_REMOVED, with unreachable_time; then FAILURE {agent_id};
// - meanwhile GET_TASKS lists the tasks under unreachable_tasks, explicit reconciliation answers TASK_UNREACHABLE
//   "Reconciliation: Task is unreachable" (REASON_RECONCILIATION), implicit reconciliation says nothing about them;
// - when the agent re-registers, each task still there gets TASK_RUNNING "Unreachable agent re-reregistered"
//   (REASON_AGENT_REREGISTERED, no uuid), for both kinds of framework, and the agent is offered again.
// The processes on a partitioned agent keep running; their status updates wait until the agent is back.
import type { TaskStatus } from '../../../src/core/mesos/types';
import type { MasterTask, MesosMaster } from './MesosMaster';

const DEFAULT_PING_TIMEOUT_MS = 75000; // Mesos' defaults: 15 s x 5

/** The agent's health checks start failing; after the ping timeout the master marks it unreachable. */
export function partitionAgent(master: MesosMaster, agentId: string): void {
  if (!master.agents.has(agentId)) throw new Error(`partitionAgent: no registered agent '${agentId}'`);
  if (master.silentAgents.has(agentId)) return;
  const timer = setTimeout(() => markUnreachable(master, agentId), master.opts.agentPingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS);
  timer.unref();
  master.silentAgents.set(agentId, timer);
}

function markUnreachable(master: MesosMaster, agentId: string): void {
  const rec = master.agents.get(agentId);
  if (!rec) return;
  master.silentAgents.set(agentId, undefined);
  master.agents.delete(agentId);
  master.unreachableAgents.set(agentId, { ...rec, heldUpdates: [] });
  for (const o of [...master.offers.values()]) {
    if (o.agentId !== agentId) continue;
    const fw = master.frameworks.get(o.frameworkId);
    master.removeOffer(o);
    if (fw) master.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
  }
  const unreachableTime = Date.now() * 1e6;
  for (const fw of master.frameworks.values()) {
    let had = false;
    for (const t of fw.tasks.values()) {
      if (t.agentId !== agentId || t.unreachableTime !== undefined) continue;
      had = true;
      if (t.retryTimer) { clearTimeout(t.retryTimer); t.retryTimer = undefined; }
      t.unreachableTime = unreachableTime;
      const state = fw.capabilities.has('PARTITION_AWARE') ? 'TASK_UNREACHABLE' : 'TASK_LOST';
      const status: TaskStatus = {
        ...master.masterStatus(t.info.task_id.value, state, 'health check timed out', 'REASON_AGENT_REMOVED', agentId),
        unreachable_time: { nanoseconds: unreachableTime },
      } as TaskStatus;
      t.statuses.push(status);
      master.sendMasterUpdate(fw, status);
    }
    if (had || fw.connected) master.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
  }
}

/** The partition heals: the agent re-registers, its tasks are reachable again, held updates go through. */
export function healAgent(master: MesosMaster, agentId: string): void {
  const timer = master.silentAgents.get(agentId);
  if (timer) clearTimeout(timer);
  master.silentAgents.delete(agentId);
  const early = beforeTimeout.get(master)?.get(agentId) ?? [];
  beforeTimeout.get(master)?.delete(agentId);
  const rec = master.unreachableAgents.get(agentId);
  if (!rec) {
    // Healed before the ping timeout: nothing was noticed; the updates sent meanwhile arrive late.
    for (const u of early) master.statusUpdate(agentId, u.frameworkId, u.status);
    return;
  }
  master.unreachableAgents.delete(agentId);
  const { heldUpdates, ...agent } = rec;
  master.agents.set(agentId, agent);
  for (const fw of master.frameworks.values()) {
    for (const t of fw.tasks.values()) {
      if (t.agentId !== agentId || t.unreachableTime === undefined) continue;
      t.unreachableTime = undefined;
      const latest = [...t.statuses].reverse().find((s) => s.source !== 'SOURCE_MASTER');
      const status = master.masterStatus(t.info.task_id.value, t.state, 'Unreachable agent re-reregistered', 'REASON_AGENT_REREGISTERED', agentId,
        (latest as { container_status?: unknown } | undefined)?.container_status);
      t.statuses.push(status);
      master.sendMasterUpdate(fw, status);
      // The agent resends what it has not had acknowledged.
      if (t.queue.length > 0) master.statusUpdate(agentId, fw.id, t.queue.shift() as TaskStatus);
    }
  }
  for (const u of [...early, ...heldUpdates]) master.statusUpdate(agentId, u.frameworkId, u.status);
  master.scheduleAllocation();
}

/** Keeps a partitioned agent's update until it re-registers; true when held. */
export function holdUpdate(master: MesosMaster, agentId: string, frameworkId: string, status: TaskStatus): boolean {
  if (!master.silentAgents.has(agentId)) return false;
  const rec = master.unreachableAgents.get(agentId);
  if (rec) rec.heldUpdates.push({ frameworkId, status });
  else pendingBeforeTimeout(master, agentId).push({ frameworkId, status });
  return true;
}

const beforeTimeout = new WeakMap<MesosMaster, Map<string, { frameworkId: string; status: TaskStatus }[]>>();

// Updates sent while the agent is silent but not yet marked unreachable go through when it heals too.
function pendingBeforeTimeout(master: MesosMaster, agentId: string): { frameworkId: string; status: TaskStatus }[] {
  let byAgent = beforeTimeout.get(master);
  if (!byAgent) { byAgent = new Map(); beforeTimeout.set(master, byAgent); }
  let list = byAgent.get(agentId);
  if (!list) { list = []; byAgent.set(agentId, list); }
  return list;
}

/** The explicit reconciliation answer for a task on an unreachable agent. */
export function unreachableReconcileStatus(master: MesosMaster, t: MasterTask): TaskStatus {
  return {
    ...master.masterStatus(t.info.task_id.value, 'TASK_UNREACHABLE', 'Reconciliation: Task is unreachable', 'REASON_RECONCILIATION', t.agentId),
    unreachable_time: { nanoseconds: t.unreachableTime },
  } as TaskStatus;
}
