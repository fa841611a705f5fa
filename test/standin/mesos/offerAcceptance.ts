// ACCEPT on the stand-in master: offer validation (one rule at a time over all offers, as validation::offer::validate),
// task validation, the launch on the agent and the filter for what the offers left unused.
import type { TaskInfo } from '../../../src/core/mesos/types';
import type { Framework, MasterTask, MesosMaster, OfferRecord } from './MesosMaster';
import { filterKey, refuseSeconds } from './offerFilters';
import { idOf, isObject, type Json } from './mesosJson';
import {
  add, contains, formatResourceList, formatResourceSet, fromResources, isEmpty, subtract, emptyResources, type ResourceSet,
} from './resources';

export function acceptCall(master: MesosMaster, fw: Framework, accept: Json): void {
  const offerIds = (Array.isArray(accept.offer_ids) ? accept.offer_ids : []).map((o) => idOf(o) ?? '');
  const operations = Array.isArray(accept.operations) ? (accept.operations as Json[]) : [];
  const refuse = refuseSeconds(accept.filters);
  const tasks: TaskInfo[] = [];
  for (const op of operations) {
    if (op.type === 'LAUNCH' && isObject(op.launch) && Array.isArray(op.launch.task_infos)) tasks.push(...(op.launch.task_infos as TaskInfo[]));
  }
  // Offer validation, one rule at a time over all offers, as validation::offer::validate does.
  let offerError: string | undefined;
  const seen = new Set<string>();
  for (const id of offerIds) {
    if (seen.has(id)) { offerError = `Duplicate offer ${id} in offer list`; break; }
    seen.add(id);
  }
  if (!offerError) for (const id of offerIds) if (!master.offers.has(id)) { offerError = `Offer ${id} is no longer valid`; break; }
  if (!offerError) {
    for (const id of offerIds) {
      const o = master.offers.get(id)!;
      if (o.frameworkId !== fw.id) { offerError = `Offer ${id} has invalid framework ${o.frameworkId} while framework ${fw.id} is expected`; break; }
    }
  }
  if (!offerError && offerIds.length > 0) {
    const first = master.offers.get(offerIds[0])!;
    for (const id of offerIds.slice(1)) {
      const o = master.offers.get(id)!;
      if (o.agentId !== first.agentId) {
        offerError = `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${o.agentId} and agent ${first.agentId}`;
        break;
      }
    }
  }
  const records = offerIds.map((id) => master.offers.get(id)).filter((o): o is OfferRecord => !!o);
  for (const o of records) master.removeOffer(o);
  if (offerError) {
    for (const t of tasks) {
      master.sendMasterUpdate(fw, master.masterStatus(t.task_id?.value ?? '', 'TASK_LOST', `Task launched with invalid offers: ${offerError}`,
        'REASON_INVALID_OFFERS', idOf(t.agent_id)));
    }
    master.scheduleAllocationSoon();
    return;
  }
  if (records.length === 0) return;
  const agentId = records[0].agentId;
  const role = records[0].role ?? '*';
  let available = records.reduce((acc, o) => add(acc, o.resources), emptyResources());
  const agentRec = master.agents.get(agentId);
  const launchedNow = new Set<string>();
  for (const t of tasks) {
    const error = validateTask(fw, t, agentId, available, launchedNow, role);
    const taskId = t.task_id?.value ?? '';
    if (error) {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_ERROR', error, 'REASON_TASK_INVALID', idOf(t.agent_id)));
      continue;
    }
    if (!agentRec) {
      master.sendMasterUpdate(fw, master.masterStatus(taskId, 'TASK_LOST', `Agent ${agentId} removed`, 'REASON_AGENT_REMOVED', agentId));
      continue;
    }
    const res = fromResources(t.resources);
    available = subtract(available, res);
    launchedNow.add(taskId);
    const task: MasterTask = {
      info: t, frameworkId: fw.id, agentId, state: 'TASK_STAGING', statuses: [], resources: res, released: false, queue: [], role,
    };
    fw.tasks.set(taskId, task);
    agentRec.allocated = add(agentRec.allocated, res);
    agentRec.agent.launch(fw.id, fw.info, t);
  }
  if (refuse > 0 && !isEmpty(available)) {
    fw.filters.set(filterKey(records[0].role ?? fw.roles[0] ?? '*', agentId), { expiresAt: Date.now() + refuse * 1000, resources: available });
  }
}

function validateTask(fw: Framework, t: TaskInfo, agentId: string, available: ResourceSet, launchedNow: Set<string>, role: string): string | undefined {
  const id = t.task_id?.value ?? '';
  if (id.length === 0) return 'ID must not be empty';
  if (id.length > 255) return 'ID must not be greater than 255 characters';
  if (id === '.' || id === '..') return `'${id}' is disallowed`;
  // eslint-disable-next-line no-control-regex
  if (/[/\\\x00-\x1f\x7f]/.test(id)) return `'${id}' contains invalid characters`;
  if (fw.tasks.has(id) || launchedNow.has(id)) return `Task has duplicate ID: ${id}`;
  const taskAgent = idOf(t.agent_id) ?? '';
  if (taskAgent !== agentId) return `Task uses invalid agent ${taskAgent} while agent ${agentId} is expected`;
  if (!Array.isArray(t.resources) || t.resources.length === 0) return 'Task uses no resources';
  if ((t.command === undefined) === (t.executor === undefined)) return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
  const need = fromResources(t.resources);
  if (!contains(available, need)) {
    return `Total resources ${formatResourceList(t.resources, role)} required by task and its executor is more than available ${formatResourceSet(available, role)}`;
  }
  return undefined;
}
