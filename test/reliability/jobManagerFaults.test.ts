// Issue 15's fault cases, at the core level: sessions with ZooKeeper HA (Debian's real ZooKeeper) against the Mesos and
// Flink stand-ins. The stand-in JobManager publishes its address in the HA storage and the stand-in TaskManagers follow it
// (real Flink does this through ZooKeeper; test/real/jobManagerHaSuite.ts runs the same kill against real Flink).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { FlinkSession, SessionError, type FlinkSessionDeps, type SessionSnapshot } from '../../src/core/session/FlinkSession';
import { FileSessionStore } from '../../src/core/session/SessionStore';
import { ZooKeeperServer, zookeeperUnavailable } from '../core/mesos/zookeeperServer';
import { freePort } from '../helpers/freePort';
import { FAST, ProcessTracker, allLiveTasks, deps, eventually, flinkGet, liveTasks, newSession, startCluster, tempDir } from './reliabilityHarness';

const QUICK_FLINK = { 'heartbeat.timeout': '5000', 'heartbeat.interval': '500' };
const tracker = new ProcessTracker();
const dirs: string[] = [];
const dir = (prefix: string): string => { const d = tempDir(prefix); dirs.push(d); return d; };
const sessions: FlinkSession[] = [];
const HA_TIMINGS = { ...FAST, zookeeperProbeMs: 1500, zookeeperCheckMs: 300 };

let cluster: MesosCluster;
let zk: ZooKeeperServer;
before(async () => {
  const missing = zookeeperUnavailable();
  if (missing) throw new Error(`ZooKeeper cannot run: ${missing} (scripts/ensure-deps.sh installs it)`);
  zk = await ZooKeeperServer.start();
  cluster = tracker.track(await startCluster({ agents: 3 }));
});
after(async () => {
  for (const s of sessions) await s.stop().catch(() => undefined);
  await tracker.stopAll();
  await zk?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function haSession(store: string, name: string, taskManagers: number, extra: Parameters<typeof newSession>[2] = {}, depsExtra: Partial<FlinkSessionDeps> = {}): Promise<FlinkSession> {
  const session = await newSession(cluster, store, {
    name, taskManagers, dynamicProperties: QUICK_FLINK, ha: `zk://${zk.connect}/flink-mesos-reliability`, haStorage: dir('ha-storage-'), ...extra,
  }, { timings: HA_TIMINGS, ...depsExtra });
  sessions.push(session);
  return session;
}

const recovered = (generation: number, tms: number) => (s: SessionSnapshot): boolean =>
  s.phase === 'running' && s.jobManagerGeneration === generation && s.jobManager?.state === 'TASK_RUNNING' && s.progress.registered === tms;

/** The master lists exactly one JobManager and `tms` TaskManagers of the framework, and Flink lists those TaskManagers. */
async function exactlyOneJobManager(s: SessionSnapshot, tms: number): Promise<void> {
  const live = (await liveTasks(cluster, s.frameworkId)).map((t) => t.task_id.value).sort();
  assert.deepEqual(live, [s.jobManager!.taskId, ...s.taskManagers.map((t) => t.taskId)].sort(), 'the master lists what the session holds');
  assert.equal(live.filter((id) => id.startsWith('jobmanager-')).length, 1, 'one JobManager');
  assert.equal(s.taskManagers.length, tms);
  const flinkTms = (await flinkGet<{ taskmanagers: { id: string }[] }>(s.jobManagerUrl!, '/taskmanagers')).taskmanagers.map((t) => t.id).sort();
  assert.deepEqual(flinkTms, s.taskManagers.map((t) => t.taskId).sort(), 'the new JobManager lists the TaskManagers, none twice');
}

describe('JobManager faults with high availability', { timeout: 180000 }, () => {
  test('the JobManager killed during a TaskManager replacement: a new JobManager, the lost TaskManager replaced once, the other kept', async () => {
    const session = await haSession(dir('jmf-store-'), 'jm-during-tm', 2);
    await session.start();
    const first = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    const [victim, survivor] = first.taskManagers;
    cluster.faults.killTask(victim.taskId, 'SIGKILL');
    await session.waitFor((s) => !s.taskManagers.some((t) => t.taskId === victim.taskId), 20000, 'the TaskManager gone');
    cluster.faults.killTask(first.jobManager!.taskId, 'SIGKILL');
    const back = await session.waitFor(recovered(2, 2), 60000, 'recovered with generation 2 and 2 TaskManagers');
    assert.notEqual(back.jobManager!.taskId, first.jobManager!.taskId);
    assert.notEqual(back.jobManager!.agentId, first.jobManager!.agentId, 'another agent, as one fits');
    assert.ok(back.taskManagers.some((t) => t.taskId === survivor.taskId), 'the surviving TaskManager stays');
    assert.ok(!back.taskManagers.some((t) => t.taskId === victim.taskId));
    await exactlyOneJobManager(back, 2);
    assert.deepEqual((await session.stop()).leftTasks, []);
  });

  test('the JobManager killed while no client follows: attach finishes the recovery from the saved state', async () => {
    const store = dir('jmf-store-');
    const session = await haSession(store, 'jm-away', 2);
    await session.start();
    const first = await session.waitFor((s) => s.phase === 'running' && s.progress.registered === 2, 60000, 'running');
    await session.detach();
    cluster.faults.killTask(first.jobManager!.taskId, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const again = await FlinkSession.attach('jm-away', deps(store, { timings: HA_TIMINGS }));
    sessions.push(again);
    await again.start();
    const back = await again.waitFor(recovered(2, 2), 60000, 'recovered after attach');
    assert.deepEqual(back.taskManagers.map((t) => t.taskId).sort(), first.taskManagers.map((t) => t.taskId).sort(), 'the same TaskManagers');
    await exactlyOneJobManager(back, 2);
    const saved = await new FileSessionStore(store).load('jm-away');
    assert.equal(saved?.jobManagerGeneration, 2, 'the generation is saved');
    assert.equal(saved?.jobManagerRestarts?.length, 1, 'the restart is saved');
    assert.deepEqual((await again.stop()).leftTasks, []);
  });

  test('the client goes away during a recovery: the saved record says so, and attach finishes it with one JobManager', async () => {
    const store = dir('jmf-store-');
    const session = await haSession(store, 'jm-mid', 1);
    await session.start();
    const first = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    // The new JobManager's ACCEPT is held back, so the client leaves with the recovery begun and nothing placed yet.
    cluster.faults.delayCalls(1500, ['ACCEPT']);
    cluster.faults.killTask(first.jobManager!.taskId, 'SIGKILL');
    await session.waitFor((s) => s.phase === 'recoveringJobManager', 20000, 'recovering');
    await session.detach();
    cluster.faults.delayCalls(0);
    const saved = await new FileSessionStore(store).load('jm-mid');
    assert.equal(saved?.phase, 'recoveringJobManager');
    assert.equal(saved?.jobManagerGeneration, 2);
    assert.equal(saved?.lostJobManagerAgent, first.jobManager!.agentId);
    const again = await FlinkSession.attach('jm-mid', deps(store, { timings: HA_TIMINGS }));
    sessions.push(again);
    await again.start();
    const back = await again.waitFor(recovered(2, 1), 60000, 'recovered after attach');
    await eventually('one JobManager on the master', async () => (await liveTasks(cluster, back.frameworkId)).filter((t) => t.task_id.value.startsWith('jobmanager-')).length === 1, 20000, 200);
    await exactlyOneJobManager(again.snapshot(), 1);
    assert.deepEqual((await again.stop()).leftTasks, []);
  });

  test('the restart limit: past --max-job-manager-restarts the session stops replacing the JobManager, says why, and leaves no task', async () => {
    const session = await haSession(dir('jmf-store-'), 'jm-limit', 1, { maxJobManagerRestartsPerHour: 1 });
    await session.start();
    const first = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    cluster.faults.killTask(first.jobManager!.taskId, 'SIGKILL');
    const back = await session.waitFor(recovered(2, 1), 60000, 'recovered once');
    cluster.faults.killTask(back.jobManager!.taskId, 'SIGKILL');
    await session.whenEnded();
    const end = session.snapshot();
    assert.equal(end.phase, 'failed');
    assert.equal(end.failureKind, 'jobManagerRestartLimit');
    assert.match(end.reason ?? '', /relaunched 1 time\(s\) within the last hour, the limit of --max-job-manager-restarts 1: the session stops replacing it/);
    await eventually('no task left', async () => (await liveTasks(cluster, first.frameworkId)).length === 0, 20000, 200);
  });
});

describe('a JobManager recovery that no offer fits', { timeout: 120000 }, () => {
  test('after the fit timeout the session says what the offers lack, keeps waiting with its TaskManager, and stops cleanly', async () => {
    // Two agents that each hold a JobManager or a TaskManager, not both: once the JobManager's agent is gone, nothing fits it.
    const small = tracker.track(await startCluster({ agents: [{ cpus: 2, mem: 1800 }, { cpus: 2, mem: 1800 }] }));
    const session = await newSession(small, dir('jmf-store-'), {
      name: 'jm-nofit', taskManagers: 1, dynamicProperties: QUICK_FLINK, ha: `zk://${zk.connect}/flink-mesos-nofit`, haStorage: dir('ha-storage-'),
      fitTimeoutSeconds: 2,
    }, { timings: HA_TIMINGS });
    sessions.push(session);
    const warnings: string[] = [];
    session.on('warning', (w: string) => warnings.push(w));
    await session.start();
    const first = await session.waitFor((s) => s.phase === 'running' && s.progress.registered === 1, 60000, 'running');
    assert.notEqual(first.jobManager!.agentId, first.taskManagers[0].agentId);
    await small.faults.removeAgent(first.jobManager!.agentId);
    await session.waitFor((s) => s.phase === 'recoveringJobManager', 30000, 'recovering');
    await eventually('the no-fit warning', async () => warnings.some((w) => /has found no offer that fits for 2 s/.test(w)), 30000, 200)
      .catch((e: Error) => { throw new Error(`${e.message}; warnings: ${warnings.join(' / ')}; snapshot ${JSON.stringify(session.snapshot()).slice(0, 1500)}`); });
    const said = warnings.find((w) => /has found no offer that fits/.test(w))!;
    assert.match(said, /generation 2/);
    assert.match(said, /The session keeps waiting, its TaskManagers stay/);
    const waiting = session.snapshot();
    assert.equal(waiting.phase, 'recoveringJobManager');
    assert.equal(waiting.taskManagers.length, 1, 'the TaskManager stays while the JobManager waits');
    assert.equal(warnings.filter((w) => /has found no offer that fits/.test(w)).length, 1, 'said once');
    assert.deepEqual(await session.stop(), { leftTasks: [], verified: true });
    assert.equal((await liveTasks(small, first.frameworkId)).length, 0);
  });
});

describe('ZooKeeper faults', { timeout: 120000 }, () => {
  test('ZooKeeper down at start: a clear error, nothing registered, nothing saved', async () => {
    const store = dir('jmf-store-');
    const port = await freePort();
    const before = await allLiveTasks(cluster);
    await assert.rejects(newSession(cluster, store, { name: 'zk-down', taskManagers: 1, ha: `zk://127.0.0.1:${port}/flink`, haStorage: dir('ha-storage-') }, { timings: HA_TIMINGS }),
      (e: unknown) => {
        assert.ok(e instanceof SessionError, String(e));
        assert.match(e.message, new RegExp(`High availability needs ZooKeeper, but no ZooKeeper server of 127.0.0.1:${port} answered within 1500 ms`));
        assert.match(e.fix ?? '', /Start ZooKeeper at .* nothing was started/);
        return true;
      });
    assert.equal(await new FileSessionStore(store).load('zk-down'), undefined);
    assert.deepEqual(await allLiveTasks(cluster), before);
  });

  test('ZooKeeper down while running: the session reports it and keeps its tasks (Flink decides the jobs)', async () => {
    const own = await ZooKeeperServer.start();
    let session: Awaited<ReturnType<typeof haSession>> | undefined;
    try {
      const warnings: string[] = [];
      session = await haSession(dir('jmf-store-'), 'zk-gone', 1, { ha: `zk://${own.connect}/flink` });
      session.on('warning', (w) => warnings.push(w));
      await session.start();
      const first = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
      assert.equal(first.highAvailabilityProblem, undefined);
      await own.stop();
      const down = await session.waitFor((s) => s.highAvailabilityProblem !== undefined, 20000, 'the outage reported');
      assert.match(down.highAvailabilityProblem!, new RegExp(`no ZooKeeper server of ${own.connect} answered`));
      assert.ok(warnings.some((w) => /ZooKeeper of the session's high availability does not answer .* Flink decides what happens to the running jobs/.test(w)), warnings.join('\n'));
      assert.equal(down.phase, 'running');
      assert.equal((await liveTasks(cluster, down.frameworkId)).length, 2, 'the JobManager and the TaskManager still run');
      assert.deepEqual((await session.stop()).leftTasks, []);
    } finally {
      // A failed check must not leave the session running: the test file would never end.
      await session?.stop().catch(() => undefined);
      await own.stop();
    }
  });
});
