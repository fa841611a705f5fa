// Builders for every scheduler call, in the JSON the master expects (proto field names, enums as strings).
import type { AgentID, Call, Filters, FrameworkInfo, Operation, TaskInfo, TaskStatus } from './types';

const value = (v: string): { value: string } => ({ value: v });

function requireFrameworkId(frameworkId: string, type: string): { value: string } {
  if (!frameworkId) throw new Error(`${type} needs a framework id: subscribe first (every call but SUBSCRIBE carries framework_id)`);
  return value(frameworkId);
}

function withFilters<T extends object>(body: T, filters?: Filters): T & { filters?: Filters } {
  return filters ? { ...body, filters } : body;
}

/**
 * SUBSCRIBE. When frameworkInfo.id is set (re-subscribing), the top-level framework_id must equal it,
 * or the master answers 400 "'framework_id' differs from 'subscribe.framework_info.id'".
 */
export function subscribeCall(frameworkInfo: FrameworkInfo): Call {
  if (!frameworkInfo.user) throw new Error('FrameworkInfo.user is required over HTTP: set the user the tasks run as');
  if (!frameworkInfo.name) throw new Error('FrameworkInfo.name is required: give the framework a name');
  const id = frameworkInfo.id?.value;
  const info: FrameworkInfo = { ...frameworkInfo };
  if (!id) delete info.id;
  return id
    ? { type: 'SUBSCRIBE', framework_id: value(id), subscribe: { framework_info: info } }
    : { type: 'SUBSCRIBE', subscribe: { framework_info: info } };
}

export function acceptCall(frameworkId: string, offerIds: string[], operations: Operation[], filters?: Filters): Call {
  // Built directly, not through withFilters' copy: a round of ten thousand TaskManagers makes one per agent.
  const offer_ids = offerIds.map(value);
  return {
    type: 'ACCEPT',
    framework_id: requireFrameworkId(frameworkId, 'ACCEPT'),
    accept: filters ? { offer_ids, operations, filters } : { offer_ids, operations },
  };
}

/** ACCEPT with one LAUNCH operation carrying every task (all offers must come from one agent). */
export function launchCall(frameworkId: string, offerIds: string[], tasks: TaskInfo[], filters?: Filters): Call {
  return acceptCall(frameworkId, offerIds, [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters);
}

/** ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: the framework's answer to the master asking for agents back. */
export function inverseOffersCall(frameworkId: string, accept: boolean, inverseOfferIds: string[], filters?: Filters): Call {
  const type = accept ? 'ACCEPT_INVERSE_OFFERS' : 'DECLINE_INVERSE_OFFERS';
  const body = withFilters({ inverse_offer_ids: inverseOfferIds.map(value) }, filters);
  return { type, framework_id: requireFrameworkId(frameworkId, type), ...(accept ? { accept_inverse_offers: body } : { decline_inverse_offers: body }) };
}

export function declineCall(frameworkId: string, offerIds: string[], filters?: Filters): Call {
  return {
    type: 'DECLINE',
    framework_id: requireFrameworkId(frameworkId, 'DECLINE'),
    decline: withFilters({ offer_ids: offerIds.map(value) }, filters),
  };
}

export function killCall(frameworkId: string, taskId: string, agentId?: string): Call {
  const kill: { task_id: { value: string }; agent_id?: AgentID } = { task_id: value(taskId) };
  if (agentId) kill.agent_id = value(agentId);
  return { type: 'KILL', framework_id: requireFrameworkId(frameworkId, 'KILL'), kill };
}

/** ACKNOWLEDGE echoes the update's base64 uuid unchanged; undefined when the status carries no uuid (never acknowledge those). */
export function acknowledgeCall(frameworkId: string, status: TaskStatus): Call | undefined {
  if (!status.uuid) return undefined;
  if (!status.agent_id?.value) throw new Error(`cannot acknowledge the update of task ${status.task_id.value}: it carries a uuid but no agent_id`);
  return {
    type: 'ACKNOWLEDGE',
    framework_id: requireFrameworkId(frameworkId, 'ACKNOWLEDGE'),
    acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
  };
}

/** RECONCILE; an empty list asks for every task the master knows of this framework. */
export function reconcileCall(frameworkId: string, tasks: { taskId: string; agentId?: string }[]): Call {
  return {
    type: 'RECONCILE',
    framework_id: requireFrameworkId(frameworkId, 'RECONCILE'),
    reconcile: {
      tasks: tasks.map((t) => (t.agentId ? { task_id: value(t.taskId), agent_id: value(t.agentId) } : { task_id: value(t.taskId) })),
    },
  };
}

/** REVIVE takes `revive.roles` (a list; empty or absent means every role), not the `role` of the Mesos docs. */
export function reviveCall(frameworkId: string, roles?: string[]): Call {
  const call: Call = { type: 'REVIVE', framework_id: requireFrameworkId(frameworkId, 'REVIVE') };
  if (roles && roles.length > 0) call.revive = { roles };
  return call;
}

export function suppressCall(frameworkId: string, roles?: string[]): Call {
  const call: Call = { type: 'SUPPRESS', framework_id: requireFrameworkId(frameworkId, 'SUPPRESS') };
  if (roles && roles.length > 0) call.suppress = { roles };
  return call;
}

/** TEARDOWN ends the framework and all its tasks; its id can never subscribe again. */
export function teardownCall(frameworkId: string): Call {
  return { type: 'TEARDOWN', framework_id: requireFrameworkId(frameworkId, 'TEARDOWN') };
}
