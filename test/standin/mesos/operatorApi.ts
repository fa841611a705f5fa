// The stand-in master's operator API (POST /api/v1 and the v0 /master/state): the GET_* views of frameworks, tasks and
// agents, and the operator's calls, in the field names and order a real Mesos 1.12 master answers with.
import type { ServerResponse } from 'node:http';
import type { Resource } from '../../../src/core/mesos/types';
import type { Framework, MasterTask, MesosMaster } from './MesosMaster';
import { idOf, isObject, type Json } from './mesosJson';
import { attributesJson, attributesV0 } from './attributes';
import { replyEmpty, replyJson, replyText } from './httpReplies';
import { drainFields, maintenanceCall } from './maintenance';
import { add, emptyResources, isEmpty, toResources, type ResourceSet } from './resources';

const nowNs = (): number => Date.now() * 1e6;

function taskJson(master: MesosMaster, t: MasterTask): Json {
  const last = t.statuses[t.statuses.length - 1];
  const queued = t.queue[0];
  return {
    name: t.info.name, task_id: { value: t.info.task_id.value }, framework_id: { value: t.frameworkId }, agent_id: { value: t.agentId },
    state: t.state,
    resources: (t.info.resources ?? []).map((r) => ({ name: r.name, type: r.type, ...(r.scalar ? { scalar: r.scalar } : {}), ...(r.ranges ? { ranges: r.ranges } : {}), allocation_info: { role: t.role } })),
    statuses: t.statuses,
    ...(last ? { status_update_state: (queued ?? last).state } : {}),
    ...((queued ?? last)?.uuid ? { status_update_uuid: (queued ?? last).uuid } : {}),
    ...(t.info.container ? { container: t.info.container } : {}),
  };
}

export function getTasks(master: MesosMaster): Json {
  const tasks: Json[] = [];
  const completed: Json[] = [];
  const unreachable: Json[] = [];
  for (const fw of [...master.frameworks.values(), ...master.completedFrameworks]) {
    for (const t of fw.tasks.values()) (t.unreachableTime !== undefined ? unreachable : tasks).push({ ...taskJson(master, t), ...(t.unreachableTime !== undefined ? { state: 'TASK_UNREACHABLE' } : {}) });
    for (const t of fw.completedTasks) completed.push(taskJson(master, t));
  }
  return { tasks, unreachable_tasks: unreachable, completed_tasks: completed };
}

function frameworkJson(master: MesosMaster, fw: Framework, completed: boolean): Json {
  const offers = [...master.offers.values()].filter((o) => o.frameworkId === fw.id);
  let allocated = emptyResources();
  for (const t of fw.tasks.values()) if (!t.released) allocated = add(allocated, t.resources);
  const offered = offers.reduce((acc, o) => add(acc, o.resources), emptyResources());
  const withAlloc = (list: Resource[], role: string): Resource[] => list.map((r) => ({ ...r, allocation_info: { role } }));
  return {
    framework_info: fw.info, active: fw.active, connected: fw.connected, recovered: false,
    registered_time: { nanoseconds: fw.registeredTime }, reregistered_time: { nanoseconds: fw.reregisteredTime },
    ...(completed ? { unregistered_time: { nanoseconds: fw.unregisteredTime ?? nowNs() } } : {}),
    ...(!completed && offers.length ? { offers: offers.map((o) => ({ ...master.offerJson(o), resources: withAlloc(toResources(o.resources), o.role ?? '*'), allocation_info: { role: o.role ?? '*' } })) } : {}),
    ...(!completed && !isEmpty(allocated) ? { allocated_resources: withAlloc(scalarsFirst(allocated), '*') } : {}),
    ...(!completed && !isEmpty(offered) ? { offered_resources: withAlloc(toResources(offered), '*') } : {}),
    offer_constraints: {},
  };
}

export function getFrameworks(master: MesosMaster): Json {
  return {
    frameworks: [...master.frameworks.values()].map((f) => frameworkJson(master, f, false)),
    completed_frameworks: master.completedFrameworks.map((f) => frameworkJson(master, f, true)),
  };
}

export function getAgents(master: MesosMaster): Json {
  return {
    agents: [...master.agents.values()].map((rec) => {
      const a = rec.agent;
      const attributes = attributesJson(a.attributes);
      const offered = master.offeredOn(a.id);
      const drain = drainFields(master, a.id);
      const plain = scalarsFirst(a.resources).map(({ role: _r, ...rest }) => rest);
      return {
        agent_info: { hostname: a.hostname, port: a.port, resources: plain, ...(attributes.length ? { attributes } : {}), id: { value: a.id }, checkpoint: true },
        active: drain.active, deactivated: drain.deactivated, version: '1.12.0', pid: `slave(1)@${a.hostname}:${a.port}`,
        registered_time: { nanoseconds: rec.registeredTime },
        total_resources: scalarsFirst(a.resources),
        ...(!isEmpty(rec.allocated) ? { allocated_resources: scalarsFirst(rec.allocated).map((r) => ({ ...r, allocation_info: { role: '*' } })) } : {}),
        ...(!isEmpty(offered) ? { offered_resources: toResources(offered).map((r) => ({ ...r, allocation_info: { role: '*' } })) } : {}),
        capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME', 'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING', 'TASK_RESOURCE_LIMITS'].map((type) => ({ type })),
        ...drain.tail,
      };
    }),
    recovered_agents: [],
  };
}

/** POST /api/v1 on the leader. */
export function operatorCall(master: MesosMaster, call: Json, res: ServerResponse): void {
  if (maintenanceCall(master, call, res)) return;
  switch (call.type) {
    case 'GET_HEALTH': return replyJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_VERSION': return replyJson(res, 200, { type: 'GET_VERSION', get_version: { version_info: { version: '1.12.0', build_date: '2026-11-24 13:44:30', build_time: 1795527870, build_user: '' } } });
    case 'GET_MASTER': return replyJson(res, 200, { type: 'GET_MASTER', get_master: { master_info: master.masterInfo(), start_time: master.startTime, elected_time: master.electedTime } });
    case 'GET_FLAGS': return replyJson(res, 200, { type: 'GET_FLAGS', get_flags: { flags: [
      { name: 'allocation_interval', value: `${master.opts.allocationIntervalMs}ms` }, { name: 'authenticate_http_frameworks', value: 'false' },
      { name: 'registry', value: 'in_memory' }, { name: 'version', value: 'false' },
    ] } });
    case 'GET_TASKS': return replyJson(res, 200, { type: 'GET_TASKS', get_tasks: getTasks(master) });
    case 'GET_FRAMEWORKS': return replyJson(res, 200, { type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(master) });
    case 'GET_AGENTS': return replyJson(res, 200, { type: 'GET_AGENTS', get_agents: getAgents(master) });
    case 'GET_EXECUTORS': return replyJson(res, 200, { type: 'GET_EXECUTORS', get_executors: { executors: [] } });
    case 'GET_STATE': return replyJson(res, 200, {
      type: 'GET_STATE',
      get_state: { get_tasks: getTasks(master), get_executors: { executors: [] }, get_frameworks: getFrameworks(master), get_agents: getAgents(master) },
    });
    case 'TEARDOWN': {
      const id = isObject(call.teardown) ? idOf(call.teardown.framework_id) : undefined;
      if (!id) return replyText(res, 400, "Failed to validate master::Call: Expecting 'teardown' to be present");
      const fw = master.frameworks.get(id);
      if (!fw) return replyText(res, 400, 'No framework found with specified ID');
      master.removeFramework(fw);
      return replyEmpty(res, 200);
    }
    default: return replyEmpty(res, 501);
  }
}

/** The v0 `/master/state` JSON (the web UI's view), in a reduced but real shape. */
export function stateV0(master: MesosMaster): Json {
  const l = master.masterInfo();
  const fwV0 = (fw: Framework): Json => ({
    id: fw.id, name: fw.info.name, user: fw.info.user, hostname: fw.info.hostname ?? '', webui_url: fw.info.webui_url ?? '',
    active: fw.active, connected: fw.connected, recovered: false, failover_timeout: fw.info.failover_timeout ?? 0, checkpoint: fw.info.checkpoint ?? false,
    role: fw.roles[0] ?? '*', roles: fw.roles, capabilities: [...fw.capabilities], registered_time: fw.registeredTime / 1e9,
    unregistered_time: (fw.unregisteredTime ?? 0) / 1e9, principal: fw.principal,
    tasks: [...fw.tasks.values()].map((t) => ({ id: t.info.task_id.value, name: t.info.name, framework_id: fw.id, executor_id: '', slave_id: t.agentId, state: t.state, statuses: t.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp })) })),
    completed_tasks: fw.completedTasks.map((t) => ({ id: t.info.task_id.value, name: t.info.name, framework_id: fw.id, slave_id: t.agentId, state: t.state })),
    offers: [], executors: [],
  });
  return {
    version: '1.12.0', build_date: '2026-11-24 13:44:30', build_time: 1795527870, build_user: '', start_time: master.startTime, elected_time: master.electedTime,
    id: l.id, pid: l.pid, hostname: l.hostname, capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: master.agents.size, deactivated_slaves: 0, unreachable_slaves: 0, leader: l.pid, leader_info: l, log_dir: '', flags: {},
    slaves: [...master.agents.values()].map((r) => ({ id: r.agent.id, hostname: r.agent.hostname, port: r.agent.port, pid: `slave(1)@${r.agent.hostname}:${r.agent.port}`, attributes: attributesV0(r.agent.attributes), active: true, version: '1.12.0' })),
    recovered_slaves: [], frameworks: [...master.frameworks.values()].map(fwV0), completed_frameworks: master.completedFrameworks.map(fwV0),
    orphan_tasks: [], unregistered_frameworks: [],
  };
}

/** cpus, mem, disk, then ports: the order of agent totals and allocations in the operator API. */
function scalarsFirst(s: ResourceSet): Resource[] {
  const r = toResources(s);
  return [...r.filter((x) => x.name !== 'ports'), ...r.filter((x) => x.name === 'ports')];
}
