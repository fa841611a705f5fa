// End to end against the Mesos and Flink stand-ins: real processes, real ports, real REST.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FlinkSession } from '../../../src/core/session/FlinkSession';
import { FileSessionStore } from '../../../src/core/session/SessionStore';
import * as path from 'path';
import { packFlinkDistribution } from '../../standin/flink/distribution';
import { startCluster, tempDir, newSession, liveTasks, flinkGet, eventually, deps } from './sessionHarness';

interface TmItem { id: string; slotsNumber: number; freeSlots: number; dataPort: number }

describe('FlinkSession against the stand-ins', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  const dirs: string[] = [];
  const sessions: FlinkSession[] = [];
  const store = (): string => { const d = tempDir('flink-session-store-'); dirs.push(d); return d; };

  before(async () => { cluster = await startCluster({ agents: 3 }); });
  after(async () => {
    for (const s of sessions) await s.stop().catch(() => undefined);
    await cluster.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('1 JobManager + 3 TaskManagers on 3 agents; scale to 5 and 2; a killed TaskManager and a removed agent are replaced; stop leaves 0 tasks', async () => {
    const dir = store();
    const session = await newSession(cluster, dir, { name: 's1', taskManagers: 3, slotsPerTaskManager: 2 });
    sessions.push(session);
    const phases: string[] = [];
    session.on('phase', (p) => phases.push(p));
    await session.start();
    let snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    assert.deepEqual(phases.slice(0, 5), ['subscribing', 'launchingJobManager', 'jobManagerUp', 'taskManagers', 'running']);
    const url = snap.jobManagerUrl!;
    const overview = await flinkGet<{ taskmanagers: number; 'slots-total': number }>(url, '/overview');
    assert.equal(overview.taskmanagers, 3);
    assert.equal(overview['slots-total'], 6);
    const tms = (await flinkGet<{ taskmanagers: TmItem[] }>(url, '/taskmanagers')).taskmanagers;
    assert.deepEqual(tms.map((t) => t.id).sort(), snap.taskManagers.map((t) => t.taskId).sort(), 'Flink ids are the Mesos task ids');
    assert.equal(new Set(snap.taskManagers.map((t) => t.agentId)).size, 3, 'spread over the 3 agents');
    // Ports really come from the offers: what Flink reports equals the ports the tasks reserved from their agent.
    const live = await liveTasks(cluster, session.frameworkId);
    assert.equal(live.length, 4);
    for (const tm of snap.taskManagers) {
      const master = live.find((t) => t.task_id.value === tm.taskId)!;
      const reserved = master.resources.filter((r) => r.name === 'ports').flatMap((r) => r.ranges!.range.flatMap((x) => Array.from({ length: x.end - x.begin + 1 }, (_, i) => x.begin + i)));
      assert.deepEqual(reserved.sort(), [tm.ports.rpc, tm.ports.data].sort());
      assert.equal(tms.find((t) => t.id === tm.taskId)!.dataPort, tm.ports.data);
    }
    const jm = snap.jobManager!;
    assert.equal(url, `http://${jm.hostname}:${jm.ports.rest}`);
    const saved = await new FileSessionStore(dir).load('s1');
    assert.equal(saved?.frameworkId, session.frameworkId);
    assert.equal(saved?.tasks.length, 4);

    await session.scale(5);
    snap = await session.waitFor((s) => s.progress.registered === 5, 30000, 'scale to 5');
    assert.equal((await flinkGet<{ taskmanagers: number }>(url, '/overview')).taskmanagers, 5);
    const { killed } = await session.scale(2);
    assert.equal(killed.length, 3);
    await eventually('3 tasks left after scale to 2', async () => (await liveTasks(cluster, session.frameworkId)).length === 3);
    snap = await session.waitFor((s) => s.taskManagers.length === 2 && s.progress.registered === 2, 30000, 'scale to 2');

    // A TaskManager process dies: replaced, and not at the dead process's host:port (real Flink may refuse that address).
    const victim = snap.taskManagers[0];
    const others = new Set(snap.taskManagers.slice(1).map((t) => t.taskId));
    cluster.faults.killTask(victim.taskId, 'SIGKILL');
    snap = await session.waitFor((s) => !s.taskManagers.some((t) => t.taskId === victim.taskId) && s.progress.registered === 2, 30000, 'replacement');
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 3);
    for (const t of snap.taskManagers.filter((x) => !others.has(x.taskId) && x.agentId === victim.agentId)) {
      assert.ok(!Object.values(t.ports).some((p) => Object.values(victim.ports).includes(p)),
        `replacement ${t.taskId} ${JSON.stringify(t.ports)} avoids the ports of ${victim.taskId} ${JSON.stringify(victim.ports)}`);
    }

    // An agent disappears: its TaskManagers are replaced on the others.
    const jmAgent = snap.jobManager!.agentId;
    const agentWithTm = snap.taskManagers.find((t) => t.agentId !== jmAgent)!.agentId;
    await cluster.faults.removeAgent(agentWithTm);
    snap = await session.waitFor((s) => s.progress.registered === 2 && s.taskManagers.every((t) => t.agentId !== agentWithTm), 30000, 'replaced elsewhere');
    assert.equal(snap.phase, 'running');

    const result = await session.stop();
    assert.deepEqual(result, { leftTasks: [], verified: true });
    // The master confirmed none is left: no task in the snapshot still says it runs (the last updates may never come).
    const ended = session.snapshot();
    assert.ok([...ended.taskManagers, ...(ended.jobManager ? [ended.jobManager] : [])].every((t) => t.state === 'TASK_KILLED' || t.state === 'TASK_FINISHED'),
      JSON.stringify(ended.taskManagers.map((t) => t.state)));
    assert.equal(ended.progress.registered, 0);
    assert.equal(session.phase, 'stopped');
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
    assert.equal(await new FileSessionStore(dir).load('s1'), undefined, 'stopped sessions are forgotten');
  });

  test('the JobManager dies: the session fails cleanly and its TaskManagers are killed', async () => {
    const session = await newSession(cluster, store(), { name: 's2', taskManagers: 2 });
    sessions.push(session);
    await session.start();
    const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    cluster.faults.killTask(snap.jobManager!.taskId, 'SIGKILL');
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.match(session.snapshot().reason!, /The JobManager task ended: TASK_FAILED/);
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('detach, then reattach: the same tasks, no duplicates; a second client is refused', async () => {
    const dir = store();
    const first = await newSession(cluster, dir, { name: 's3', taskManagers: 2 });
    sessions.push(first);
    await first.start();
    const before = await first.waitFor((s) => s.phase === 'running', 60000, 'running');
    // A second client while the first drives the session: refused, nothing changed.
    const rival = await FlinkSession.attach('s3', deps(dir));
    await assert.rejects(rival.start(), /driven by another client \(pid \d+/);
    await first.detach();
    assert.equal(first.phase, 'detached');
    const again = await FlinkSession.attach('s3', deps(dir));
    sessions.push(again);
    await again.start();
    const after = await again.waitFor((s) => s.phase === 'running' && s.connection === 'subscribed', 30000, 'reattached');
    assert.equal(after.frameworkId, before.frameworkId);
    assert.deepEqual(after.taskManagers.map((t) => t.taskId).sort(), before.taskManagers.map((t) => t.taskId).sort());
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await liveTasks(cluster, after.frameworkId)).length, 3, 'no duplicate launched after reconciliation');
    await again.stop();
    assert.equal((await liveTasks(cluster, after.frameworkId)).length, 0);
  });

  test('TaskManagers crashing repeatedly are replaced up to the rate limit, then the limit is reported', async () => {
    const session = await newSession(cluster, store(), { name: 's4', taskManagers: 1, maxTaskManagerFailuresPerMinute: 2 });
    sessions.push(session);
    const warnings: string[] = [];
    session.on('warning', (w) => warnings.push(w));
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    for (let i = 0; i < 3; i++) {
      const tm = await eventually('a running TaskManager', async () => session.snapshot().taskManagers.find((t) => t.state === 'TASK_RUNNING'));
      cluster.faults.failTask(tm.taskId, 'crash');
      await eventually('the crash seen', async () => !session.snapshot().taskManagers.some((t) => t.taskId === tm.taskId));
    }
    await eventually('limit reported', async () => session.snapshot().replacementBlocked);
    assert.ok(warnings.some((w) => /over the limit of 2: the session stops replacing them/.test(w)), warnings.join('\n'));
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(session.snapshot().taskManagers.length, 0, 'no replacement after the limit');
    await session.stop();
  });

  test('greedy: every agent that fits a TaskManager gets them; constraints restrict the agents', async () => {
    const c2 = await startCluster({ agents: [{ cpus: 2, mem: 4096, attributes: { rack: 'r1' } }, { cpus: 2, mem: 4096, attributes: { rack: 'r2' } }, { cpus: 1, mem: 4096, attributes: { rack: 'r2' } }] });
    try {
      const greedy = await newSession(c2, store(), { name: 'g1', taskManagers: undefined, constraints: ['rack:r2'] });
      await greedy.start();
      const snap = await greedy.waitFor((s) => s.phase === 'running', 60000, 'running');
      // r2 agents: 2 cpus (JM + 1 TM) and 1 cpu (1 TM); r1 gets nothing.
      const r1 = c2.agents[0].id;
      assert.ok(snap.taskManagers.every((t) => t.agentId !== r1));
      assert.ok(snap.jobManager!.agentId !== r1);
      await eventually('2 TaskManagers', async () => greedy.snapshot().progress.registered === 2);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(greedy.snapshot().taskManagers.length, 2);
      await greedy.stop();
      assert.equal((await liveTasks(c2, greedy.frameworkId)).length, 0);
    } finally {
      await c2.stop();
    }
  });

  test('Flink from a URI: every agent fetches and extracts the archive into the sandbox', async () => {
    const dir = store();
    const tgz = await packFlinkDistribution(path.join(dir, 'flink-standin.tgz'));
    const session = await newSession(cluster, dir, { name: 'u1', taskManagers: 2, flink: { kind: 'uri', uri: `file://${tgz}` } });
    sessions.push(session);
    await session.start();
    const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    assert.equal((await flinkGet<{ taskmanagers: number }>(snap.jobManagerUrl!, '/overview')).taskmanagers, 2);
    await session.stop();
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('a cluster that can never fit: the diagnosis, then the session gives up', async () => {
    const session = await newSession(cluster, store(), { name: 's5', taskManagers: 1, taskManagerMemoryMb: 65536, fitTimeoutSeconds: 2 });
    const diagnoses: string[] = [];
    session.on('diagnosis', (d) => diagnoses.push(d));
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.match(diagnoses[0], /needs 65536 MB and 1 cpu and 2 ports per TaskManager and still waits for 1 of 1 TaskManagers; the offers now, after what the session holds: agent \S+ \(\S+\): \d+ MB free, a TaskManager needs 65536 MB/);
    assert.match(session.snapshot().reason!, /Gave up after 2 s waiting for offers that fit/);
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('an unreachable master: a fast, clear error', async () => {
    const validatedStart = Date.now();
    const session = await newSession(cluster, store(), { name: 's6', taskManagers: 1, master: '127.0.0.1:1' });
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.match(session.snapshot().reason!, /refused.*Check the master address/);
    assert.ok(Date.now() - validatedStart < 5000);
  });

  test('a framework removed by the master: a clear message and the saved state is cleared', async () => {
    const dir = store();
    const session = await newSession(cluster, dir, { name: 's7', taskManagers: 1 });
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    const saved = (await new FileSessionStore(dir).load('s7'))!;
    await session.stop();
    // The stop cleared the record; put the old one back as a client that crashed before it could would have left it.
    await new FileSessionStore(dir).save({ ...saved, owner: undefined });
    const stale = await FlinkSession.attach('s7', deps(dir));
    await stale.start();
    await stale.whenEnded();
    assert.equal(stale.phase, 'failed');
    assert.match(stale.snapshot().reason!, /removed framework .* saved state was cleared; start a new session/);
    assert.equal(await new FileSessionStore(dir).load('s7'), undefined);
  });
});

describe('FlinkSession leader switch during start', { timeout: 120000 }, () => {
  test('the client follows the new leader and the session comes up without duplicates', async () => {
    const cluster = await startCluster({ agents: 2, masters: 2 });
    const dir = tempDir('flink-session-store-');
    try {
      const session = await newSession(cluster, dir, { name: 'ls', taskManagers: 2 });
      await session.start();
      await session.waitFor((s) => s.phase === 'launchingJobManager' || s.phase === 'jobManagerUp' || s.phase === 'taskManagers', 30000, 'subscribed');
      cluster.faults.switchLeader(1);
      const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running after the switch');
      assert.equal(snap.leaderUrl, cluster.masterUrls[1]);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await liveTasks(cluster, session.frameworkId)).length, 3);
      await session.stop();
      assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
    } finally {
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
