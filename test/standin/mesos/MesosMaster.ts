// The stand-in master's brain: frameworks, streams, the allocator, offers, task validation, status update
// streams with acknowledgements, reconciliation, failover and teardown, as a real Mesos 1.12 master answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type {
  FrameworkInfo, MasterInfo, Offer, Resource, TaskInfo, TaskState, TaskStatus,
} from '../../../src/core/mesos/types';
import { TERMINAL_TASK_STATES } from '../../../src/core/mesos/types';
import type { AgentLink, MesosAgent } from './MesosAgent';
import { idOf, isObject, recordIo, type Json } from './mesosJson';
import { attributesJson, attributesV0 } from './attributes';
import { openStream, replyEmpty, replyJson, replyText } from './httpReplies';
import { holdUpdate, unreachableReconcileStatus } from './agentPartitions';
import {
  add, contains, formatResourceList, formatResourceSet, fromResources, isAllocatable, isEmpty, subtract, toResources,
  emptyResources, type ResourceSet,
} from './resources';

export interface MesosMasterOptions {
  heartbeatSeconds: number;
  allocationIntervalMs: number;
  offerTimeoutMs?: number;
  updateRetryMs: number;
  /** agent_ping_timeout x max_agent_ping_timeouts: how long a silent agent stays registered before it is marked unreachable. */
  agentPingTimeoutMs?: number;
  /** The master's --roles (a role whitelist, deprecated in Mesos but still honoured): frameworks with another role are refused. */
  roleWhitelist?: string[];
}

interface Stream {
  id: string;
  res: ServerResponse;
  heartbeat?: NodeJS.Timeout;
  open: boolean;
}

interface Filter { expiresAt: number; resources: ResourceSet }

export interface MasterTask {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  state: TaskState;
  /** Every status the master has seen for the task (agent updates and master decisions). */
  statuses: TaskStatus[];
  resources: ResourceSet;
  released: boolean;
  /** The agent's status update stream: the head is in flight until acknowledged. */
  queue: TaskStatus[];
  retryTimer?: NodeJS.Timeout;
  role: string;
  /** Set while its agent is unreachable (nanoseconds, as Mesos' unreachable_time). */
  unreachableTime?: number;
}

export interface Framework {
  id: string;
  info: FrameworkInfo;
  principal?: string;
  connected: boolean;
  active: boolean;
  stream?: Stream;
  registeredTime: number;
  reregisteredTime: number;
  unregisteredTime?: number;
  /** Roles for which SUPPRESS (or SUBSCRIBE.suppressed_roles) stopped offers until a REVIVE. */
  suppressedRoles: Set<string>;
  /** Offer filters per role and agent (DECLINE and the unused part of ACCEPT), keyed by filterKey(). */
  filters: Map<string, Filter>;
  failoverTimer?: NodeJS.Timeout;
  tasks: Map<string, MasterTask>;
  completedTasks: MasterTask[];
  capabilities: Set<string>;
  roles: string[];
  roleTurn: number;
  lastOffered: number;
  heartbeatsStopped: boolean;
}

export interface AgentRecord {
  agent: MesosAgent;
  registeredTime: number;
  allocated: ResourceSet;
}

export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: ResourceSet;
  role?: string;
  timer?: NodeJS.Timeout;
}

const nowNs = (): number => Date.now() * 1e6;
const filterKey = (role: string, agentId: string): string => `${role}\n${agentId}`;
const isTerminal = (s: TaskState): boolean => TERMINAL_TASK_STATES.has(s);
const MAX_UPDATE_RETRY_MS = 10 * 60 * 1000;

/** `127.0.0.1` as Mesos' MasterInfo.ip: the address bytes read as a little-endian uint32. */
export function ipAsUint32(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] | (p[1] << 8) | (p[2] << 16)) + p[3] * 2 ** 24) >>> 0;
}

export class MesosMaster implements AgentLink {
  readonly id = randomUUID();
  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks: Framework[] = [];
  private readonly removedFrameworkIds = new Set<string>();
  readonly agents = new Map<string, AgentRecord>();
  /** Agents marked unreachable (their health checks failed), kept for when they re-register; see agentPartitions.ts. */
  readonly unreachableAgents = new Map<string, AgentRecord & { heldUpdates: { frameworkId: string; status: TaskStatus }[] }>();
  /** Agents whose health checks fail from now on (partitioned), with the timer that marks them unreachable. */
  readonly silentAgents = new Map<string, NodeJS.Timeout | undefined>();
  private readonly removedAgentIds = new Set<string>();
  readonly offers = new Map<string, OfferRecord>();
  private frameworkSeq = 0;
  private offerSeq = 0;
  private offerTurn = 0;
  private allocationTimer?: NodeJS.Timeout;
  private allocationScheduled = false;
  readonly startTime = Date.now() / 1000;
  electedTime = Date.now() / 1000;
  /** The leading master's address, or undefined while there is no leader (no offers are made then). */
  leader?: { hostname: string; port: number; id: string };

  constructor(readonly opts: MesosMasterOptions) {}

  start(): void {
    this.allocationTimer = setInterval(() => this.allocate(), this.opts.allocationIntervalMs);
    this.allocationTimer.unref();
  }

  stop(): void {
    if (this.allocationTimer) clearInterval(this.allocationTimer);
    for (const fw of this.frameworks.values()) {
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      for (const t of fw.tasks.values()) if (t.retryTimer) clearTimeout(t.retryTimer);
      this.closeStream(fw);
    }
    for (const o of this.offers.values()) if (o.timer) clearTimeout(o.timer);
  }

  masterInfo(): MasterInfo {
    const l = this.leader ?? { hostname: '127.0.0.1', port: 0, id: this.id };
    return {
      id: l.id, ip: ipAsUint32(l.hostname), port: l.port, pid: `master@${l.hostname}:${l.port}`, hostname: l.hostname, version: '1.12.0',
      address: { hostname: l.hostname, ip: l.hostname, port: l.port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    };
  }

  addAgent(agent: MesosAgent): void {
    this.agents.set(agent.id, { agent, registeredTime: nowNs(), allocated: emptyResources() });
    this.scheduleAllocation();
  }

  // ---------------- streams ----------------

  send(fw: Framework, event: Json): void {
    if (fw.stream?.open) fw.stream.res.write(recordIo(event));
  }

  private closeStream(fw: Framework, lastEvent?: Json): void {
    const s = fw.stream;
    if (!s) return;
    fw.stream = undefined;
    if (s.heartbeat) clearInterval(s.heartbeat);
    if (s.open) {
      s.open = false;
      if (lastEvent) s.res.write(recordIo(lastEvent));
      s.res.end();
    }
  }

  /** Fault: the stream breaks without a word (the TCP connection is dropped). */
  dropStream(frameworkId?: string): number {
    let n = 0;
    for (const fw of [...this.frameworks.values()]) {
      if (frameworkId && fw.id !== frameworkId) continue;
      if (!fw.stream) continue;
      const s = fw.stream;
      s.open = false;
      s.res.destroy();
      n++;
      this.disconnect(fw, s);
    }
    return n;
  }

  setHeartbeats(on: boolean, frameworkId?: string): void {
    for (const fw of this.frameworks.values()) if (!frameworkId || fw.id === frameworkId) fw.heartbeatsStopped = !on;
  }

  /** Every stream ends (leader change, master restart): frameworks become disconnected and must re-subscribe. */
  dropAllStreams(): void {
    this.dropStream();
  }

  subscribe(call: Json, res: ServerResponse, principal: string | undefined): void {
    const info = (call.subscribe as Json).framework_info as FrameworkInfo;
    const requestedId = idOf(info.id);
    const caps = new Set((info.capabilities ?? []).map((c) => c.type));
    const refuse = (message: string): void => {
      openStream(res, randomUUID());
      res.write(recordIo({ type: 'ERROR', error: { message } }));
      res.end();
    };
    // validation::framework::validate and Master::validateFramework come before the "removed" check, as in Master::subscribe.
    const suppressedRoles = (call.subscribe as Json).suppressed_roles;
    const invalid = validateFrameworkRoles(info, caps.has('MULTI_ROLE'), Array.isArray(suppressedRoles) ? suppressedRoles.map(String) : []);
    if (invalid) return refuse(invalid);
    // Master::validateFrameworkSubscription: every role must be on the --roles whitelist when there is one (text from Mesos' source).
    if (this.opts.roleWhitelist) {
      const roles = caps.has('MULTI_ROLE') ? (info.roles ?? []) : [info.role ?? '*'];
      const missing = [...new Set(roles)].filter((r) => r !== '*' && !this.opts.roleWhitelist?.includes(r)).sort();
      if (missing.length > 0) return refuse(`Roles ${stringifySet(missing)} are not present in master's --roles`);
    }
    if (requestedId && this.removedFrameworkIds.has(requestedId)) return refuse('Framework has been removed');
    let fw = requestedId ? this.frameworks.get(requestedId) : undefined;
    const now = nowNs();
    if (!fw) {
      const id = requestedId ?? `${this.id}-${String(this.frameworkSeq++).padStart(4, '0')}`;
      fw = {
        id, info, connected: false, active: false, registeredTime: now, reregisteredTime: now, suppressedRoles: new Set(), filters: new Map(),
        tasks: new Map(), completedTasks: [], capabilities: caps, roles: [], roleTurn: 0, lastOffered: 0, heartbeatsStopped: false,
      };
      this.frameworks.set(id, fw);
    } else {
      if (fw.stream) this.closeStream(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
      if (fw.failoverTimer) { clearTimeout(fw.failoverTimer); fw.failoverTimer = undefined; }
      fw.reregisteredTime = now;
      fw.capabilities = caps;
    }
    const { id: _id, user: _user, name: _name, failover_timeout: _fo, checkpoint: _cp, ...rest } = info;
    fw.info = {
      user: info.user, name: info.name, id: { value: fw.id }, failover_timeout: info.failover_timeout ?? 0, checkpoint: info.checkpoint ?? false,
      ...rest,
    };
    fw.principal = info.principal ?? principal;
    if (principal && !info.principal) fw.info.principal = principal;
    // protobuf::framework::getRoles: a MULTI_ROLE framework has exactly its `roles` (none: it gets no offers).
    fw.roles = caps.has('MULTI_ROLE') ? [...(info.roles ?? [])] : [info.role ?? '*'];
    fw.roleTurn = 0;
    fw.suppressedRoles = new Set(Array.isArray(suppressedRoles) ? suppressedRoles.map(String) : []);
    const stream: Stream = { id: randomUUID(), res, open: true };
    fw.stream = stream;
    fw.connected = true;
    fw.active = true;
    openStream(res, stream.id);
    const framework = fw;
    res.on('close', () => {
      if (stream.open) {
        stream.open = false;
        this.disconnect(framework, stream);
      }
    });
    this.send(fw, {
      type: 'SUBSCRIBED',
      subscribed: { framework_id: { value: fw.id }, heartbeat_interval_seconds: this.opts.heartbeatSeconds, master_info: this.masterInfo() },
    });
    this.send(fw, { type: 'HEARTBEAT' });
    stream.heartbeat = setInterval(() => { if (!framework.heartbeatsStopped) this.send(framework, { type: 'HEARTBEAT' }); }, this.opts.heartbeatSeconds * 1000);
    // Updates not yet acknowledged are sent again at once on the new stream.
    for (const t of fw.tasks.values()) if (t.queue.length) this.deliverHead(fw, t);
    this.scheduleAllocation();
  }

  private disconnect(fw: Framework, stream: Stream): void {
    if (fw.stream !== stream) return;
    if (stream.heartbeat) clearInterval(stream.heartbeat);
    fw.stream = undefined;
    fw.connected = false;
    fw.active = false;
    for (const o of [...this.offers.values()]) if (o.frameworkId === fw.id) this.removeOffer(o);
    const timeoutMs = Math.max(0, Number(fw.info.failover_timeout ?? 0) * 1000);
    if (timeoutMs <= 0) this.removeFramework(fw);
    else {
      fw.failoverTimer = setTimeout(() => this.removeFramework(fw), timeoutMs);
      fw.failoverTimer.unref();
    }
  }

  /** TEARDOWN or failover timeout: tasks are killed (TASK_KILLED, REASON_FRAMEWORK_REMOVED, not sent) and the id is retired. */
  removeFramework(fw: Framework): void {
    if (!this.frameworks.has(fw.id)) return;
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    this.closeStream(fw);
    fw.connected = false;
    fw.active = false;
    for (const t of fw.tasks.values()) {
      if (t.retryTimer) clearTimeout(t.retryTimer);
      t.queue = [];
      if (!isTerminal(t.state)) {
        this.agents.get(t.agentId)?.agent.destroy(fw.id, t.info.task_id.value);
        const status = this.masterStatus(t.info.task_id.value, 'TASK_KILLED', `Framework ${fw.id} removed`, 'REASON_FRAMEWORK_REMOVED', t.agentId);
        t.statuses.push(status);
        t.state = 'TASK_KILLED';
        this.release(t);
      }
      fw.completedTasks.push(t);
    }
    fw.tasks.clear();
    for (const o of [...this.offers.values()]) if (o.frameworkId === fw.id) this.removeOffer(o);
    fw.unregisteredTime = nowNs();
    this.frameworks.delete(fw.id);
    this.completedFrameworks.push(fw);
    this.removedFrameworkIds.add(fw.id);
  }

  // ---------------- calls ----------------

  /** Every call but SUBSCRIBE, after transport, validation, framework and stream-id checks. */
  handleCall(fw: Framework, call: Json, res: ServerResponse): void {
    switch (call.type) {
      case 'TEARDOWN':
        this.removeFramework(fw);
        return replyEmpty(res, 202);
      case 'ACCEPT':
        this.accept(fw, call.accept as Json);
        return replyEmpty(res, 202);
      case 'DECLINE': {
        const d = call.decline as Json;
        this.decline(fw, (Array.isArray(d.offer_ids) ? d.offer_ids : []).map(idOf), this.refuseSeconds(d.filters));
        return replyEmpty(res, 202);
      }
      case 'REVIVE': {
        const roles = this.callRoles(fw, call.revive);
        if (roles) {
          for (const role of roles) {
            fw.suppressedRoles.delete(role);
            for (const key of [...fw.filters.keys()]) if (key.startsWith(filterKey(role, ''))) fw.filters.delete(key);
          }
          this.scheduleAllocation();
        }
        return replyEmpty(res, 202);
      }
      case 'SUPPRESS': {
        const roles = this.callRoles(fw, call.suppress);
        if (roles) for (const role of roles) fw.suppressedRoles.add(role);
        return replyEmpty(res, 202);
      }
      case 'KILL':
        this.kill(fw, call.kill as Json);
        return replyEmpty(res, 202);
      case 'ACKNOWLEDGE':
        this.acknowledge(fw, call.acknowledge as Json);
        return replyEmpty(res, 202);
      case 'RECONCILE':
        this.reconcile(fw, call.reconcile as Json);
        return replyEmpty(res, 202);
      case 'UNKNOWN':
        return replyEmpty(res, 501);
      default:
        return replyEmpty(res, 202);
    }
  }

  /**
   * The roles a REVIVE or SUPPRESS applies to: its `roles`, or every role of the framework when empty. Undefined when
   * the master drops the call (still 202): one role is invalid or not one the framework subscribed with.
   */
  private callRoles(fw: Framework, body: unknown): string[] | undefined {
    const roles = isObject(body) && Array.isArray(body.roles) ? body.roles.map(String) : [];
    for (const role of roles) if (validateRole(role) !== undefined || !fw.roles.includes(role)) return undefined;
    return roles.length > 0 ? roles : [...fw.roles];
  }

  private refuseSeconds(filters: unknown): number {
    if (isObject(filters) && filters.refuse_seconds !== undefined) return Number(filters.refuse_seconds);
    return 5;
  }

  masterStatus(taskId: string, state: TaskState, message: string, reason: string, agentId?: string, containerStatus?: unknown): TaskStatus {
    return {
      task_id: { value: taskId }, state, message, source: 'SOURCE_MASTER', reason,
      ...(agentId !== undefined ? { agent_id: { value: agentId } } : {}),
      timestamp: Date.now() / 1000,
      ...(containerStatus !== undefined ? { container_status: containerStatus } : {}),
    };
  }

  sendMasterUpdate(fw: Framework, status: TaskStatus): void {
    this.send(fw, { type: 'UPDATE', update: { status } });
  }

  private accept(fw: Framework, accept: Json): void {
    const offerIds = (Array.isArray(accept.offer_ids) ? accept.offer_ids : []).map((o) => idOf(o) ?? '');
    const operations = Array.isArray(accept.operations) ? (accept.operations as Json[]) : [];
    const refuse = this.refuseSeconds(accept.filters);
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
    if (!offerError) for (const id of offerIds) if (!this.offers.has(id)) { offerError = `Offer ${id} is no longer valid`; break; }
    if (!offerError) {
      for (const id of offerIds) {
        const o = this.offers.get(id)!;
        if (o.frameworkId !== fw.id) { offerError = `Offer ${id} has invalid framework ${o.frameworkId} while framework ${fw.id} is expected`; break; }
      }
    }
    if (!offerError && offerIds.length > 0) {
      const first = this.offers.get(offerIds[0])!;
      for (const id of offerIds.slice(1)) {
        const o = this.offers.get(id)!;
        if (o.agentId !== first.agentId) {
          offerError = `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${o.agentId} and agent ${first.agentId}`;
          break;
        }
      }
    }
    const records = offerIds.map((id) => this.offers.get(id)).filter((o): o is OfferRecord => !!o);
    for (const o of records) this.removeOffer(o);
    if (offerError) {
      for (const t of tasks) {
        this.sendMasterUpdate(fw, this.masterStatus(t.task_id?.value ?? '', 'TASK_LOST', `Task launched with invalid offers: ${offerError}`,
          'REASON_INVALID_OFFERS', idOf(t.agent_id)));
      }
      this.scheduleAllocationSoon();
      return;
    }
    if (records.length === 0) return;
    const agentId = records[0].agentId;
    const role = records[0].role ?? '*';
    let available = records.reduce((acc, o) => add(acc, o.resources), emptyResources());
    const agentRec = this.agents.get(agentId);
    const launchedNow = new Set<string>();
    for (const t of tasks) {
      const error = this.validateTask(fw, t, agentId, available, launchedNow, role);
      const taskId = t.task_id?.value ?? '';
      if (error) {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_ERROR', error, 'REASON_TASK_INVALID', idOf(t.agent_id)));
        continue;
      }
      if (!agentRec) {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_LOST', `Agent ${agentId} removed`, 'REASON_AGENT_REMOVED', agentId));
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

  private validateTask(fw: Framework, t: TaskInfo, agentId: string, available: ResourceSet, launchedNow: Set<string>, role: string): string | undefined {
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

  private decline(fw: Framework, ids: (string | undefined)[], refuseSeconds: number): void {
    for (const id of ids) {
      const o = id ? this.offers.get(id) : undefined;
      if (!o || o.frameworkId !== fw.id) continue;
      this.removeOffer(o);
      if (refuseSeconds > 0) {
        fw.filters.set(filterKey(o.role ?? fw.roles[0] ?? '*', o.agentId), { expiresAt: Date.now() + refuseSeconds * 1000, resources: o.resources });
      }
    }
  }

  private kill(fw: Framework, kill: Json): void {
    const taskId = idOf(kill.task_id) ?? '';
    const agentId = idOf(kill.agent_id);
    const task = fw.tasks.get(taskId);
    if (!task) {
      if (agentId && this.agents.has(agentId)) {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId));
      } else {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId));
      }
      return;
    }
    if (isTerminal(task.state)) return;
    const policy = isObject(kill.kill_policy) ? kill.kill_policy : (task.info as unknown as Json).kill_policy;
    let graceMs: number | undefined;
    if (isObject(policy) && isObject(policy.grace_period) && policy.grace_period.nanoseconds !== undefined) {
      graceMs = Number(policy.grace_period.nanoseconds) / 1e6;
    }
    this.agents.get(task.agentId)?.agent.kill(fw.id, taskId, { killingState: fw.capabilities.has('TASK_KILLING_STATE'), gracePeriodMs: graceMs });
  }

  private acknowledge(fw: Framework, ack: Json): void {
    const taskId = idOf(ack.task_id) ?? '';
    const task = fw.tasks.get(taskId);
    if (!task || idOf(ack.agent_id) !== task.agentId) return;
    const head = task.queue[0];
    if (!head?.uuid || !Buffer.from(head.uuid, 'base64').equals(Buffer.from(String(ack.uuid), 'base64'))) return;
    task.queue.shift();
    if (task.retryTimer) { clearTimeout(task.retryTimer); task.retryTimer = undefined; }
    if (isTerminal(head.state)) {
      fw.tasks.delete(taskId);
      fw.completedTasks.push(task);
      return;
    }
    if (task.queue.length) this.deliverHead(fw, task);
  }

  private reconcileStatus(t: MasterTask): TaskStatus {
    if (t.unreachableTime !== undefined) return unreachableReconcileStatus(this, t);
    const latest = t.statuses[t.statuses.length - 1];
    return this.masterStatus(t.info.task_id.value, t.state, 'Reconciliation: Latest task state', 'REASON_RECONCILIATION', t.agentId, latest?.container_status);
  }

  private reconcile(fw: Framework, rec: Json): void {
    const list = Array.isArray(rec.tasks) ? (rec.tasks as Json[]) : [];
    if (list.length === 0) {
      // Implicit reconciliation leaves unreachable tasks out (recorded: no update for them).
      for (const t of fw.tasks.values()) if (t.unreachableTime === undefined) this.sendMasterUpdate(fw, this.reconcileStatus(t));
      return;
    }
    for (const entry of list) {
      const taskId = idOf(entry.task_id) ?? '';
      const agentId = idOf(entry.agent_id);
      const t = fw.tasks.get(taskId);
      if (t) this.sendMasterUpdate(fw, this.reconcileStatus(t));
      else if (agentId && this.agents.has(agentId)) {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown to the agent', 'REASON_RECONCILIATION', agentId));
      } else {
        this.sendMasterUpdate(fw, this.masterStatus(taskId, 'TASK_LOST', 'Reconciliation: Task is unknown', 'REASON_RECONCILIATION', agentId));
      }
    }
  }

  // ---------------- status updates from agents ----------------

  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void {
    // A partitioned agent's updates reach the master only when it re-registers.
    if (holdUpdate(this, agentId, frameworkId, status)) return;
    const fw = this.frameworks.get(frameworkId);
    const task = fw?.tasks.get(status.task_id.value);
    if (!fw || !task || task.agentId !== agentId) return;
    task.statuses.push(status);
    task.state = status.state;
    if (isTerminal(status.state)) this.release(task);
    task.queue.push(status);
    if (task.queue.length === 1) this.deliverHead(fw, task);
  }

  /** Sends the head of a task's update stream and resends it after base, 2×base, 4×base... until acknowledged. */
  private deliverHead(fw: Framework, task: MasterTask): void {
    if (task.retryTimer) clearTimeout(task.retryTimer);
    const head = task.queue[0];
    if (!head) return;
    this.send(fw, { type: 'UPDATE', update: { status: head } });
    let delay = this.opts.updateRetryMs;
    const retry = (): void => {
      if (task.queue[0] !== head) return;
      this.send(fw, { type: 'UPDATE', update: { status: head } });
      delay = Math.min(delay * 2, MAX_UPDATE_RETRY_MS);
      task.retryTimer = setTimeout(retry, delay);
      task.retryTimer.unref();
    };
    task.retryTimer = setTimeout(retry, delay);
    task.retryTimer.unref();
  }

  private release(task: MasterTask): void {
    if (task.released) return;
    task.released = true;
    const rec = this.agents.get(task.agentId);
    if (rec) rec.allocated = subtract(rec.allocated, task.resources);
  }

  /** Fault: the agent disappears; its tasks are LOST (REASON_AGENT_REMOVED) and frameworks get FAILURE. */
  removeAgent(agentId: string): MesosAgent | undefined {
    const rec = this.agents.get(agentId);
    if (!rec) return undefined;
    this.agents.delete(agentId);
    this.removedAgentIds.add(agentId);
    for (const o of [...this.offers.values()]) {
      if (o.agentId !== agentId) continue;
      const fw = this.frameworks.get(o.frameworkId);
      this.removeOffer(o);
      if (fw) this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: o.id } } });
    }
    for (const fw of this.frameworks.values()) {
      let had = false;
      for (const t of [...fw.tasks.values()]) {
        if (t.agentId !== agentId) continue;
        had = true;
        if (t.retryTimer) clearTimeout(t.retryTimer);
        t.queue = [];
        rec.agent.destroy(fw.id, t.info.task_id.value);
        const status = this.masterStatus(t.info.task_id.value, 'TASK_LOST', `Agent ${rec.agent.hostname} removed: agent lost`, 'REASON_AGENT_REMOVED', agentId);
        t.statuses.push(status);
        t.state = 'TASK_LOST';
        t.released = true;
        fw.tasks.delete(t.info.task_id.value);
        fw.completedTasks.push(t);
        this.sendMasterUpdate(fw, status);
      }
      if (had || fw.connected) this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
    return rec.agent;
  }

  findTask(taskId: string): MasterTask | undefined {
    for (const fw of this.frameworks.values()) {
      const t = fw.tasks.get(taskId);
      if (t) return t;
    }
    return undefined;
  }

  // ---------------- allocator ----------------

  removeOffer(o: OfferRecord): void {
    if (o.timer) clearTimeout(o.timer);
    this.offers.delete(o.id);
  }

  scheduleAllocation(): void {
    if (this.allocationScheduled) return;
    this.allocationScheduled = true;
    setImmediate(() => { this.allocationScheduled = false; this.allocate(); });
  }

  // Resources given back by a refused ACCEPT come back at the next allocation cycle, as on a real master.
  private scheduleAllocationSoon(): void { /* the periodic allocation picks them up */ }

  private offeredOn(agentId: string): ResourceSet {
    let s = emptyResources();
    for (const o of this.offers.values()) if (o.agentId === agentId) s = add(s, o.resources);
    return s;
  }

  allocate(): void {
    if (!this.leader) return;
    const eligible = [...this.frameworks.values()].filter((f) => f.connected && f.active && f.roles.some((r) => !f.suppressedRoles.has(r)));
    if (eligible.length === 0) return;
    const cpusOf = new Map<string, number>();
    for (const f of eligible) {
      let c = 0;
      for (const t of f.tasks.values()) if (!t.released) c += t.resources.cpus;
      cpusOf.set(f.id, c);
    }
    for (const o of this.offers.values()) cpusOf.set(o.frameworkId, (cpusOf.get(o.frameworkId) ?? 0) + o.resources.cpus);
    const batches = new Map<Framework, Offer[]>();
    const now = Date.now();
    for (const rec of this.agents.values()) {
      const agent = rec.agent;
      const avail = subtract(subtract(agent.resources, rec.allocated), this.offeredOn(agent.id));
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
      fw.lastOffered = ++this.offerTurn;
      cpusOf.set(fw.id, cpusOf.get(fw.id)! + avail.cpus);
      let role: string | undefined;
      if (fw.capabilities.has('MULTI_ROLE')) {
        // Round robin over the framework's roles, skipping suppressed and filtered ones.
        for (let i = 0; i < fw.roles.length; i++) {
          const r = fw.roles[(fw.roleTurn + i) % fw.roles.length];
          if (roleFree(fw, r)) { role = r; fw.roleTurn = (fw.roleTurn + i + 1) % fw.roles.length; break; }
        }
      }
      const offer: OfferRecord = { id: `${this.id}-O${this.offerSeq++}`, frameworkId: fw.id, agentId: agent.id, resources: avail, role };
      this.offers.set(offer.id, offer);
      if (this.opts.offerTimeoutMs !== undefined) {
        offer.timer = setTimeout(() => {
          if (!this.offers.has(offer.id)) return;
          this.removeOffer(offer);
          this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: offer.id } } });
        }, this.opts.offerTimeoutMs);
        offer.timer.unref();
      }
      const list = batches.get(fw) ?? [];
      list.push(this.offerJson(offer));
      batches.set(fw, list);
    }
    for (const [fw, offers] of batches) this.send(fw, { type: 'OFFERS', offers: { offers } });
  }

  private offerJson(o: OfferRecord): Offer {
    const agent = this.agents.get(o.agentId)!.agent;
    const attributes = attributesJson(agent.attributes);
    return {
      id: { value: o.id }, framework_id: { value: o.frameworkId }, agent_id: { value: o.agentId }, hostname: agent.hostname,
      url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip || agent.hostname, port: agent.port }, path: '/slave(1)' },
      resources: toResources(o.resources, o.role),
      ...(attributes.length ? { attributes } : {}),
      ...(o.role !== undefined ? { allocation_info: { role: o.role } } : {}),
    };
  }

  // ---------------- operator API ----------------

  private taskJson(t: MasterTask): Json {
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

  getTasks(): Json {
    const tasks: Json[] = [];
    const completed: Json[] = [];
    const unreachable: Json[] = [];
    for (const fw of [...this.frameworks.values(), ...this.completedFrameworks]) {
      for (const t of fw.tasks.values()) (t.unreachableTime !== undefined ? unreachable : tasks).push({ ...this.taskJson(t), ...(t.unreachableTime !== undefined ? { state: 'TASK_UNREACHABLE' } : {}) });
      for (const t of fw.completedTasks) completed.push(this.taskJson(t));
    }
    return { tasks, unreachable_tasks: unreachable, completed_tasks: completed };
  }

  private frameworkJson(fw: Framework, completed: boolean): Json {
    const offers = [...this.offers.values()].filter((o) => o.frameworkId === fw.id);
    let allocated = emptyResources();
    for (const t of fw.tasks.values()) if (!t.released) allocated = add(allocated, t.resources);
    const offered = offers.reduce((acc, o) => add(acc, o.resources), emptyResources());
    const withAlloc = (list: Resource[], role: string): Resource[] => list.map((r) => ({ ...r, allocation_info: { role } }));
    return {
      framework_info: fw.info, active: fw.active, connected: fw.connected, recovered: false,
      registered_time: { nanoseconds: fw.registeredTime }, reregistered_time: { nanoseconds: fw.reregisteredTime },
      ...(completed ? { unregistered_time: { nanoseconds: fw.unregisteredTime ?? nowNs() } } : {}),
      ...(!completed && offers.length ? { offers: offers.map((o) => ({ ...this.offerJson(o), resources: withAlloc(toResources(o.resources), o.role ?? '*'), allocation_info: { role: o.role ?? '*' } })) } : {}),
      ...(!completed && !isEmpty(allocated) ? { allocated_resources: withAlloc(scalarsFirst(allocated), '*') } : {}),
      ...(!completed && !isEmpty(offered) ? { offered_resources: withAlloc(toResources(offered), '*') } : {}),
      offer_constraints: {},
    };
  }

  getFrameworks(): Json {
    return {
      frameworks: [...this.frameworks.values()].map((f) => this.frameworkJson(f, false)),
      completed_frameworks: this.completedFrameworks.map((f) => this.frameworkJson(f, true)),
    };
  }

  getAgents(): Json {
    return {
      agents: [...this.agents.values()].map((rec) => {
        const a = rec.agent;
        const attributes = attributesJson(a.attributes);
        const offered = this.offeredOn(a.id);
        const plain = scalarsFirst(a.resources).map(({ role: _r, ...rest }) => rest);
        return {
          agent_info: { hostname: a.hostname, port: a.port, resources: plain, ...(attributes.length ? { attributes } : {}), id: { value: a.id }, checkpoint: true },
          active: true, deactivated: false, version: '1.12.0', pid: `slave(1)@${a.hostname}:${a.port}`,
          registered_time: { nanoseconds: rec.registeredTime },
          total_resources: scalarsFirst(a.resources),
          ...(!isEmpty(rec.allocated) ? { allocated_resources: scalarsFirst(rec.allocated).map((r) => ({ ...r, allocation_info: { role: '*' } })) } : {}),
          ...(!isEmpty(offered) ? { offered_resources: toResources(offered).map((r) => ({ ...r, allocation_info: { role: '*' } })) } : {}),
          capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'RESOURCE_PROVIDER', 'RESIZE_VOLUME', 'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING', 'TASK_RESOURCE_LIMITS'].map((type) => ({ type })),
        };
      }),
      recovered_agents: [],
    };
  }

  /** POST /api/v1 on the leader. */
  operatorCall(call: Json, res: ServerResponse): void {
    switch (call.type) {
      case 'GET_HEALTH': return replyJson(res, 200, { type: 'GET_HEALTH', get_health: { healthy: true } });
      case 'GET_VERSION': return replyJson(res, 200, { type: 'GET_VERSION', get_version: { version_info: { version: '1.12.0', build_date: '2026-11-24 13:44:30', build_time: 1795527870, build_user: '' } } });
      case 'GET_MASTER': return replyJson(res, 200, { type: 'GET_MASTER', get_master: { master_info: this.masterInfo(), start_time: this.startTime, elected_time: this.electedTime } });
      case 'GET_FLAGS': return replyJson(res, 200, { type: 'GET_FLAGS', get_flags: { flags: [
        { name: 'allocation_interval', value: `${this.opts.allocationIntervalMs}ms` }, { name: 'authenticate_http_frameworks', value: 'false' },
        { name: 'registry', value: 'in_memory' }, { name: 'version', value: 'false' },
      ] } });
      case 'GET_TASKS': return replyJson(res, 200, { type: 'GET_TASKS', get_tasks: this.getTasks() });
      case 'GET_FRAMEWORKS': return replyJson(res, 200, { type: 'GET_FRAMEWORKS', get_frameworks: this.getFrameworks() });
      case 'GET_AGENTS': return replyJson(res, 200, { type: 'GET_AGENTS', get_agents: this.getAgents() });
      case 'GET_EXECUTORS': return replyJson(res, 200, { type: 'GET_EXECUTORS', get_executors: { executors: [] } });
      case 'GET_STATE': return replyJson(res, 200, {
        type: 'GET_STATE',
        get_state: { get_tasks: this.getTasks(), get_executors: { executors: [] }, get_frameworks: this.getFrameworks(), get_agents: this.getAgents() },
      });
      case 'TEARDOWN': {
        const id = isObject(call.teardown) ? idOf(call.teardown.framework_id) : undefined;
        if (!id) return replyText(res, 400, "Failed to validate master::Call: Expecting 'teardown' to be present");
        const fw = this.frameworks.get(id);
        if (!fw) return replyText(res, 400, 'No framework found with specified ID');
        this.removeFramework(fw);
        return replyEmpty(res, 200);
      }
      default: return replyEmpty(res, 501);
    }
  }

  /** The v0 `/master/state` JSON (the web UI's view), in a reduced but real shape. */
  stateV0(): Json {
    const l = this.masterInfo();
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
      version: '1.12.0', build_date: '2026-11-24 13:44:30', build_time: 1795527870, build_user: '', start_time: this.startTime, elected_time: this.electedTime,
      id: l.id, pid: l.pid, hostname: l.hostname, capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
      activated_slaves: this.agents.size, deactivated_slaves: 0, unreachable_slaves: 0, leader: l.pid, leader_info: l, log_dir: '', flags: {},
      slaves: [...this.agents.values()].map((r) => ({ id: r.agent.id, hostname: r.agent.hostname, port: r.agent.port, pid: `slave(1)@${r.agent.hostname}:${r.agent.port}`, attributes: attributesV0(r.agent.attributes), active: true, version: '1.12.0' })),
      recovered_slaves: [], frameworks: [...this.frameworks.values()].map(fwV0), completed_frameworks: this.completedFrameworks.map(fwV0),
      orphan_tasks: [], unregistered_frameworks: [],
    };
  }

  /** For the request handler: looks a framework up (undefined: "Framework cannot be found"). */
  framework(id: string): Framework | undefined { return this.frameworks.get(id); }
}

/** cpus, mem, disk, then ports: the order of agent totals and allocations in the operator API. */
function scalarsFirst(s: ResourceSet): Resource[] {
  const r = toResources(s);
  return [...r.filter((x) => x.name !== 'ports'), ...r.filter((x) => x.name === 'ports')];
}

// ---------------- role validation (Mesos 1.12 src/common/roles.cpp, master/validation.cpp) ----------------

// Tab, line feed, vertical tab, form feed, carriage return, space and DEL; nothing else (other control characters pass).
const ROLE_INVALID_CHARACTERS = '\t\n\v\f\r \x7f';

/** roles::validate: the error for an invalid role name, or undefined. `*` is valid; `/` separates hierarchical roles. */
export function validateRole(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  const components = role.split('/').filter((c) => c.length > 0);
  if (components.length === 0) return 'Role names cannot be the empty string';
  for (const c of components) {
    if (c === '.') return `Role '${role}' cannot include '.' as a component`;
    if (c === '..') return `Role '${role}' cannot include '..' as a component`;
    if (c === '*') return `Role '${role}' cannot include '*' as a component`;
    if (c.startsWith('-')) return `Role component '${c}' is invalid because it starts with a dash`;
    if ([...c].some((ch) => ROLE_INVALID_CHARACTERS.includes(ch))) return `Role component '${c}' is invalid because it contains backspace or whitespace`;
  }
  return undefined;
}

/** stout's stringify of a set: `{ a, b }`. */
const stringifySet = (items: Iterable<string>): string => `{ ${[...items].join(', ')} }`;

/** The ERROR text a SUBSCRIBE gets for its FrameworkInfo roles (validateRoles, then the suppressed roles), or undefined. */
export function validateFrameworkRoles(info: FrameworkInfo, multiRole: boolean, suppressedRoles: string[]): string | undefined {
  if (multiRole && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multiRole && info.roles && info.roles.length > 0) return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  if (multiRole) {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const r of info.roles ?? []) (seen.has(r) ? duplicates : seen).add(r);
    if (duplicates.size > 0) return `'FrameworkInfo.roles' contains duplicate items: ${stringifySet(duplicates)}`;
    for (const r of info.roles ?? []) {
      const error = validateRole(String(r));
      if (error) return `'FrameworkInfo.roles' contains invalid role: ${error}`;
    }
  } else {
    const error = validateRole(String(info.role ?? '*'));
    if (error) return `'FrameworkInfo.role' is not a valid role: ${error}`;
  }
  const roles = new Set(multiRole ? (info.roles ?? []) : [info.role ?? '*']);
  const strays = [...new Set(suppressedRoles)].filter((r) => !roles.has(r)).sort();
  if (strays.length > 0) return `Suppressed roles ${stringifySet(strays)} are not contained in the set of roles`;
  return undefined;
}

export type { IncomingMessage };
