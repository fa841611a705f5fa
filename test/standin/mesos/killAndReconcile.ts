// KILL and RECONCILE on the stand-in master, with the texts and reasons a Mesos 1.12 master answers with.
import type { TaskStatus } from '../../../src/core/mesos/types';
import { TERMINAL_TASK_STATES } from '../../../src/core/mesos/types';
import type { Framework, MasterTask, MesosMaster } from './MesosMaster';
import { unreachableReconcileStatus } from './agentPartitions';
import { idOf, isObject, type Json } from './mesosJson';

const isTerminal = (s: TaskStatus['state']): boolean => TERMINAL_TASK_STATES.has(s);

/** KILL: the agent kills the task (its kill_policy or the call's); an unknown task gets TASK_LOST. */
export function killCall(master: MesosMaster, fw: Framework, kill: Json): void {
  const taskId = idOf(kill.task_id) ?? '';
  const agentId = idOf(kill.agent_id);
  const task = fw.tasks.get(taskId);
  if (!task) {
    if (agentId && master.agents.has(agentId)) {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId));
    } else {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId));
    }
    return;
  }
  if (isTerminal(task.state)) return;
  const policy = isObject(kill.kill_policy) ? kill.kill_policy : (task.info as unknown as Json).kill_policy;
  let graceMs: number | undefined;
  if (isObject(policy) && isObject(policy.grace_period) && policy.grace_period.nanoseconds !== undefined) {
    graceMs = Number(policy.grace_period.nanoseconds) / 1e6;
  }
  master.agents.get(task.agentId)?.agent.kill(fw.id, taskId, { killingState: fw.capabilities.has('TASK_KILLING_STATE'), gracePeriodMs: graceMs });
}

function reconcileStatus(master: MesosMaster, t: MasterTask): TaskStatus {
  if (t.unreachableTime !== undefined) return unreachableReconcileStatus(master, t);
  const latest = t.statuses[t.statuses.length - 1];
  return master.masterStatus(t.info.task_id.value, t.state, 'Reconciliation: Latest task state', 'REASON_RECONCILIATION', t.agentId, latest?.container_status);
}

/** RECONCILE: explicit (the tasks listed) or implicit (an empty list: every task the master knows). */
export function reconcileCall(master: MesosMaster, fw: Framework, rec: Json): void {
  const list = Array.isArray(rec.tasks) ? (rec.tasks as Json[]) : [];
  if (list.length === 0) {
    // Implicit reconciliation leaves unreachable tasks out (recorded: no update for them).
    for (const t of fw.tasks.values()) if (t.unreachableTime === undefined) master.sendMasterUpdate(fw, reconcileStatus(master, t));
    return;
  }
  for (const entry of list) {
    const taskId = idOf(entry.task_id) ?? '';
    const agentId = idOf(entry.agent_id);
    const t = fw.tasks.get(taskId);
    if (t) master.sendMasterUpdate(fw, reconcileStatus(master, t));
    else if (agentId && master.agents.has(agentId)) {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId));
    } else {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId));
    }
  }
}
