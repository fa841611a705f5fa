// A stand-in Mesos agent: runs each command task as a real local process group in its own sandbox
// (or, in no-process mode, only walks the task through its states), and serves /files/read like a real agent.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FrameworkInfo, TaskInfo, TaskState, TaskStatus } from '../../../src/core/mesos/types';
import { toMesosJson, randomUuidBytes } from './mesosJson';
import { fetchUri } from './fetchUris';
import { attributesV0 } from './attributes';
import type { ResourceSet } from './resources';

/** How the agent reports to the master (in process, as the agent's status update manager would over libprocess). */
export interface AgentLink {
  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void;
}

export interface MesosAgentOptions {
  id: string;
  hostname: string;
  resources: ResourceSet;
  attributes: Record<string, string>;
  /** The agent's own work dir (sandboxes live under it). */
  workDir: string;
  link: AgentLink;
  noProcess?: { startingMs?: number; runningMs?: number };
  killGracePeriodMs: number;
  dockerImages: Record<string, string>;
  /** Variables every task gets from the agent (a real agent passes its own environment on, e.g. JAVA_HOME). */
  environment?: Record<string, string>;
}

interface AgentTask {
  frameworkId: string;
  taskId: string;
  containerId: string;
  sandbox: string;
  info: TaskInfo;
  state: TaskState;
  child?: ChildProcess;
  pid?: number;
  killRequested: boolean;
  /** A drain's kill: its reason on TASK_KILLING/TASK_KILLED, and TASK_GONE_BY_OPERATOR for both with mark_gone (PARTITION_AWARE). */
  drainKill?: { reason: string; gone: boolean };
  /** No more updates are sent (framework removed or agent removed). */
  silent: boolean;
  done: boolean;
  timers: NodeJS.Timeout[];
  exited: Promise<void>;
  markExited: () => void;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGTERM: 'Terminated', SIGKILL: 'Killed', SIGINT: 'Interrupt', SIGHUP: 'Hangup', SIGQUIT: 'Quit', SIGABRT: 'Aborted',
  SIGSEGV: 'Segmentation fault', SIGPIPE: 'Broken pipe', SIGUSR1: 'User defined signal 1', SIGUSR2: 'User defined signal 2', SIGALRM: 'Alarm clock',
};
export const signalText = (sig: string): string => SIGNAL_TEXT[sig] ?? sig;

/** Environment variables of the test runner that must not leak into tasks. */
const SCRUBBED_ENV = /^(FLINK_|MESOS_|NODE_TEST_CONTEXT$|NODE_OPTIONS$|NODE_CHANNEL_FD$)/;

function glogLine(text: string): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `I${p(d.getMonth() + 1)}${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}  ${process.pid} ${text}\n`;
}

export class MesosAgent {
  readonly id: string;
  readonly hostname: string;
  readonly resources: ResourceSet;
  readonly attributes: Record<string, string>;
  readonly workDir: string;
  port = 0;
  /** The address the agent listens on (its hostname resolved), as in the offers' `url.address.ip`. */
  ip = '';
  private server?: http.Server;
  private readonly tasks = new Map<string, AgentTask>(); // key frameworkId/taskId
  private stopped = false;

  constructor(private readonly opts: MesosAgentOptions) {
    this.id = opts.id;
    this.hostname = opts.hostname;
    this.resources = opts.resources;
    this.attributes = opts.attributes;
    this.workDir = opts.workDir;
  }

  get url(): string { return `http://${this.hostname}:${this.port}`; }

  async start(): Promise<void> {
    fs.mkdirSync(this.workDir, { recursive: true });
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.hostname, () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.ip = address.address;
  }

  /** Process ids of task process groups still alive. */
  pids(): number[] {
    return [...this.tasks.values()].filter((t) => t.pid !== undefined && !t.done).map((t) => t.pid!);
  }

  hasTask(frameworkId: string, taskId: string): boolean {
    const t = this.tasks.get(`${frameworkId}/${taskId}`);
    return !!t && !t.done;
  }

  sandboxOf(frameworkId: string, taskId: string): string | undefined {
    return this.tasks.get(`${frameworkId}/${taskId}`)?.sandbox;
  }

  private send(task: AgentTask, state: TaskState, extra: Partial<TaskStatus> = {}, source: TaskStatus['source'] = 'SOURCE_EXECUTOR'): void {
    if (task.silent || this.stopped) return;
    if (task.drainKill && (state === 'TASK_KILLING' || state === 'TASK_KILLED')) {
      extra = { ...extra, reason: task.drainKill.reason };
      if (task.drainKill.gone) state = 'TASK_GONE_BY_OPERATOR';
    }
    task.state = state;
    const status: TaskStatus = {
      task_id: { value: task.taskId },
      state,
      ...(extra.message !== undefined ? { message: extra.message } : {}),
      source,
      ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
      agent_id: { value: this.id },
      executor_id: { value: task.taskId },
      timestamp: Date.now() / 1000,
      uuid: randomUuidBytes().toString('base64'),
      container_status: {
        container_id: { value: task.containerId },
        network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: this.hostname }] }],
        executor_pid: task.pid ?? process.pid,
      },
    };
    this.opts.link.statusUpdate(this.id, task.frameworkId, status);
  }

  launch(frameworkId: string, frameworkInfo: FrameworkInfo, info: TaskInfo): void {
    const taskId = info.task_id.value;
    const containerId = randomUUID();
    const runs = path.join(this.workDir, 'frameworks', frameworkId, 'executors', taskId, 'runs');
    const sandbox = path.join(runs, containerId);
    fs.mkdirSync(sandbox, { recursive: true });
    const latest = path.join(runs, 'latest');
    fs.rmSync(latest, { force: true });
    fs.symlinkSync(containerId, latest);
    fs.writeFileSync(path.join(sandbox, 'stdout'), '');
    fs.writeFileSync(path.join(sandbox, 'stderr'), glogLine(`exec.cpp:164] Version: 1.12.0 (stand-in)`));
    let markExited!: () => void;
    const exited = new Promise<void>((r) => { markExited = r; });
    const task: AgentTask = {
      frameworkId, taskId, containerId, sandbox, info, state: 'TASK_STAGING', killRequested: false, silent: false, done: false, timers: [],
      exited, markExited,
    };
    this.tasks.set(`${frameworkId}/${taskId}`, task);
    if (this.opts.noProcess) {
      const starting = this.opts.noProcess.startingMs ?? 20;
      const running = this.opts.noProcess.runningMs ?? 20;
      task.timers.push(setTimeout(() => {
        if (task.done) return;
        this.send(task, 'TASK_STARTING');
        task.timers.push(setTimeout(() => { if (!task.done) this.send(task, 'TASK_RUNNING'); }, running));
      }, starting));
      return;
    }
    void this.runProcess(task, frameworkInfo).catch((err: Error) => {
      this.finish(task, 'TASK_FAILED', { message: `Failed to launch container: ${err.message}`, reason: 'REASON_CONTAINER_LAUNCH_FAILED' }, 'SOURCE_AGENT');
    });
  }

  private appendStderr(task: AgentTask, text: string): void {
    try { fs.appendFileSync(path.join(task.sandbox, 'stderr'), text); } catch { /* sandbox removed */ }
  }

  private async runProcess(task: AgentTask, _frameworkInfo: FrameworkInfo): Promise<void> {
    const cmd = task.info.command;
    if (!cmd) throw new Error('the stand-in agent runs only command tasks (CommandInfo), not custom executors');
    for (const uri of cmd.uris ?? []) {
      try {
        for (const line of await fetchUri(uri, task.sandbox)) this.appendStderr(task, glogLine(`fetcher.cpp] ${line}`));
      } catch (err) {
        this.appendStderr(task, glogLine(`fetcher.cpp] Failed to fetch '${uri.value}': ${(err as Error).message}`));
        throw new Error(`Failed to fetch all URIs for container '${task.containerId}': exited with status 1`);
      }
      if (task.killRequested) break;
    }
    if (task.killRequested || task.done) {
      this.finish(task, 'TASK_KILLED', { message: 'Killing task before it was launched', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' }, 'SOURCE_AGENT');
      return;
    }
    // A Docker image maps to a local folder that plays the image's /opt/flink.
    let rewrite = (s: string): string => s;
    const container = task.info.container;
    const image = container?.docker?.image ?? container?.mesos?.image?.docker?.name;
    if (image) {
      const folder = this.opts.dockerImages[image] ?? this.opts.dockerImages[image.replace(/:[^/:]+$/, '')];
      if (!folder) {
        const known = Object.keys(this.opts.dockerImages);
        throw new Error(`Failed to pull image '${image}': the stand-in agent knows only the images given in dockerImages (${known.length ? known.join(', ') : 'none'})`);
      }
      rewrite = (s) => s.split('/opt/flink').join(folder);
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED_ENV.test(k)) env[k] = v;
    Object.assign(env, this.opts.environment ?? {}, {
      HOST: this.hostname,
      LIBPROCESS_IP: this.hostname,
      MESOS_AGENT_ENDPOINT: `${this.hostname}:${this.port}`,
      MESOS_CONTAINER_IP: this.hostname,
      MESOS_DIRECTORY: task.sandbox,
      MESOS_SANDBOX: task.sandbox,
      MESOS_EXECUTOR_ID: task.taskId,
      MESOS_FRAMEWORK_ID: task.frameworkId,
      MESOS_TASK_ID: task.taskId,
      MESOS_AGENT_ID: this.id,
    });
    for (const v of cmd.environment?.variables ?? []) env[v.name] = rewrite(v.value ?? '');
    const shell = cmd.shell !== false;
    const value = rewrite(cmd.value ?? '');
    const out = fs.openSync(path.join(task.sandbox, 'stdout'), 'a');
    const err = fs.openSync(path.join(task.sandbox, 'stderr'), 'a');
    this.send(task, 'TASK_STARTING');
    let child: ChildProcess;
    try {
      if (shell) {
        child = spawn('/bin/sh', ['-c', value], { cwd: task.sandbox, env, detached: true, stdio: ['ignore', out, err] });
      } else {
        const args = (cmd.arguments ?? []).map(rewrite);
        child = spawn(value, args.slice(1), { cwd: task.sandbox, env, detached: true, stdio: ['ignore', out, err], argv0: args[0] ?? value });
      }
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
    task.child = child;
    task.pid = child.pid;
    child.once('spawn', () => {
      if (!task.done && !task.killRequested) this.send(task, 'TASK_RUNNING');
    });
    child.once('error', (e) => {
      this.appendStderr(task, `Failed to execute '${value}': ${e.message}\n`);
      task.pid = undefined;
      this.finish(task, 'TASK_FAILED', { message: 'Command exited with status 127' });
    });
    child.once('exit', (code, signal) => {
      // The posix launcher destroys the whole container: kill whatever the command left behind.
      if (task.pid !== undefined) { try { process.kill(-task.pid, 'SIGKILL'); } catch { /* group gone */ } }
      const message = signal ? `Command terminated with signal ${signalText(signal)}` : `Command exited with status ${code ?? 0}`;
      const state: TaskState = task.killRequested ? 'TASK_KILLED' : code === 0 && !signal ? 'TASK_FINISHED' : 'TASK_FAILED';
      this.finish(task, state, { message });
    });
  }

  private finish(task: AgentTask, state: TaskState, extra: Partial<TaskStatus>, source: TaskStatus['source'] = 'SOURCE_EXECUTOR'): void {
    if (task.done) return;
    task.done = true;
    for (const t of task.timers) clearTimeout(t);
    task.timers = [];
    this.send(task, state, extra, source);
    task.markExited();
  }

  /** KILL from the framework: TASK_KILLING when the framework has the capability, SIGTERM, then SIGKILL after the grace period. */
  kill(frameworkId: string, taskId: string, opts: { killingState: boolean; gracePeriodMs?: number; drain?: { reason: string; gone: boolean } }): boolean {
    const task = this.tasks.get(`${frameworkId}/${taskId}`);
    if (!task || task.done) return false;
    if (task.killRequested) return true;
    task.killRequested = true;
    if (opts.drain) task.drainKill = opts.drain;
    if (opts.killingState && (task.state === 'TASK_RUNNING' || task.state === 'TASK_STARTING')) this.send(task, 'TASK_KILLING');
    if (this.opts.noProcess || task.pid === undefined) {
      if (task.state === 'TASK_STAGING' && !this.opts.noProcess) return true; // still fetching: runProcess notices
      task.timers.push(setTimeout(() => this.finish(task, 'TASK_KILLED', { message: 'Command terminated with signal Terminated' }), 5));
      return true;
    }
    this.signalGroup(task, 'SIGTERM');
    const grace = opts.gracePeriodMs ?? this.opts.killGracePeriodMs;
    const timer = setTimeout(() => this.signalGroup(task, 'SIGKILL'), grace);
    timer.unref();
    task.timers.push(timer);
    return true;
  }

  private signalGroup(task: AgentTask, sig: NodeJS.Signals): void {
    if (task.pid === undefined || task.done) return;
    try { process.kill(-task.pid, sig); } catch { try { task.child?.kill(sig); } catch { /* gone */ } }
  }

  /** Test fault: the task fails on its own (process killed with SIGKILL, or a TASK_FAILED in no-process mode). */
  failTask(frameworkId: string, taskId: string, message?: string): boolean {
    const task = this.tasks.get(`${frameworkId}/${taskId}`);
    if (!task || task.done) return false;
    if (task.pid !== undefined && !this.opts.noProcess) {
      if (message) this.appendStderr(task, `${message}\n`);
      this.signalGroup(task, 'SIGKILL');
    } else {
      this.finish(task, 'TASK_FAILED', { message: message ?? 'Command terminated with signal Killed' });
    }
    return true;
  }

  /** Test fault: send a signal to the task's process group (no-process mode: the task ends as if it had been signalled). */
  signalTask(frameworkId: string, taskId: string, sig: NodeJS.Signals): boolean {
    const task = this.tasks.get(`${frameworkId}/${taskId}`);
    if (!task || task.done) return false;
    if (task.pid !== undefined && !this.opts.noProcess) this.signalGroup(task, sig);
    else this.finish(task, 'TASK_FAILED', { message: `Command terminated with signal ${signalText(sig)}` });
    return true;
  }

  /** Kills a task without reporting (framework removed, agent removed). */
  destroy(frameworkId: string, taskId: string): void {
    const task = this.tasks.get(`${frameworkId}/${taskId}`);
    if (!task) return;
    task.silent = true;
    task.killRequested = true;
    if (task.pid !== undefined && !task.done) {
      this.signalGroup(task, 'SIGTERM');
      const t = setTimeout(() => this.signalGroup(task, 'SIGKILL'), Math.min(this.opts.killGracePeriodMs, 2000));
      t.unref();
      task.timers.push(t);
    } else {
      this.finish(task, 'TASK_KILLED', {});
    }
  }

  /** Stops every process (SIGTERM, then SIGKILL) and waits for them; closes the HTTP server. */
  async stop(): Promise<void> {
    this.stopped = true;
    const live = [...this.tasks.values()].filter((t) => !t.done);
    for (const t of live) {
      t.silent = true;
      for (const timer of t.timers) clearTimeout(timer);
      if (t.pid === undefined) t.markExited();
      else this.signalGroup(t, 'SIGTERM');
    }
    const waitAll = Promise.all(live.map((t) => t.exited));
    const killer = setTimeout(() => { for (const t of live) this.signalGroup(t, 'SIGKILL'); }, 1000);
    await Promise.race([waitAll, new Promise((r) => setTimeout(r, 5000).unref())]);
    clearTimeout(killer);
    for (const t of live) { try { if (t.pid !== undefined) process.kill(-t.pid, 'SIGKILL'); } catch { /* gone */ } }
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }

  // ---- HTTP ----

  private resolveFilePath(p: string): string | undefined {
    const virtual = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/latest(\/.*)?$/.exec(p);
    if (virtual) {
      const base = path.join(this.workDir, 'frameworks', virtual[1], 'executors', virtual[2], 'runs', 'latest');
      return path.join(base, virtual[3] ?? '');
    }
    const resolved = path.resolve(p);
    if (resolved === this.workDir || resolved.startsWith(this.workDir + path.sep)) return resolved;
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://agent');
    const text = (status: number, body: string): void => {
      res.sendDate = true;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    const json = (value: unknown): void => {
      const body = toMesosJson(value);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (url.pathname === '/files/read' || url.pathname === '/files/read.json') {
      const p = url.searchParams.get('path');
      if (p === null) return text(400, "Expecting 'path=value' in query.\n");
      const offsetText = url.searchParams.get('offset');
      const lengthText = url.searchParams.get('length');
      const offset = offsetText === null ? 0 : Number(offsetText);
      const length = lengthText === null ? undefined : Number(lengthText);
      if (!Number.isInteger(offset) || offset < -1) return text(400, `Failed to parse offset: '${offsetText}'\n`);
      if (length !== undefined && (!Number.isInteger(length) || length < -1)) return text(400, `Failed to parse length: '${lengthText}'\n`);
      const file = this.resolveFilePath(p);
      const st = file ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
      if (!file || !st) return text(404, '');
      if (st.isDirectory()) return text(400, 'Cannot read a directory.\n');
      if (offset === -1) return json({ data: '', offset: st.size });
      const pageSize = 16 * 4096;
      const want = Math.min(length === undefined || length === -1 ? pageSize : length, pageSize);
      if (offset >= st.size || want <= 0) return json({ data: '', offset });
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.alloc(Math.min(want, st.size - offset));
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        let bytes = buf.subarray(0, n);
        // Keep multi-byte characters whole so the next offset stays on a character boundary.
        if (offset + n < st.size) {
          let cut = bytes.length;
          let back = 0;
          while (back < 3 && cut - back - 1 >= 0 && (bytes[cut - back - 1] & 0xc0) === 0x80) back++;
          const lead = bytes[cut - back - 1];
          if (lead !== undefined && lead >= 0xc0) {
            const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (back + 1 < need) cut = cut - back - 1;
          }
          bytes = bytes.subarray(0, cut);
        }
        return json({ data: bytes.toString('utf8'), offset });
      } finally {
        fs.closeSync(fd);
      }
    }
    if (url.pathname === '/files/browse' || url.pathname === '/files/browse.json') {
      const p = url.searchParams.get('path');
      if (p === null) return text(400, "Expecting 'path=value' in query.\n");
      const dir = this.resolveFilePath(p);
      const st = dir ? fs.statSync(dir, { throwIfNoEntry: false }) : undefined;
      if (!dir || !st) return text(404, '');
      if (!st.isDirectory()) return json([]);
      const entries = fs.readdirSync(dir).sort().map((name) => {
        const s = fs.statSync(path.join(dir, name));
        const mode = (s.isDirectory() ? 'd' : '-') + [6, 3, 0].map((sh) => {
          const b = (s.mode >> sh) & 7;
          return (b & 4 ? 'r' : '-') + (b & 2 ? 'w' : '-') + (b & 1 ? 'x' : '-');
        }).join('');
        return { gid: String(s.gid), mode, mtime: Math.floor(s.mtimeMs / 1000), nlink: s.nlink, path: path.posix.join(p, name), size: s.size, uid: String(s.uid) };
      });
      return json(entries);
    }
    if (url.pathname === '/files/debug' || url.pathname === '/files/debug.json') {
      const out: Record<string, string> = {};
      for (const t of this.tasks.values()) out[`/frameworks/${t.frameworkId}/executors/${t.taskId}/runs/latest`] = t.sandbox;
      return json(out);
    }
    if (url.pathname === '/state' || url.pathname === '/slave(1)/state' || url.pathname === '/state.json') {
      return json({
        id: this.id, hostname: this.hostname, pid: `slave(1)@${this.hostname}:${this.port}`, version: '1.12.0',
        attributes: attributesV0(this.attributes),
        frameworks: [...new Set([...this.tasks.values()].map((t) => t.frameworkId))].map((fw) => ({
          id: fw,
          executors: [...this.tasks.values()].filter((t) => t.frameworkId === fw && !t.done).map((t) => ({ id: t.taskId, directory: t.sandbox, tasks: [{ id: t.taskId, state: t.state }] })),
        })),
      });
    }
    // A real agent routes every /api/v1/... path to its operator API, which reads the body as an agent::Call: a scheduler's
    // SUBSCRIBE there has no type an agent knows (the 400 a Mesos 1.12 agent gives a framework pointed at it).
    if (url.pathname === '/api/v1' || url.pathname.startsWith('/api/v1/')) {
      if (req.method !== 'POST') return text(405, `405 Method Not Allowed. Expecting one of { 'POST' }, but received '${req.method ?? ''}'.`);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let type: unknown;
        try { type = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: unknown }).type; } catch { return text(400, 'Failed to parse body into JSON'); }
        if (type === 'GET_HEALTH') return json({ type: 'GET_HEALTH', get_health: { healthy: true } });
        return text(400, "Failed to validate agent::Call: Expecting 'type' to be present.");
      });
      return;
    }
    if (url.pathname === '/health') { res.writeHead(200, { 'Content-Length': 0 }); res.end(); return; }
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
}
