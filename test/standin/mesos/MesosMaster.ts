// The stand-in master's brain: frameworks, streams, the allocator, offers, task validation, status update
// streams with acknowledgements, reconciliation, failover and teardown, as a real Mesos 1.12 master answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type {
  FrameworkInfo, MasterInfo, Offer, TaskInfo, TaskState, TaskStatus,
} from '../../../src/core/mesos/types';
import { TERMINAL_TASK_STATES } from '../../../src/core/mesos/types';
import type { AgentLink, MesosAgent } from './MesosAgent';
import { idOf, isObject, recordIo, type Json } from './mesosJson';
import { openStream, replyEmpty } from './httpReplies';
import { holdUpdate } from './agentPartitions';
import { killCall, reconcileCall } from './killAndReconcile';
import { getAgents, getFrameworks, getTasks, operatorCall, stateV0 } from './operatorApi';
import { filterKey, refuseSeconds } from './offerFilters';
import { acceptCall } from './offerAcceptance';
import { allocate, offerJson } from './allocator';
import { answerInverseOffers, stopMaintenance } from './maintenance';
import { stringifySet, validateFrameworkRoles, validateRole } from './roleValidation';

export { validateFrameworkRoles, validateRole } from './roleValidation';
import {
  add, subtract, emptyResources, type ResourceSet,
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
  offerSeq = 0;
  offerTurn = 0;
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
    stopMaintenance(this);
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
        acceptCall(this, fw, call.accept as Json);
        return replyEmpty(res, 202);
      case 'DECLINE': {
        const d = call.decline as Json;
        this.decline(fw, (Array.isArray(d.offer_ids) ? d.offer_ids : []).map(idOf), refuseSeconds(d.filters));
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
        killCall(this, fw, call.kill as Json);
        return replyEmpty(res, 202);
      case 'ACKNOWLEDGE':
        this.acknowledge(fw, call.acknowledge as Json);
        return replyEmpty(res, 202);
      case 'RECONCILE':
        reconcileCall(this, fw, call.reconcile as Json);
        return replyEmpty(res, 202);
      case 'ACCEPT_INVERSE_OFFERS':
        answerInverseOffers(this, fw, call.accept_inverse_offers as Json, 'ACCEPT');
        return replyEmpty(res, 202);
      case 'DECLINE_INVERSE_OFFERS':
        answerInverseOffers(this, fw, call.decline_inverse_offers as Json, 'DECLINE');
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

  /**
   * The agent is removed (fault "agent lost", a machine DOWN, a drain with mark_gone): its live tasks are LOST
   * (REASON_AGENT_REMOVED), then `beforeFailure` runs for each framework (maintenance rescinds inverse offers), then FAILURE.
   */
  removeAgent(agentId: string, why = 'agent lost', beforeFailure?: (fw: Framework) => void): MesosAgent | undefined {
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
        fw.tasks.delete(t.info.task_id.value);
        fw.completedTasks.push(t);
        t.released = true;
        if (isTerminal(t.state)) continue;
        rec.agent.destroy(fw.id, t.info.task_id.value);
        const status = this.masterStatus(t.info.task_id.value, 'TASK_LOST', `Agent ${rec.agent.hostname} removed: ${why}`, 'REASON_AGENT_REMOVED', agentId);
        t.statuses.push(status);
        t.state = 'TASK_LOST';
        this.sendMasterUpdate(fw, status);
      }
      beforeFailure?.(fw);
      if (had || fw.connected) this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
    }
    return rec.agent;
  }

  /** A removed agent registers again with its id (its machine came back UP and the agent was restarted). */
  restoreAgent(rec: AgentRecord): void {
    this.removedAgentIds.delete(rec.agent.id);
    this.agents.set(rec.agent.id, rec);
    this.scheduleAllocation();
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
  scheduleAllocationSoon(): void { /* the periodic allocation picks them up */ }

  offeredOn(agentId: string): ResourceSet {
    let s = emptyResources();
    for (const o of this.offers.values()) if (o.agentId === agentId) s = add(s, o.resources);
    return s;
  }

  allocate(): void { allocate(this); }

  offerJson(o: OfferRecord): Offer { return offerJson(this, o); }

  // ---------------- operator API (operatorApi.ts) ----------------

  getTasks(): Json { return getTasks(this); }
  getFrameworks(): Json { return getFrameworks(this); }
  getAgents(): Json { return getAgents(this); }
  /** POST /api/v1 on the leader. */
  operatorCall(call: Json, res: ServerResponse): void { operatorCall(this, call, res); }
  /** The v0 `/master/state` JSON (the web UI's view). */
  stateV0(): Json { return stateV0(this); }

  /** For the request handler: looks a framework up (undefined: "Framework cannot be found"). */
  framework(id: string): Framework | undefined { return this.frameworks.get(id); }
}

export type { IncomingMessage };
