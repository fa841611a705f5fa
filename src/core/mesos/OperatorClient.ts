// The master's operator API (POST <leader>/api/v1): the cluster's state as the master sees it.
import { request, type Agent } from '../http/undici';
import { silentLogger, type Logger } from '../log';
import { MesosError } from './MesosError';
import { parseMasters, type MasterAddress } from './masterAddress';
import { createMasterDetector, type MasterDetector } from './masterDetector';
import { basicAuthorization, createAgent, headerValue, logRequest, networkError, resolveRedirect, shortText, type Credentials, type TlsOptions } from './http';
import type { AgentID, Attribute, ExecutorID, FrameworkID, FrameworkInfo, Resource, TaskID, TaskState, TaskStatus } from './types';

export interface OperatorTask {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  executor_id?: ExecutorID;
  state: TaskState;
  resources: Resource[];
  statuses?: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: string;
}

export interface OperatorTasks {
  tasks?: OperatorTask[];
  completed_tasks?: OperatorTask[];
  unreachable_tasks?: OperatorTask[];
  orphan_tasks?: OperatorTask[];
  pending_tasks?: OperatorTask[];
}

export interface OperatorFramework {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered?: boolean;
  registered_time?: { nanoseconds: number };
  reregistered_time?: { nanoseconds: number };
  unregistered_time?: { nanoseconds: number };
}

export interface OperatorFrameworks {
  frameworks?: OperatorFramework[];
  completed_frameworks?: OperatorFramework[];
}

export interface OperatorAgent {
  agent_info: { id: AgentID; hostname: string; port?: number; resources?: Resource[]; attributes?: Attribute[] };
  active: boolean;
  pid?: string;
  version?: string;
  total_resources?: Resource[];
  allocated_resources?: Resource[];
  offered_resources?: Resource[];
}

export interface OperatorAgents { agents?: OperatorAgent[]; recovered_agents?: unknown[] }

export interface OperatorState {
  get_tasks?: OperatorTasks;
  get_executors?: unknown;
  get_frameworks?: OperatorFrameworks;
  get_agents?: OperatorAgents;
}

export interface OperatorClientOptions {
  masters: string;
  credentials?: Credentials;
  tls?: TlsOptions;
  log?: Logger;
  timeoutMs?: number;        // default 10000
  connectTimeoutMs?: number; // default 5000
}

const OPERATOR_PATH = '/api/v1';

export class OperatorClient {
  private readonly log: Logger;
  private readonly address: MasterAddress;
  private readonly agent: Agent;
  private readonly detector: MasterDetector;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: OperatorClientOptions) {
    this.log = opts.log ?? silentLogger;
    const scheme = opts.tls ? 'https' : 'http';
    this.address = parseMasters(opts.masters, { defaultScheme: scheme });
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.agent = createAgent({ tls: opts.tls, connectTimeoutMs: this.connectTimeoutMs, headersTimeoutMs: this.timeoutMs, bodyTimeoutMs: this.timeoutMs });
    this.headers = basicAuthorization(opts.credentials);
    this.detector = createMasterDetector(this.address, { scheme, agent: this.agent, headers: this.headers, timeoutMs: this.timeoutMs, log: this.log });
  }

  async getState(): Promise<OperatorState> {
    return (await this.call<{ get_state?: OperatorState }>({ type: 'GET_STATE' })).get_state ?? {};
  }

  async getTasks(): Promise<OperatorTasks> {
    return (await this.call<{ get_tasks?: OperatorTasks }>({ type: 'GET_TASKS' })).get_tasks ?? {};
  }

  async getFrameworks(): Promise<OperatorFrameworks> {
    return (await this.call<{ get_frameworks?: OperatorFrameworks }>({ type: 'GET_FRAMEWORKS' })).get_frameworks ?? {};
  }

  async getAgents(): Promise<OperatorAgents> {
    return (await this.call<{ get_agents?: OperatorAgents }>({ type: 'GET_AGENTS' })).get_agents ?? {};
  }

  /** Any operator call, sent to the leader (307s followed, 503 and unreachable masters skipped). */
  async call<T>(call: { type: string; [k: string]: unknown }): Promise<T> {
    const problems: MesosError[] = [];
    for (const candidate of await this.detector.candidates()) {
      let base = candidate;
      for (let hop = 0; hop <= 5; hop++) {
        const url = base + OPERATOR_PATH;
        const body = JSON.stringify(call);
        const headers = { 'content-type': 'application/json', accept: 'application/json', ...this.headers };
        logRequest(this.log, 'POST', url, headers, body);
        let status: number;
        let text: string;
        let location: string | undefined;
        try {
          const res = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) });
          status = res.statusCode;
          location = headerValue(res.headers, 'location');
          text = await res.body.text();
        } catch (err) {
          const e = networkError(err, base, call.type, { connect: this.connectTimeoutMs, call: this.timeoutMs });
          if (!e.retryable) throw e;
          problems.push(e);
          break;
        }
        this.log.debug(`mesos < ${status} ${call.type} (${text.length} bytes)`);
        if (status === 200) {
          this.detector.noteLeader(base);
          try {
            return JSON.parse(text) as T;
          } catch {
            throw new MesosError('protocol', `${call.type} from ${base} is not JSON: ${shortText(text, 80)}`, 'Check that the address points at a Mesos master.');
          }
        }
        if (status === 307 && location) { base = resolveRedirect(location, url); continue; }
        if (status === 503 || status === 404) {
          problems.push(new MesosError('unavailable', `${base} answered ${status} to ${call.type}`, 'Wait for the masters to elect a leader.', { status, retryable: true }));
          break;
        }
        if (status === 401) {
          throw new MesosError('unauthorized', `The master at ${base} refused ${call.type} with 401 Unauthorized${this.opts.credentials ? ` for principal "${this.opts.credentials.principal}"` : ''}`,
            this.opts.credentials ? 'Check the Mesos credentials.' : 'The master requires HTTP authentication: set a principal and secret.', { status });
        }
        throw new MesosError(status === 400 ? 'badRequest' : 'protocol', `The master at ${base} answered ${status} to ${call.type}: ${shortText(text)}`,
          'Check the call; the operator API answers 400 to malformed calls.', { status });
      }
    }
    const first = problems[0];
    throw new MesosError(first?.kind ?? 'unavailable', `No Mesos master answered ${call.type}: ${problems.map((p) => p.message).join('; ')}`,
      first?.fix ?? 'Check the master address.', { retryable: true });
  }

  async close(): Promise<void> {
    await this.detector.close();
    await this.agent.close();
  }
}
