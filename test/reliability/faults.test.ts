// Issue 9, faults 1-7 and 9-12 at the core level: a FlinkSession against the Mesos and Flink stand-ins, a fault from the
// cluster's fault handle, then the end state through the master's operator API and Flink's REST API.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { FlinkSession, SessionConflictError, type FlinkSessionDeps } from '../../src/core/session/FlinkSession';
import { FileSessionStore, type SessionRecord } from '../../src/core/session/SessionStore';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../src/core/flink/FlinkRestError';
import { JarSubmitter, MemoryJarUploadStore } from '../../src/core/flink/JarSubmitter';
import { buildJar, WORDCOUNT_CLASS } from '../fixtures/jars';
import {
  FAST, ProcessTracker, assertEndState, assertGone, deps, eventually, flinkGet, frameworkStatus, liveTasks, newSession, sha256, startCluster, tempDir,
} from './reliabilityHarness';

// Flink forgets a dead TaskManager after heartbeat.timeout (50 s by default): short here so the end state settles in seconds.
const QUICK_FLINK = { 'heartbeat.timeout': '5000', 'heartbeat.interval': '500' };
const MAIN = path.resolve(__dirname, '../../src/core/cli/main.js');

const tracker = new ProcessTracker();
const dirs: string[] = [];
const storeDir = (): string => { const d = tempDir('reliability-store-'); dirs.push(d); return d; };
const sessions: FlinkSession[] = [];

async function running(cluster: MesosCluster, dir: string, name: string, taskManagers: number, extra: Parameters<typeof newSession>[2] = {}, depsExtra: Partial<FlinkSessionDeps> = {}): Promise<FlinkSession> {
  const session = await newSession(cluster, dir, { name, taskManagers, dynamicProperties: QUICK_FLINK, ...extra }, depsExtra);
  sessions.push(session);
  await session.start();
  await session.waitFor((s) => s.phase === 'running', 60000, `${name} running`);
  return session;
}

function taskIds(session: FlinkSession): string[] {
  const s = session.snapshot();
  return [...(s.jobManager ? [s.jobManager.taskId] : []), ...s.taskManagers.map((t) => t.taskId)].sort();
}

let cluster: MesosCluster;
before(async () => { cluster = tracker.track(await startCluster({ agents: 3, masters: 2 })); });
after(async () => {
  for (const s of sessions) await s.stop().catch(() => undefined);
  await tracker.stopAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('faults 1-3, 9, 12: one running session through connection faults', { timeout: 120000 }, () => {
  let session: FlinkSession;
  let store: FileSessionStore;
  let dir: string;
  const connection: { state: string; reason?: string; retryInMs?: number; at: number }[] = [];

  before(async () => {
    dir = storeDir();
    store = new FileSessionStore(dir);
    session = await newSession(cluster, dir, { name: 'conn', taskManagers: 2, dynamicProperties: QUICK_FLINK });
    sessions.push(session);
    session.on('connection', (state, d) => connection.push({ state, reason: d.reason, retryInMs: d.retryInMs, at: Date.now() }));
  });

  test('fault 1: the leader master changes during start and again while running; the session goes on without duplicates', async () => {
    await session.start();
    await session.waitFor((s) => s.phase === 'launchingJobManager' || s.phase === 'jobManagerUp' || s.phase === 'taskManagers', 30000, 'subscribed');
    cluster.faults.switchLeader(1);
    await session.waitFor((s) => s.phase === 'running', 60000, 'running after the first switch');
    assert.equal(session.snapshot().leaderUrl, cluster.masterUrls[1]);
    await assertEndState(cluster, session, store, 2);
    const before = taskIds(session);
    cluster.faults.switchLeader(0);
    await session.waitFor((s) => s.connection === 'subscribed' && s.leaderUrl === cluster.masterUrls[0], 20000, 'subscribed to the new leader');
    await new Promise((r) => setTimeout(r, 1000)); // a reconciliation round
    await assertEndState(cluster, session, store, 2);
    assert.deepEqual(taskIds(session), before, 'the same tasks: nothing relaunched');
  });

  test('fault 2a: the event stream is cut: reconnected at once, tasks kept', async () => {
    const before = taskIds(session);
    connection.length = 0;
    assert.equal(cluster.faults.dropStream(session.frameworkId), 1);
    await eventually('disconnected, then subscribed again', async () => connection.some((c) => c.state === 'disconnected') && session.snapshot().connection === 'subscribed', 10000);
    await assertEndState(cluster, session, store, 2);
    assert.deepEqual(taskIds(session), before);
  });

  test('fault 2b: heartbeats go silent: detected within the watchdog bound (3 x 1 s), reconnected, tasks kept', async () => {
    const before = taskIds(session);
    connection.length = 0;
    const t0 = Date.now();
    cluster.faults.stopHeartbeats(session.frameworkId);
    const lost = await eventually('the watchdog fires', async () => connection.find((c) => c.state === 'disconnected'), 10000, 50);
    cluster.faults.resumeHeartbeats(session.frameworkId);
    const detectedMs = lost.at - t0;
    // heartbeatMissedIntervals (3) x heartbeat_interval_seconds (1 s), counted from the last event before the silence.
    assert.ok(detectedMs <= 3000 + 1500, `detected after ${detectedMs} ms`);
    assert.match(lost.reason ?? '', /No event from .* for 3000 ms \(3 heartbeat intervals of 1 s\); the connection is presumed dead/);
    await session.waitFor((s) => s.connection === 'subscribed', 10000, 'subscribed again');
    await assertEndState(cluster, session, store, 2);
    assert.deepEqual(taskIds(session), before);
  });

  test('fault 3: the master is away longer than the backoff cap: "disconnected, retrying" with capped delays, nothing hangs, all recovers', async () => {
    const before = taskIds(session);
    connection.length = 0;
    const down = cluster.faults.restartMaster(3500); // > backoffMaxMs (1000)
    await eventually('disconnected', async () => connection.some((c) => c.state === 'disconnected'), 5000, 20);
    // The session answers at once while Mesos is away.
    const t0 = Date.now();
    const snap = session.snapshot();
    assert.ok(Date.now() - t0 < 50);
    assert.equal(snap.phase, 'running', 'a lost connection is not a failed session');
    await down;
    await session.waitFor((s) => s.connection === 'subscribed', 15000, 'subscribed after the master returned');
    const retries = connection.filter((c) => c.state === 'disconnected');
    assert.ok(retries.length >= 3, `retried ${retries.length} times`);
    for (const r of retries) assert.ok((r.retryInMs ?? 0) <= 1000, `a retry delay of ${r.retryInMs} ms is over the cap`);
    assert.ok(retries.every((r) => typeof r.reason === 'string' && r.reason.length > 0), 'each retry says why');
    await assertEndState(cluster, session, store, 2);
    assert.deepEqual(taskIds(session), before);
  });

  test('fault 9: the Flink REST API is slow (JobManager stopped): calls time out naming the address, the session never blocks, all recovers', async () => {
    const jm = session.snapshot().jobManager!;
    const url = session.jobManagerUrl!;
    const client = new FlinkRestClient(url, { timeoutMs: 800, connectTimeoutMs: 800, retries: 0 });
    cluster.faults.killTask(jm.taskId, 'SIGSTOP');
    try {
      const t0 = Date.now();
      await assert.rejects(client.overview(), (e: unknown) => e instanceof FlinkRestError && e.kind === 'timeout' && e.message.includes(url) && /\d+ ms|\d+(\.\d+)? s/.test(e.message));
      assert.ok(Date.now() - t0 < 3000, `the timeout took ${Date.now() - t0} ms`);
      // The session keeps answering and keeps running while Flink does not answer.
      const t1 = Date.now();
      assert.equal(session.snapshot().phase, 'running');
      assert.ok(Date.now() - t1 < 50);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(session.snapshot().phase, 'running');
    } finally {
      cluster.faults.killTask(jm.taskId, 'SIGCONT');
      await client.close();
    }
    await assertEndState(cluster, session, store, 2);
  });

  test('fault 12: stop ends with 0 tasks of ours on the master, the framework removed and the store cleared', async () => {
    const frameworkId = session.frameworkId;
    const result = await session.stop();
    assert.deepEqual(result, { leftTasks: [], verified: true });
    assert.equal(session.phase, 'stopped');
    await assertGone(cluster, frameworkId, store, 'conn');
  });
});

describe('faults 4-6: agents and processes die', { timeout: 120000 }, () => {
  test('fault 4: an agent is removed: its TaskManagers are replaced on other agents', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'agent', 2);
    await assertEndState(cluster, session, store, 2);
    const snap = session.snapshot();
    const victim = snap.taskManagers.find((t) => t.agentId !== snap.jobManager!.agentId)!;
    const lostOnAgent = snap.taskManagers.filter((t) => t.agentId === victim.agentId).map((t) => t.taskId);
    await cluster.faults.removeAgent(victim.agentId);
    await session.waitFor((s) => s.taskManagers.every((t) => t.agentId !== victim.agentId) && s.progress.registered === 2, 30000, 'replaced');
    await assertEndState(cluster, session, store, 2);
    assert.ok(session.snapshot().taskManagers.every((t) => !lostOnAgent.includes(t.taskId)), 'new task ids for the replacements');
    const frameworkId = session.frameworkId;
    await session.stop();
    await assertGone(cluster, frameworkId, store, 'agent');
  });

  test('fault 5: TaskManagers crash repeatedly: replaced up to the rate limit, the limit is reported, scaling resumes replacement', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'crashy', 2, { maxTaskManagerFailuresPerMinute: 2 });
    const warnings: string[] = [];
    session.on('warning', (w) => warnings.push(w));
    for (let i = 0; i < 3; i++) {
      const tm = await eventually('a running TaskManager', async () => session.snapshot().taskManagers.find((t) => t.state === 'TASK_RUNNING'));
      cluster.faults.failTask(tm.taskId, 'crash');
      await eventually('the crash seen', async () => !session.snapshot().taskManagers.some((t) => t.taskId === tm.taskId));
    }
    await eventually('limit reported', async () => session.snapshot().replacementBlocked);
    assert.equal(warnings.filter((w) => /launching a replacement/.test(w)).length, 2, warnings.join('\n'));
    assert.ok(warnings.some((w) => /3 TaskManagers ended within a minute, over the limit of 2: the session stops replacing them\. Look at a TaskManager log/.test(w)), warnings.join('\n'));
    await new Promise((r) => setTimeout(r, 1000));
    // Blocked: the master lists the JobManager and the one surviving TaskManager, nothing more; Flink agrees.
    const snap = session.snapshot();
    assert.equal(snap.taskManagers.length, 1);
    const onMaster = (await liveTasks(cluster, session.frameworkId)).map((t) => t.task_id.value).sort();
    assert.deepEqual(onMaster, [snap.jobManager!.taskId, snap.taskManagers[0].taskId].sort());
    await eventually('Flink forgot the crashed TaskManagers', async () => {
      const ids = (await flinkGet<{ taskmanagers: { id: string }[] }>(snap.jobManagerUrl!, '/taskmanagers')).taskmanagers.map((t) => t.id);
      return ids.length === 1 && ids[0] === snap.taskManagers[0].taskId;
    }, 15000);
    await session.scale(2);
    await session.waitFor((s) => s.phase === 'running' && s.progress.registered === 2, 30000, 'scaled back');
    await assertEndState(cluster, session, store, 2);
    const frameworkId = session.frameworkId;
    await session.stop();
    await assertGone(cluster, frameworkId, store, 'crashy');
  });

  test('fault 6: the JobManager process dies: the session fails cleanly, its TaskManagers are killed, the reason is shown', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'jmdies', 2);
    const snap = session.snapshot();
    const tmPids = snap.taskManagers.length;
    assert.equal(tmPids, 2);
    cluster.faults.killTask(snap.jobManager!.taskId, 'SIGKILL');
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.match(session.snapshot().reason!, /The JobManager task ended: TASK_FAILED.*Its TaskManagers were killed\./);
    await assertGone(cluster, snap.frameworkId, store, 'jmdies');
    // The TaskManager processes are gone from their agents, not only from the master's books.
    await eventually('the TaskManager processes ended on their agents', async () => snap.taskManagers.every((tm) => cluster.agent(tm.agentId)?.hasTask(snap.frameworkId!, tm.taskId) === false), 5000);
    await assert.rejects(flinkGet(snap.jobManagerUrl!, '/overview'));
  });
});

describe('faults 7, 10-12: clients restart, uploads break, frameworks expire, stops under faults', { timeout: 150000 }, () => {
  test('fault 7 (+ core half of 8): the CLI client is killed mid-start; reattach completes the session with no duplicate and nothing orphaned; a second client is refused', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const master = cluster.masterUrls.map((u) => u.replace(/^http:\/\//, '')).join(',');
    const child = spawn(process.execPath, [MAIN, 'session', 'start', '-m', master, '-n', '3', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome,
      '--name', 'crashed', '--store', dir, '-D', 'heartbeat.timeout=5000', '-D', 'heartbeat.interval=500'],
    { env: { ...process.env, FLINK_MESOS_TIMINGS: JSON.stringify(FAST), STANDIN_STARTUP_DELAY_MS: '1500' }, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      // Kill it once the JobManager and TaskManagers are launched but before the session runs.
      await eventually('tasks launched', async () => {
        const rec = await store.load('crashed').catch(() => undefined);
        return rec && rec.tasks.filter((t) => t.kind === 'taskmanager').length === 3 && rec.phase !== 'running' ? rec : undefined;
      }, 30000, 20);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const saved = (await store.load('crashed'))!;
    assert.ok(saved.owner, 'the killed client still owns the record');
    // What the killed client had really launched (an ACCEPT cut short by the kill never reached the master).
    const launchedBeforeKill = (await liveTasks(cluster, saved.frameworkId)).map((t) => t.task_id.value);
    const session = await FlinkSession.attach('crashed', deps(dir));
    sessions.push(session);
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running after reattach');
    assert.equal(session.frameworkId, saved.frameworkId);
    await new Promise((r) => setTimeout(r, 1000));
    await assertEndState(cluster, session, store, 3);
    const now = taskIds(session);
    for (const id of launchedBeforeKill) assert.ok(now.includes(id), `${id}, launched by the killed client, was adopted, not replaced (now ${now.join(', ')})`);

    // Core half of fault 8: a second client on the same stored session is refused clearly and changes nothing.
    const before = await store.load('crashed');
    const rival = await FlinkSession.attach('crashed', deps(dir));
    await assert.rejects(rival.start(), (e: unknown) => e instanceof SessionConflictError
      && new RegExp(`driven by another client \\(pid ${process.pid} on `).test(e.message) && /Use that client, or stop it first/.test(e.message) && /read-only/.test(e.message));
    const afterRival = await store.load('crashed');
    assert.equal(afterRival?.owner?.id, before?.owner?.id, 'the rival did not take the record');
    await assertEndState(cluster, session, store, 3);
    const frameworkId = session.frameworkId;
    await session.stop();
    await assertGone(cluster, frameworkId, store, 'crashed');
  });

  test('fault 10: the jar upload is cut halfway: a clear error, the jar untouched, and a retry works with exactly one jar on the JobManager', async () => {
    const dir = storeDir();
    const session = await running(cluster, dir, 'upload', 1);
    const jm = new URL(session.jobManagerUrl!);
    const jar = await buildJar(path.join(dir, 'big job.jar'), { mainClass: WORDCOUNT_CLASS, extraBytes: 3 * 1024 * 1024 });
    const hash = sha256(jar);
    // A TCP proxy that cuts the connection halfway through the upload while `cut` is set.
    let cut = true;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(jm.port), jm.hostname);
      let sent = 0;
      client.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (cut && sent > 1536 * 1024) { client.destroy(); upstream.destroy(); return; }
        upstream.write(chunk);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const client = new FlinkRestClient(proxyUrl, { timeoutMs: 5000, retries: 0 });
    const direct = new FlinkRestClient(session.jobManagerUrl!, { timeoutMs: 5000, retries: 0 });
    try {
      const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
      let error: unknown;
      await submitter.upload(jar).catch((e: unknown) => { error = e; });
      assert.ok(error instanceof FlinkRestError, `expected a FlinkRestError, got ${String(error)}`);
      assert.match(error.message, /jars\/upload/, 'names the upload');
      assert.ok(error.message.includes(proxyUrl), 'names the JobManager');
      assert.ok(error.fix && error.fix.length > 5, `names a fix: ${error.fix}`);
      assert.equal(sha256(jar), hash, 'the jar file is untouched');
      const jarsAfterCut = (await flinkGet<{ files: { name: string }[] }>(session.jobManagerUrl!, '/jars')).files;
      assert.equal(jarsAfterCut.length, 0, 'no half jar on the JobManager');
      cut = false;
      // The user retries (here straight at the JobManager, as a retry after the network came back would).
      const again = await new JarSubmitter(direct, { store: new MemoryJarUploadStore() }).upload(jar);
      assert.equal(again.uploaded, true);
      const jars = (await flinkGet<{ files: { id: string; name: string }[] }>(session.jobManagerUrl!, '/jars')).files;
      assert.deepEqual(jars.map((j) => j.id), [again.jarId], 'exactly one jar after the retry');
      assert.equal(sha256(jar), hash);
    } finally {
      await client.close();
      await direct.close();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
    await session.stop();
  });

  test('fault 11: the master removes the framework while the client is away: clear message, stale state cleared, a new session starts', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const first = await running(cluster, dir, 'expiring', 1, { failoverTimeoutSeconds: 1 });
    const oldFramework = first.frameworkId;
    await first.detach();
    assert.ok(await store.load('expiring'), 'detached: the record stays for the next attach');
    await eventually('the master removed the framework', async () => (await frameworkStatus(cluster, oldFramework)) === 'completed', 15000);
    assert.equal((await liveTasks(cluster, oldFramework)).length, 0, 'the master killed its tasks');
    const stale = await FlinkSession.attach('expiring', deps(dir));
    await stale.start();
    await stale.whenEnded();
    assert.equal(stale.phase, 'failed');
    assert.match(stale.snapshot().reason!, new RegExp(`The Mesos master removed framework ${oldFramework} \\(its failover timeout passed or it was torn down\\).*saved state was cleared; start a new session`));
    assert.equal(await store.load('expiring'), undefined, 'the stale state is cleared');
    const fresh = await running(cluster, dir, 'expiring', 1);
    assert.notEqual(fresh.frameworkId, oldFramework);
    await assertEndState(cluster, fresh, store, 1);
    await fresh.stop();
    await assertGone(cluster, fresh.frameworkId, store, 'expiring');
  });

  test('fault 12: stop while the session is still starting ends with 0 tasks of ours', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await newSession(cluster, dir, { name: 'early', taskManagers: 2 });
    sessions.push(session);
    await session.start();
    await session.waitFor((s) => s.jobManager !== undefined, 20000, 'JobManager launched');
    const result = await session.stop();
    assert.deepEqual(result, { leftTasks: [], verified: true });
    await assertGone(cluster, session.frameworkId, store, 'early');
  });

  test('fault 12: after one refused TEARDOWN the framework itself is removed too, not left registered for its failover timeout', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'noteardown', 1);
    const frameworkId = session.frameworkId;
    cluster.faults.refuseCalls(503, { callTypes: ['TEARDOWN'], times: 1 });
    try {
      const result = await session.stop();
      assert.deepEqual(result, { leftTasks: [], verified: true }, 'TEARDOWN sent again: no KILL fallback, nothing left');
    } finally {
      cluster.faults.clear();
    }
    assert.equal(session.phase, 'stopped');
    assert.equal((await liveTasks(cluster, frameworkId)).length, 0);
    assert.equal(await frameworkStatus(cluster, frameworkId), 'completed', 'the framework was not torn down: it stays registered on the master');
    await assertGone(cluster, frameworkId, store, 'noteardown');
  });

  test('fault 12: stop when the master refuses every retried TEARDOWN: the tasks are killed one by one, then TEARDOWN once more removes the framework', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'killfallback', 1);
    const frameworkId = session.frameworkId;
    // 1 + 3 retries refused; the one after the KILLs goes through.
    cluster.faults.refuseCalls(503, { callTypes: ['TEARDOWN'], times: 4 });
    try {
      const result = await session.stop();
      assert.deepEqual(result, { leftTasks: [], verified: true });
    } finally {
      cluster.faults.clear();
    }
    assert.equal((await liveTasks(cluster, frameworkId)).length, 0);
    assert.equal(await frameworkStatus(cluster, frameworkId), 'completed');
    await assertGone(cluster, frameworkId, store, 'killfallback');
  });

  test('fault 12: stop when the master never takes TEARDOWN: 0 tasks of ours (killed one by one), and the stop says the framework stays registered', async () => {
    const dir = storeDir();
    const store = new FileSessionStore(dir);
    const session = await running(cluster, dir, 'neverteardown', 1, { failoverTimeoutSeconds: 2 });
    const frameworkId = session.frameworkId;
    cluster.faults.refuseCalls(503, { callTypes: ['TEARDOWN'] });
    try {
      const result = await session.stop();
      assert.deepEqual(result, { leftTasks: [], verified: true, frameworkLeft: true });
    } finally {
      cluster.faults.clear();
    }
    assert.equal(session.phase, 'stopped');
    assert.match(session.snapshot().reason ?? '', new RegExp(`refused TEARDOWN, so framework ${frameworkId} stays registered until its failover timeout \\(2 s\\) passes; tear it down`));
    assert.equal((await liveTasks(cluster, frameworkId)).length, 0);
    assert.equal(await store.load('neverteardown'), undefined);
    // Only the failover timeout removes it now.
    await eventually('the master removed the framework after its failover timeout', async () => (await frameworkStatus(cluster, frameworkId)) === 'completed', 15000);
  });
});

/** A file store whose saves are slow (so one is nearly always in flight) and which logs every write in the order it ends. */
class SlowStore extends FileSessionStore {
  readonly writes: string[] = [];
  constructor(dir: string, private readonly saveMs: number) { super(dir); }
  override async save(record: SessionRecord): Promise<void> {
    await new Promise((r) => setTimeout(r, this.saveMs));
    await super.save(record);
    this.writes.push(`save ${record.phase}`);
  }
  override async delete(name: string): Promise<void> {
    await super.delete(name);
    this.writes.push('delete');
  }
}

describe('stop and the store', { timeout: 60000 }, () => {
  test('when stop() resolves, the saved session is already cleared', async () => {
    for (let i = 0; i < 3; i++) {
      const dir = storeDir();
      const store = new FileSessionStore(dir);
      const session = await running(cluster, dir, `cleared${i}`, 1);
      await session.stop();
      assert.equal(await store.load(`cleared${i}`), undefined, `round ${i}`);
    }
  });

  test('a save still in flight when the session stops never brings the record back after the delete', async () => {
    const dir = storeDir();
    // Saves take longer than the lease heartbeat (300 ms): a save is in flight, with more queued, whenever the stop comes.
    const store = new SlowStore(dir, 400);
    const session = await running(cluster, dir, 'inflight', 1, {}, { store });
    assert.ok(store.writes.length > 0);
    const stopped = session.stop();
    await stopped;
    assert.equal(await store.load('inflight'), undefined, 'cleared when stop() resolved');
    assert.equal(store.writes.at(-1), 'delete', `the delete is the last write: ${store.writes.join(', ')}`);
    // Anything still queued would land within a few save times.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await store.load('inflight'), undefined, 'no save recreated the record');
    assert.equal(store.writes.at(-1), 'delete', `no write after the delete: ${store.writes.join(', ')}`);
    assert.equal(store.writes.filter((w) => w === 'delete').length, 1);
  });
});

describe('no process left', () => {
  test('after every cluster of this file stops, no task process of theirs remains', async () => {
    for (const s of sessions) await s.stop().catch(() => undefined);
    const seen = tracker.seen;
    assert.ok(seen > 10, `the tracker saw ${seen} task processes`);
    const left = await tracker.stopAll();
    assert.deepEqual(left, { pids: [], inSandboxes: [] });
  });
});
