// A whole Mesos cluster on one machine for tests and the local demo: one or more masters (one leader),
// agents on distinct loopback addresses running real processes, and a test-only fault handle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MesosAgent } from './MesosAgent';
import { MesosMaster } from './MesosMaster';
import { MasterEndpoint, type CallFaults, type EndpointHost } from './MasterEndpoint';
import type { Json } from './mesosJson';
import { fromResources } from './resources';
import { healAgent, partitionAgent } from './agentPartitions';

export interface AgentSpec { cpus?: number; mem?: number; disk?: number; ports?: [number, number]; attributes?: Record<string, string>; hostname?: string }

export interface MesosClusterOptions {
  agents?: number | AgentSpec[];
  masters?: number;
  masterPort?: number;
  heartbeatSeconds?: number;
  allocationIntervalMs?: number;
  offerTimeoutMs?: number;
  updateRetryMs?: number;
  auth?: { principal: string; secret: string }[];
  flinkHome?: string;
  workDir?: string;
  noProcess?: { startingMs?: number; runningMs?: number };
  dockerImages?: Record<string, string>;
  zk?: { connect: string; path: string };
  /** Time between SIGTERM and SIGKILL when a task is killed (Mesos' default kill policy is 3 s). */
  killGracePeriodMs?: number;
  /** Variables the agents pass to every task (JAVA_HOME for a real Flink that needs another Java). */
  agentEnvironment?: Record<string, string>;
  /** The master's --roles whitelist. */
  roleWhitelist?: string[];
  /** agent_ping_timeout x max_agent_ping_timeouts (Mesos: 75 s). */
  agentPingTimeoutMs?: number;
}

/** Test-only faults; the same operations answer over HTTP as `POST <any master>/__test__/<name>` with a JSON object of arguments. */
export interface MesosFaults {
  /** Drops framework streams (all when no id) without an ERROR: the TCP connection just ends. Returns how many. */
  dropStream(frameworkId?: string): number;
  stopHeartbeats(frameworkId?: string): void;
  resumeHeartbeats(frameworkId?: string): void;
  /** Makes master `index` the leader (null: no leader, every master answers 503). All streams drop. */
  switchLeader(index: number | null): void;
  /** The agent disappears: its processes are killed, its tasks become TASK_LOST (REASON_AGENT_REMOVED), frameworks get FAILURE. */
  removeAgent(agentId: string): Promise<void>;
  /** The agent is cut off: its health checks fail and, after agentPingTimeoutMs, the master marks it unreachable (its tasks go on). */
  partitionAgent(agentId: string): void;
  /** The partition heals: the agent re-registers; its tasks are reachable again. */
  healAgent(agentId: string): void;
  /** The task fails on its own (process killed with SIGKILL; no-process mode: TASK_FAILED). */
  failTask(taskId: string, message?: string): void;
  /** Sends a signal to the task's process group, as if something outside Mesos killed it. */
  killTask(taskId: string, signal?: NodeJS.Signals): void;
  /** Scheduler calls (of the given types, or all) wait this long before being handled. 0 undoes it. */
  delayCalls(ms: number, callTypes?: string[]): void;
  /** Scheduler calls (of the given types, or all) are answered with this status (and body), `times` times or until clear(). */
  refuseCalls(status: number, opts?: { callTypes?: string[]; body?: string; times?: number }): void;
  /** The leading master goes away (connections refused) and comes back on the same port after downMs. */
  restartMaster(downMs?: number): Promise<void>;
  /** Undoes delays, refusals and stopped heartbeats. */
  clear(): void;
}

function agentHostname(i: number): string {
  const n = 11 + i;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + (n >= 250 ? 1 : 0)}`;
}

async function resolveFlinkHome(explicit?: string): Promise<string> {
  if (explicit) return path.resolve(explicit);
  const modulePath = path.join(__dirname, '..', 'flink', 'distribution');
  let mod: { ensureFlinkDistribution?: () => Promise<string> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(modulePath) as typeof mod;
  } catch {
    throw new Error('MesosCluster: no flinkHome given and the Flink stand-in (test/standin/flink/distribution.ts) is not built; pass flinkHome (a Flink folder) explicitly');
  }
  if (typeof mod.ensureFlinkDistribution !== 'function') throw new Error('MesosCluster: test/standin/flink/distribution does not export ensureFlinkDistribution(); pass flinkHome explicitly');
  return mod.ensureFlinkDistribution();
}

export class MesosCluster implements EndpointHost {
  readonly master: MesosMaster;
  readonly credentials?: { principal: string; secret: string }[];
  readonly callFaults: CallFaults = { delayMs: 0 };
  readonly faults: MesosFaults;
  readonly workDir: string;
  private readonly endpoints: MasterEndpoint[] = [];
  private readonly agentList: MesosAgent[] = [];
  private leader: number | null = 0;
  private stopped = false;
  private zkClient?: { close(): void };
  private readonly ownsWorkDir: boolean;

  private constructor(private readonly opts: MesosClusterOptions, readonly flinkHome: string) {
    this.credentials = opts.auth;
    this.ownsWorkDir = !opts.workDir;
    this.workDir = opts.workDir ? path.resolve(opts.workDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-standin-'));
    this.master = new MesosMaster({
      heartbeatSeconds: opts.heartbeatSeconds ?? 15,
      allocationIntervalMs: opts.allocationIntervalMs ?? 1000,
      offerTimeoutMs: opts.offerTimeoutMs,
      updateRetryMs: opts.updateRetryMs ?? 10000,
      roleWhitelist: opts.roleWhitelist,
      agentPingTimeoutMs: opts.agentPingTimeoutMs,
    });
    this.faults = this.makeFaults();
  }

  static async start(opts: MesosClusterOptions = {}): Promise<MesosCluster> {
    const masters = opts.masters ?? 1;
    if (!Number.isInteger(masters) || masters < 1) throw new Error(`MesosCluster: masters must be a whole number >= 1, got ${masters}`);
    const flinkHome = await resolveFlinkHome(opts.flinkHome);
    const cluster = new MesosCluster(opts, flinkHome);
    try {
      await cluster.boot(masters);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private async boot(masters: number): Promise<void> {
    for (let i = 0; i < masters; i++) {
      const requested = i === 0 ? (this.opts.masterPort ?? 0) : (this.opts.masterPort ? this.opts.masterPort + i : 0);
      // The first master's id prefixes framework, offer and agent ids, as the master that created them would.
      const ep = i === 0 ? new MasterEndpoint(this, i, requested, this.master.id) : new MasterEndpoint(this, i, requested);
      await ep.listen();
      this.endpoints.push(ep);
    }
    this.setLeader(0);
    this.master.start();
    const specs: AgentSpec[] = typeof this.opts.agents === 'number' || this.opts.agents === undefined
      ? Array.from({ length: this.opts.agents ?? 3 }, () => ({}))
      : this.opts.agents;
    // A random port base per cluster keeps clusters running side by side from handing out the same task ports.
    const width = 100;
    const slots = Math.max(1, Math.floor((32000 - 10000 - specs.length * width) / width));
    const base = 10000 + Math.floor(Math.random() * slots) * width;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i];
      const ports = s.ports ?? [base + i * width, base + i * width + width - 1];
      if (ports[1] < ports[0]) throw new Error(`MesosCluster: agent ${i} ports range [${ports[0]}-${ports[1]}] is empty; give [first, last]`);
      const id = `${this.master.id}-S${i}`;
      const agent = new MesosAgent({
        id, hostname: s.hostname ?? agentHostname(i),
        resources: fromResources([
          { name: 'cpus', type: 'SCALAR', scalar: { value: s.cpus ?? 8 } },
          { name: 'mem', type: 'SCALAR', scalar: { value: s.mem ?? 16384 } },
          { name: 'disk', type: 'SCALAR', scalar: { value: s.disk ?? 20000 } },
          { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: ports[0], end: ports[1] }] } },
        ]),
        attributes: s.attributes ?? {},
        workDir: path.join(this.workDir, 'agents', id),
        link: this.master,
        noProcess: this.opts.noProcess,
        killGracePeriodMs: this.opts.killGracePeriodMs ?? 3000,
        dockerImages: this.opts.dockerImages ?? {},
        environment: this.opts.agentEnvironment,
      });
      await agent.start();
      this.agentList.push(agent);
      this.master.addAgent(agent);
    }
    if (this.opts.zk) await this.registerInZooKeeper(this.opts.zk);
  }

  get masterUrls(): string[] { return this.endpoints.map((e) => e.url); }
  get leaderUrl(): string {
    if (this.leader === null) throw new Error('MesosCluster: there is no leading master right now (faults.switchLeader(null))');
    return this.endpoints[this.leader].url;
  }
  get agents(): { id: string; url: string; hostname: string; ip: string; port: number }[] {
    return this.agentList.filter((a) => this.master.agents.has(a.id)).map((a) => ({ id: a.id, url: a.url, hostname: a.hostname, ip: a.ip, port: a.port }));
  }

  leaderIndex(): number | null { return this.leader; }
  endpointAt(index: number): MasterEndpoint { return this.endpoints[index]; }

  /** The agent object (sandboxes, pids) for tests. */
  agent(id: string): MesosAgent | undefined { return this.agentList.find((a) => a.id === id); }

  /** Process ids of every task process group still running. */
  runningPids(): number[] { return this.agentList.flatMap((a) => a.pids()); }

  private setLeader(index: number | null): void {
    this.leader = index;
    if (index === null) this.master.leader = undefined;
    else {
      const ep = this.endpoints[index];
      this.master.leader = { hostname: ep.hostname, port: ep.port, id: ep.id };
      this.master.electedTime = Date.now() / 1000;
    }
  }

  async operator<T = unknown>(call: { type: string; [k: string]: unknown }): Promise<T> {
    const res = await fetch(`${this.leaderUrl}/api/v1`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(call),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`operator call ${call.type} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async testRequest(name: string, args: Json): Promise<unknown> {
    const f = this.faults;
    const str = (k: string): string | undefined => (typeof args[k] === 'string' ? (args[k] as string) : undefined);
    switch (name) {
      case 'dropStream': return f.dropStream(str('frameworkId'));
      case 'stopHeartbeats': return f.stopHeartbeats(str('frameworkId'));
      case 'resumeHeartbeats': return f.resumeHeartbeats(str('frameworkId'));
      case 'switchLeader': return f.switchLeader(args.index === null || args.index === undefined ? null : Number(args.index));
      case 'removeAgent': return f.removeAgent(String(args.agentId));
      case 'partitionAgent': return f.partitionAgent(String(args.agentId));
      case 'healAgent': return f.healAgent(String(args.agentId));
      case 'failTask': return f.failTask(String(args.taskId), str('message'));
      case 'killTask': return f.killTask(String(args.taskId), str('signal') as NodeJS.Signals | undefined);
      case 'delayCalls': return f.delayCalls(Number(args.ms ?? 0), Array.isArray(args.callTypes) ? (args.callTypes as string[]) : undefined);
      case 'refuseCalls': return f.refuseCalls(Number(args.status), {
        callTypes: Array.isArray(args.callTypes) ? (args.callTypes as string[]) : undefined, body: str('body'),
        times: args.times === undefined ? undefined : Number(args.times),
      });
      case 'restartMaster': return f.restartMaster(args.downMs === undefined ? undefined : Number(args.downMs));
      case 'clear': return f.clear();
      case 'state': return { leader: this.leader, masters: this.masterUrls, agents: this.agents, pids: this.runningPids() };
      default:
        throw new Error(`unknown test fault '${name}'; use one of dropStream, stopHeartbeats, resumeHeartbeats, switchLeader, removeAgent, partitionAgent, healAgent, failTask, killTask, delayCalls, refuseCalls, restartMaster, clear, state`);
    }
  }

  private taskLocation(taskId: string): { frameworkId: string; agent: MesosAgent } {
    const t = this.master.findTask(taskId);
    const agent = t ? this.master.agents.get(t.agentId)?.agent : undefined;
    if (!t || !agent) throw new Error(`no running task '${taskId}' in the stand-in cluster`);
    return { frameworkId: t.frameworkId, agent };
  }

  private makeFaults(): MesosFaults {
    return {
      dropStream: (id) => this.master.dropStream(id),
      stopHeartbeats: (id) => this.master.setHeartbeats(false, id),
      resumeHeartbeats: (id) => this.master.setHeartbeats(true, id),
      switchLeader: (index) => {
        if (index !== null && (!Number.isInteger(index) || index < 0 || index >= this.endpoints.length)) {
          throw new Error(`switchLeader: index must be 0..${this.endpoints.length - 1} or null, got ${index}`);
        }
        this.master.dropAllStreams();
        this.setLeader(index);
        this.updateZooKeeper();
      },
      partitionAgent: (agentId) => partitionAgent(this.master, agentId),
      healAgent: (agentId) => healAgent(this.master, agentId),
      removeAgent: async (agentId) => {
        const agent = this.master.removeAgent(agentId);
        if (!agent) throw new Error(`removeAgent: no agent '${agentId}'`);
        await agent.stop();
      },
      failTask: (taskId, message) => {
        const { frameworkId, agent } = this.taskLocation(taskId);
        agent.failTask(frameworkId, taskId, message);
      },
      killTask: (taskId, signal = 'SIGKILL') => {
        const { frameworkId, agent } = this.taskLocation(taskId);
        agent.signalTask(frameworkId, taskId, signal);
      },
      delayCalls: (ms, callTypes) => { this.callFaults.delayMs = ms; this.callFaults.delayTypes = callTypes; },
      refuseCalls: (status, o = {}) => {
        if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`refuseCalls: status must be an HTTP status code, got ${status}`);
        this.callFaults.refuse = { status, body: o.body, types: o.callTypes, remaining: o.times };
      },
      restartMaster: async (downMs = 500) => {
        if (this.leader === null) throw new Error('restartMaster: there is no leading master to restart');
        const ep = this.endpoints[this.leader];
        const index = this.leader;
        this.master.dropAllStreams();
        this.setLeader(null);
        await ep.close();
        await new Promise((r) => setTimeout(r, downMs));
        if (this.stopped) return;
        await ep.listen();
        this.setLeader(index);
      },
      clear: () => {
        this.callFaults.delayMs = 0;
        this.callFaults.delayTypes = undefined;
        this.callFaults.refuse = undefined;
        this.master.setHeartbeats(true);
      },
    };
  }

  // ZooKeeper: masters register as sequential ephemeral `json.info_` znodes holding MasterInfo; the leader is the lowest.
  private async registerInZooKeeper(zk: { connect: string; path: string }): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const zookeeper = require('node-zookeeper-client') as ZkModule;
    const client = zookeeper.createClient(zk.connect, { sessionTimeout: 5000 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MesosCluster: cannot reach ZooKeeper at ${zk.connect} within 10 s`)), 10000);
      client.once('connected', () => { clearTimeout(timer); resolve(); });
      client.connect();
    });
    this.zkClient = client;
    this.zk = { client, module: zookeeper, path: zk.path.replace(/\/+$/, '') || '/', nodes: [] };
    await new Promise<void>((resolve, reject) => client.mkdirp(this.zk!.path, (e) => (e ? reject(e) : resolve())));
    this.updateZooKeeper();
    await this.zkPending;
  }

  private zk?: { client: ZkClient; module: ZkModule; path: string; nodes: string[] };
  private zkPending: Promise<void> = Promise.resolve();

  /** Re-creates the znodes so that the leader holds the lowest sequence number (none when there is no leader). */
  private updateZooKeeper(): void {
    const zk = this.zk;
    if (!zk) return;
    this.zkPending = this.zkPending.then(async () => {
      for (const n of zk.nodes) await new Promise<void>((r) => zk.client.remove(n, () => r()));
      zk.nodes = [];
      if (this.leader === null || this.stopped) return;
      const order = [this.leader, ...this.endpoints.map((_, i) => i).filter((i) => i !== this.leader)];
      for (const i of order) {
        const ep = this.endpoints[i];
        const info = {
          id: ep.id, ip: 16777343, port: ep.port, pid: `master@${ep.hostname}:${ep.port}`, hostname: ep.hostname, version: '1.12.0',
          address: { hostname: ep.hostname, ip: ep.hostname, port: ep.port },
        };
        const base = zk.path === '/' ? '/json.info_' : `${zk.path}/json.info_`;
        const created = await new Promise<string>((resolve, reject) => zk.client.create(base, Buffer.from(JSON.stringify(info)),
          zk.module.CreateMode.EPHEMERAL_SEQUENTIAL, (e, p) => (e ? reject(e) : resolve(p))));
        zk.nodes.push(created);
      }
    }).catch(() => undefined);
  }

  /** Stops every master and agent and kills every process the cluster started. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.master.stop();
    await Promise.all(this.endpoints.map((e) => e.close()));
    await Promise.all(this.agentList.map((a) => a.stop()));
    if (this.zk) { await this.zkPending; }
    this.zkClient?.close();
    if (this.ownsWorkDir) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

interface ZkClient {
  once(event: 'connected', cb: () => void): void;
  connect(): void;
  close(): void;
  mkdirp(p: string, cb: (e: Error | null) => void): void;
  create(p: string, data: Buffer, mode: number, cb: (e: Error | null, path: string) => void): void;
  remove(p: string, cb: (e: Error | null) => void): void;
}
interface ZkModule {
  createClient(connect: string, opts: { sessionTimeout: number }): ZkClient;
  CreateMode: { EPHEMERAL_SEQUENTIAL: number };
}

