// Everything needed to reattach to a session, saved on every change. The CLI keeps it in files; the VS Code layer in its own storage.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TaskState } from '../mesos/types';
import type { SessionOptions } from './SessionOptions';

export type SessionPhase =
  | 'subscribing'          // 1. connecting to Mesos
  | 'launchingJobManager'  // 2. waiting for an offer, then for the JobManager task
  | 'jobManagerUp'         // 3. the JobManager's REST API answers
  | 'recoveringJobManager' //    (HA) the JobManager ended: a new one is placed and comes up; the TaskManagers wait for it
  | 'taskManagers'         // 4. TaskManagers k of N running and registered in Flink
  | 'running'              // 5. everything asked for is there
  | 'stopping'             // 6. TEARDOWN sent, checking that no task is left
  | 'stopped'              // 7. ended by the user
  | 'failed'               // 7. ended by a failure, with a reason
  | 'detached';            //    this client no longer drives it (detach, or another client took over); it keeps running

export interface TaskRecord {
  taskId: string;
  kind: 'jobmanager' | 'taskmanager';
  agentId: string;
  hostname: string;
  /** Agent HTTP address for sandbox files. */
  agentUrl?: string;
  ports: Record<string, number>;
  /** TASK_STAGING until the first update arrives. */
  state: TaskState;
  message?: string;
  launchedAt: number;
  updatedAt: number;
  /** The session asked Mesos to kill it (scale down, stop): its end is not a failure. */
  killRequested?: boolean;
  /** When TASK_UNREACHABLE arrived (its agent is cut off); cleared when the task is reachable again. */
  unreachableSince?: number;
  /** Replaced after its unreachable grace period: killed if it comes back. */
  replaced?: boolean;
  /** Its agent's machine goes into maintenance then (epoch ms; from an inverse offer), until then. */
  maintenanceFrom?: number;
  maintenanceUntil?: number;
  /** Its agent is being drained (DRAIN_AGENT): Mesos kills it. */
  draining?: boolean;
  /** Moved off an agent wanted back: the TaskManager that replaced it; on the replacement, the one it replaced. */
  movedTo?: string;
  replacing?: string;
}

/** The client that drives the session: a second one refuses while this one's heartbeat is fresh. */
export interface SessionOwner { id: string; pid: number; host: string; heartbeatAt: number }

export interface SessionRecord {
  version: 1;
  name: string;
  masters: string;
  frameworkId?: string;
  leaderUrl?: string;
  options: SessionOptions;
  /** Flink configuration from the conf dir and -D at start, so reattaching needs neither. */
  flinkConfiguration: Record<string, string>;
  phase: SessionPhase;
  reason?: string;
  /** The JobManager's REST address once known. */
  jobManagerUrl?: string;
  /** Tasks of the session that have not ended. */
  tasks: TaskRecord[];
  /** TaskManagers asked for; null in greedy mode. */
  wantedTaskManagers: number | null;
  nextTaskManagerNumber: number;
  startedAt: number;
  updatedAt: number;
  owner?: SessionOwner;
  /** A stop was asked but no master answered (epoch ms): the next stop or attach completes it. */
  stopPending?: number;
  /** The master answered and no longer knows the framework (torn down, or its failover timeout passed): nothing runs under it. */
  gone?: SessionGone;
  /** The JobManager's launch number: 1 for the first, one more for each relaunch after a loss (HA). */
  jobManagerGeneration?: number;
  /** When the JobManager was relaunched after a loss (epoch ms, the last hour's): the restart limit counts them. */
  jobManagerRestarts?: number[];
  /** The agent the lost JobManager ran on: its replacement goes elsewhere when another agent fits. */
  lostJobManagerAgent?: string;
}

export interface SessionGone { at: number; master: string; reason: string }

export interface SessionStore {
  load(name: string): Promise<SessionRecord | undefined>;
  save(record: SessionRecord): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<SessionRecord[]>;
}

export function defaultSessionDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.FLINK_MESOS_HOME ? path.join(env.FLINK_MESOS_HOME, 'sessions') : path.join(os.homedir(), '.flink-mesos', 'sessions');
}

/** One JSON file per session; writes go to a temporary file renamed over the old one, so a crash never leaves half a record. */
export class FileSessionStore implements SessionStore {
  private seq = 0;

  constructor(readonly dir: string = defaultSessionDir()) {}

  private file(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`"${name}" is not a valid session name.`);
    return path.join(this.dir, `${name}.json`);
  }

  async load(name: string): Promise<SessionRecord | undefined> {
    const file = this.file(name);
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      const owner = (e as NodeJS.ErrnoException).code === 'EACCES' ? await fs.promises.stat(file).then((st) => st.uid, () => undefined) : undefined;
      const me = typeof process.getuid === 'function' ? process.getuid() : undefined;
      if (owner !== undefined && owner !== me) {
        throw new Error(`The session file ${file} belongs to uid ${owner}, and you (uid ${me ?? '?'}) cannot read it: only that Unix user can use or steer this session. Run the command as that user.`);
      }
      throw new Error(`The session file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Check its permissions.`);
    }
    try {
      const record = JSON.parse(text) as SessionRecord;
      if (record.version !== 1 || record.name !== name) throw new Error('unexpected content');
      return record;
    } catch (e) {
      throw new Error(`The session file ${file} is damaged (${e instanceof Error ? e.message : String(e)}). ` +
        'Stop the framework from the Mesos UI if it still runs, then delete the file.');
    }
  }

  async save(record: SessionRecord): Promise<void> {
    const file = this.file(record.name);
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${++this.seq}.tmp`;
    await fs.promises.writeFile(tmp, JSON.stringify(record, null, 1), { mode: 0o600 });
    await fs.promises.rename(tmp, file);
  }

  async delete(name: string): Promise<void> {
    await fs.promises.rm(this.file(name), { force: true });
  }

  async list(): Promise<SessionRecord[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return [];
    }
    const out: SessionRecord[] = [];
    for (const n of names.sort()) {
      if (!n.endsWith('.json')) continue;
      const r = await this.load(n.slice(0, -5)).catch(() => undefined);
      if (r) out.push(r);
    }
    return out;
  }
}

/** Keeps records in memory (tests, or a caller with its own persistence). */
export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, string>();
  async load(name: string): Promise<SessionRecord | undefined> {
    const t = this.records.get(name);
    return t === undefined ? undefined : JSON.parse(t) as SessionRecord;
  }
  async save(record: SessionRecord): Promise<void> { this.records.set(record.name, JSON.stringify(record)); }
  async delete(name: string): Promise<void> { this.records.delete(name); }
  async list(): Promise<SessionRecord[]> { return [...this.records.values()].map((t) => JSON.parse(t) as SessionRecord); }
}

/** Whether an owner other than `me` still drives the session. */
export function ownerIsAlive(owner: SessionOwner | undefined, me: string, now: number, staleMs: number, host = os.hostname()): boolean {
  if (!owner || owner.id === me) return false;
  if (owner.host === host) {
    try {
      process.kill(owner.pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
  }
  return now - owner.heartbeatAt < staleMs;
}

/**
 * A copy of the record for the store, as JSON would give it (undefined fields left out): the store may write it later,
 * while the session changes on. Tasks are copied field by field: a round that launches a thousand TaskManagers saves them all.
 */
export function copyRecord(record: SessionRecord): SessionRecord {
  const { tasks, ...rest } = record;
  const copy = JSON.parse(JSON.stringify(rest)) as SessionRecord;
  copy.tasks = tasks.map(copyTask);
  return copy;
}

function copyTask(t: TaskRecord): TaskRecord {
  const c = { taskId: t.taskId, kind: t.kind, agentId: t.agentId, hostname: t.hostname } as TaskRecord;
  if (t.agentUrl !== undefined) c.agentUrl = t.agentUrl;
  c.ports = { ...t.ports };
  c.state = t.state;
  if (t.message !== undefined) c.message = t.message;
  c.launchedAt = t.launchedAt;
  c.updatedAt = t.updatedAt;
  if (t.killRequested !== undefined) c.killRequested = t.killRequested;
  if (t.unreachableSince !== undefined) c.unreachableSince = t.unreachableSince;
  if (t.replaced !== undefined) c.replaced = t.replaced;
  return c;
}
