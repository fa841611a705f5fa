// Shared checks of the reliability suite: the end state through the master's operator API and Flink's REST API,
// "nothing lost" snapshots, and a tracker proving that no process of a stopped cluster remains.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import type { FlinkSession } from '../../src/core/session/FlinkSession';
import type { SessionRecord, SessionStore } from '../../src/core/session/SessionStore';
import { eventually, flinkGet, liveTasks } from '../core/session/sessionHarness';

export { FAST, eventually, flinkGet, liveTasks, newSession, startCluster, tempDir, testLogger, deps } from '../core/session/sessionHarness';

interface OperatorFramework { framework_info: { id: { value: string }; name: string }; active?: boolean; connected?: boolean }
interface FrameworksAnswer { get_frameworks: { frameworks?: OperatorFramework[]; completed_frameworks?: OperatorFramework[] } }

/** The master's view of one framework: active (registered and not removed), or completed (removed), or unknown. */
export async function frameworkStatus(cluster: MesosCluster, frameworkId: string | undefined): Promise<'active' | 'completed' | 'unknown'> {
  const answer = await cluster.operator<FrameworksAnswer>({ type: 'GET_FRAMEWORKS' });
  if ((answer.get_frameworks.frameworks ?? []).some((f) => f.framework_info.id.value === frameworkId)) return 'active';
  if ((answer.get_frameworks.completed_frameworks ?? []).some((f) => f.framework_info.id.value === frameworkId)) return 'completed';
  return 'unknown';
}

/** Every task the master lists as not ended, whatever its framework. */
export async function allLiveTasks(cluster: MesosCluster): Promise<string[]> {
  const answer = await cluster.operator<{ get_tasks: Record<string, { task_id: { value: string }; state: string }[] | undefined> }>({ type: 'GET_TASKS' });
  const ended = /^TASK_(FINISHED|FAILED|KILLED|ERROR|LOST|DROPPED|GONE|GONE_BY_OPERATOR)$/;
  const out: string[] = [];
  for (const list of Object.values(answer.get_tasks ?? {})) for (const t of list ?? []) if (!ended.test(t.state)) out.push(t.task_id.value);
  return out;
}

interface FlinkTaskManager { id: string; slotsNumber: number }

/**
 * The end state of a running session, as the issue asks: the master lists exactly 1 JobManager + `taskManagers` tasks of the
 * framework, all of them known to the session (no orphan), no duplicate id; Flink's /taskmanagers lists exactly the session's
 * TaskManagers (no duplicate, no stranger); the framework is active and the store still holds the session (nothing lost).
 * Retries for up to `timeoutMs` (Flink forgets a dead TaskManager only after its heartbeat timeout).
 */
export async function assertEndState(cluster: MesosCluster, session: FlinkSession, store: SessionStore, taskManagers: number, timeoutMs = 20000): Promise<void> {
  let last = '';
  await eventually(`the end state (1 JobManager + ${taskManagers} TaskManagers, no duplicate, no orphan)`, async () => {
    const snap = session.snapshot();
    const onMaster = (await liveTasks(cluster, session.frameworkId)).map((t) => t.task_id.value).sort();
    const known = [...(snap.jobManager ? [snap.jobManager.taskId] : []), ...snap.taskManagers.map((t) => t.taskId)].sort();
    const tms = snap.jobManagerUrl ? (await flinkGet<{ taskmanagers: FlinkTaskManager[] }>(snap.jobManagerUrl, '/taskmanagers')).taskmanagers : [];
    const flinkIds = tms.map((t) => t.id).sort();
    const saved = await store.load(session.name);
    last = JSON.stringify({ phase: snap.phase, onMaster, known, flinkIds, saved: saved?.frameworkId });
    return onMaster.length === taskManagers + 1 && new Set(onMaster).size === onMaster.length
      && JSON.stringify(onMaster) === JSON.stringify(known)
      && JSON.stringify(flinkIds) === JSON.stringify(snap.taskManagers.map((t) => t.taskId).sort())
      && flinkIds.length === taskManagers
      && saved?.frameworkId === session.frameworkId && snap.phase === 'running';
  }, timeoutMs, 200).catch((e: Error) => { throw new Error(`${e.message}\n  last seen: ${last}`); });
  assert.equal(await frameworkStatus(cluster, session.frameworkId), 'active');
}

/** After a stop or a failure: no task of the framework on the master, the framework removed, and the store forgot the session. */
export async function assertGone(cluster: MesosCluster, frameworkId: string | undefined, store: SessionStore, name: string): Promise<void> {
  if (frameworkId) {
    await eventually('no task of the framework left on the master', async () => (await liveTasks(cluster, frameworkId)).length === 0, 10000);
    assert.equal(await frameworkStatus(cluster, frameworkId), 'completed');
  }
  // stop() and whenEnded() resolve only once the record is deleted.
  assert.equal(await store.load(name), undefined, `the store still holds the session "${name}"`);
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A frozen picture of what must survive bad input: a saved session record and a jar file. */
export class Keepsakes {
  private constructor(readonly store: SessionStore, readonly record: SessionRecord, readonly jar: string, private readonly jarHash: string, private readonly jarMtime: number) {}

  static async create(store: SessionStore, jar: string): Promise<Keepsakes> {
    const now = Date.now();
    const record: SessionRecord = {
      version: 1, name: 'keeper', masters: '127.0.0.1:5050', frameworkId: 'keeper-framework-0001', options: {
        name: 'keeper', master: '127.0.0.1:5050', taskManagers: 1, slotsPerTaskManager: 1, taskManagerMemoryMb: 1024, taskManagerCpus: 1,
        jobManagerMemoryMb: 1024, jobManagerCpus: 1, diskMb: 0, dynamicProperties: {}, flink: { kind: 'home', path: '/opt/flink' }, webUi: true,
        user: 'tester', frameworkName: 'Flink session', failoverTimeoutSeconds: 604800, constraints: [], verbose: false,
        maxTaskManagerFailuresPerMinute: 10, fitTimeoutSeconds: 300, declineRefuseSeconds: 120,
      },
      flinkConfiguration: {}, phase: 'running', tasks: [], wantedTaskManagers: 1, nextTaskManagerNumber: 2, startedAt: now, updatedAt: now,
    };
    await store.save(record);
    return new Keepsakes(store, record, jar, sha256(jar), fs.statSync(jar).mtimeMs);
  }

  /** The saved session is byte-for-byte what it was, no other session was left behind, the jar is untouched. */
  async assertIntact(extraAllowed: string[] = []): Promise<void> {
    assert.deepEqual(await this.store.load('keeper'), this.record, 'the saved session is intact');
    const names = (await this.store.list()).map((r) => r.name).filter((n) => !extraAllowed.includes(n));
    assert.deepEqual(names, ['keeper'], 'no half-made session left in the store');
    assert.equal(sha256(this.jar), this.jarHash, 'the jar file is untouched');
    assert.equal(fs.statSync(this.jar).mtimeMs, this.jarMtime, 'the jar file was not rewritten');
  }
}

/** Processes whose working directory lies under `dir` (task processes run in their sandboxes). Linux /proc. */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  const root = path.resolve(dir);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === root || cwd.startsWith(root + path.sep)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat); // a zombie is dead, just not reaped yet
  } catch {
    return false;
  }
}

/**
 * Remembers every task process group a cluster ever ran (sampled) and its sandbox root, so that after stop() a test can
 * prove none of them remains.
 */
export class ProcessTracker {
  private readonly pids = new Set<number>();
  private readonly dirs = new Set<string>();
  private timer?: NodeJS.Timeout;
  private readonly clusters = new Set<MesosCluster>();

  track(cluster: MesosCluster): MesosCluster {
    this.clusters.add(cluster);
    this.dirs.add(cluster.workDir);
    if (!this.timer) {
      this.timer = setInterval(() => this.sample(), 250);
      this.timer.unref();
    }
    this.sample();
    return cluster;
  }

  private sample(): void {
    for (const c of this.clusters) for (const p of c.runningPids()) this.pids.add(p);
  }

  get seen(): number { return this.pids.size; }

  /** Stops every tracked cluster and returns what is still alive (pids seen, or processes in their sandboxes). */
  async stopAll(): Promise<{ pids: number[]; inSandboxes: number[] }> {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clusters) await c.stop();
    // SIGKILLed groups may take a moment to be reaped.
    const deadline = Date.now() + 5000;
    let pids: number[] = [];
    let inSandboxes: number[] = [];
    do {
      pids = [...this.pids].filter(alive);
      inSandboxes = [...this.dirs].flatMap((d) => processesUnder(d)).filter(alive);
      if (pids.length === 0 && inSandboxes.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    return { pids, inSandboxes };
  }
}
