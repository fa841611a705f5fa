// The session's side of the Mesos conversation, against a scripted master (RecordingScheduler): reconciliation after
// SUBSCRIBED, KILL of unknown tasks, SUPPRESS/REVIVE, DECLINE filters, acknowledgements, declined offers in the snapshot,
// and which TaskManagers a scale-down removes.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkSession, DECLINED_OFFERS_KEPT, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';
import { RecordingScheduler, settle, until } from './recordingScheduler';
import { offer } from './offers';

interface FakeFlink extends FlinkClusterApi { list: { id: string; slotsNumber: number; freeSlots: number }[] }

function fakeFlink(): FakeFlink {
  const api: FakeFlink = {
    list: [],
    overview: async () => ({ taskmanagers: api.list.length, 'slots-total': 0, 'slots-available': 0 }),
    taskManagers: async () => api.list.map((t) => ({ ...t })),
  };
  return api;
}

const open: FlinkSession[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop().catch(() => undefined);
});

async function session(input: Partial<SessionOptionsInput> = {}, flink: FakeFlink = fakeFlink()): Promise<{ s: FlinkSession; m: RecordingScheduler; flink: FakeFlink }> {
  const m = new RecordingScheduler();
  const validated = validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'talk', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, ...input,
  });
  const s = await FlinkSession.create(validated, {
    store: new MemorySessionStore(),
    timings: { reconcileInitialMs: 20, reconcileMaxMs: 80, tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
    createScheduler: () => m as unknown as SchedulerApi,
    createFlinkApi: () => flink,
    createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  return { s, m, flink };
}

const implicit = (m: RecordingScheduler): number => m.of('RECONCILE').filter((r) => r.tasks.length === 0).length;

describe('reconciliation after SUBSCRIBED', () => {
  test('explicit for the saved tasks, again with backoff for those without an answer, then one implicit; answers are not acknowledged', async () => {
    const { s, m } = await session();
    m.subscribe();
    await until('the first reconciliation', () => m.of('RECONCILE').length === 1);
    assert.deepEqual(m.of('RECONCILE')[0].tasks, [], 'no task saved yet: implicit at once');

    m.offers([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
    await until('the launch', () => m.launched().length === 3);
    const agentOf = new Map(m.launched().map((t) => [t.task_id.value, t.agent_id.value]));

    m.disconnect();
    m.subscribe();
    await until('the explicit reconciliation', () => m.of('RECONCILE').length === 2);
    const explicit = m.of('RECONCILE')[1].tasks;
    assert.deepEqual(explicit.map((t) => t.taskId).sort(), [...agentOf.keys()].sort());
    for (const t of explicit) assert.equal(t.agentId, agentOf.get(t.taskId), `${t.taskId} is asked about with its agent`);
    const [jm, tm1, tm2] = [...agentOf.keys()].sort();

    // The master answers for two tasks (no uuid: reconciliation answers are never acknowledged).
    m.update(jm, 'TASK_RUNNING', { uuid: false, reason: 'REASON_RECONCILIATION', agentId: agentOf.get(jm) });
    m.update(tm1, 'TASK_STAGING', { uuid: false, reason: 'REASON_RECONCILIATION', agentId: agentOf.get(tm1) });
    await until('three more asks about the silent task', () => m.of('RECONCILE').length >= 5, 5000);
    const asks = m.of('RECONCILE').slice(1, 5);
    for (const a of asks.slice(1)) assert.deepEqual(a.tasks.map((t) => t.taskId), [tm2], 'only the task without an answer is asked about again');
    const gaps = asks.slice(1).map((a, i) => a.at - asks[i].at);
    assert.ok(gaps[0] >= 18, `first wait ${gaps[0]} ms, at least the initial 20`);
    assert.ok(gaps[1] >= 38, `second wait ${gaps[1]} ms doubles`);
    assert.ok(gaps[2] >= 78, `third wait ${gaps[2]} ms doubles up to the cap`);
    assert.equal(implicit(m), 1, 'no implicit reconciliation while a saved task has no answer');
    assert.equal(s.snapshot().reconciled, false);

    m.update(tm2, 'TASK_RUNNING', { uuid: false, reason: 'REASON_RECONCILIATION', agentId: agentOf.get(tm2) });
    await until('the implicit reconciliation', () => implicit(m) === 2);
    const last = m.of('RECONCILE').at(-1);
    assert.deepEqual(last?.tasks, [], 'the implicit reconciliation comes last');
    assert.equal(s.snapshot().reconciled, true);
    const asked = m.of('RECONCILE').length;
    await settle(200);
    assert.equal(m.of('RECONCILE').length, asked, 'no more asks once every task answered');
    assert.equal(m.of('ACKNOWLEDGE').length, 0, 'reconciliation answers carry no uuid and are not acknowledged');
  });

  test('a task the master reports and we do not know is killed; an ended unknown task is not', async () => {
    const { m } = await session();
    m.subscribe();
    await until('the implicit reconciliation', () => implicit(m) === 1);
    m.update('taskmanager-talk-00099', 'TASK_RUNNING', { uuid: false, agentId: 'a7', reason: 'REASON_RECONCILIATION' });
    await until('the KILL', () => m.of('KILL').length === 1);
    assert.deepEqual(m.of('KILL').map(({ taskId, agentId }) => ({ taskId, agentId })), [{ taskId: 'taskmanager-talk-00099', agentId: 'a7' }]);
    assert.equal(m.of('ACKNOWLEDGE').length, 0);
    m.update('taskmanager-talk-00098', 'TASK_FINISHED', { agentId: 'a7', uuid: 'ZW5kZWQ=' });
    await until('the acknowledgement', () => m.of('ACKNOWLEDGE').length === 1);
    assert.equal(m.of('KILL').length, 1, 'an ended task is not killed');
    assert.deepEqual(m.of('ACKNOWLEDGE').map((a) => a.uuid), ['ZW5kZWQ='], 'its update had a uuid: acknowledged');
  });
});

describe('offers, SUPPRESS and REVIVE', () => {
  test('one SUPPRESS once everything is placed, long DECLINE filters, no REVIVE until a TaskManager is lost, then one', async () => {
    const { s, m } = await session();
    m.subscribe();
    await until('subscribed', () => s.phase === 'launchingJobManager');
    const small = offer({ agent: 'a2', mem: 512 });
    m.offers([offer({ agent: 'a1' }), small]);
    await until('the SUPPRESS', () => m.of('SUPPRESS').length === 1);
    assert.equal(m.of('ACCEPT').length, 1, 'one ACCEPT for the one agent used');
    assert.equal(m.launched().length, 3);
    assert.deepEqual(m.of('DECLINE').map((d) => ({ ids: d.offerIds, filters: d.filters })), [{ ids: [small.id.value], filters: { refuse_seconds: 120 } }]);

    const later = offer({ agent: 'a3' });
    m.offers([later]);
    await until('the DECLINE', () => m.of('DECLINE').length === 2);
    assert.deepEqual(m.of('DECLINE')[1].filters, { refuse_seconds: 120 }, 'offers not needed are declined for long');
    await settle(20);
    assert.equal(m.of('SUPPRESS').length, 1, 'exactly one SUPPRESS');
    assert.equal(m.of('REVIVE').length, 0, 'no REVIVE while nothing is missing');

    const tms = m.launched().filter((t) => t.task_id.value.startsWith('taskmanager-'));
    const warnings: string[] = [];
    s.on('warning', (w) => warnings.push(w));
    const failed = { agentId: tms[0].agent_id.value, uuid: 'ZmFpbGVk', message: 'Command exited with status 1' };
    m.update(tms[0].task_id.value, 'TASK_FAILED', failed);
    m.update(tms[0].task_id.value, 'TASK_FAILED', failed); // sent again before the acknowledgement arrived
    await until('both acknowledgements', () => m.of('ACKNOWLEDGE').length === 2);
    await settle(20);
    assert.equal(m.of('REVIVE').length, 1, 'one REVIVE for the lost TaskManager, even when its update repeats');
    assert.equal(warnings.filter((w) => w.includes('launching a replacement')).length, 1);
    assert.equal(m.of('KILL').length, 0);

    m.offers([offer({ agent: 'a4' })]);
    await until('the replacement', () => m.launched().length === 4);
    assert.equal(m.launched()[3].task_id.value, 'taskmanager-talk-00003');
    await until('suppressed again', () => m.of('SUPPRESS').length === 2);
    assert.equal(m.of('REVIVE').length, 1);
  });

  test('updates are acknowledged only when they carry a uuid, and a repeated update changes nothing', async () => {
    const { s, m } = await session({ taskManagers: 1 });
    m.subscribe();
    await until('subscribed', () => s.phase === 'launchingJobManager');
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 2);
    const tm = m.launched()[1].task_id.value;
    const seen: string[] = [];
    s.on('task', (t) => { if (t.taskId === tm) seen.push(t.state); });
    m.update(tm, 'TASK_RUNNING', { agentId: 'a1', uuid: 'cnVubmluZw==' });
    m.update(tm, 'TASK_RUNNING', { agentId: 'a1', uuid: 'cnVubmluZw==' });
    m.update(tm, 'TASK_RUNNING', { agentId: 'a1', uuid: false });
    await until('acknowledgements', () => m.of('ACKNOWLEDGE').length === 2);
    await settle(30);
    assert.deepEqual(m.of('ACKNOWLEDGE').map((a) => a.uuid), ['cnVubmluZw==', 'cnVubmluZw=='], 'each delivery with a uuid is acknowledged; the one without is not');
    assert.deepEqual(seen, ['TASK_RUNNING'], 'the state changed once');
    assert.equal(s.snapshot().taskManagers.find((t) => t.taskId === tm)?.state, 'TASK_RUNNING');
  });
});

describe('declined offers in the snapshot', () => {
  test('per agent, with a reason a person understands, the last few, kept while not running', async () => {
    const { s, m } = await session({ taskManagers: 2, taskManagerMemoryMb: 8192, taskManagerCpus: 2, constraints: ['rack:r1'] });
    m.subscribe();
    await until('subscribed', () => s.phase === 'launchingJobManager');
    assert.deepEqual(s.snapshot().declinedOffers, []);

    m.offers([offer({ agent: 'tiny', mem: 512, attributes: { rack: 'r1' } })]);
    await until('the first decline', () => s.snapshot().declinedOffers.length === 1);
    assert.equal(s.snapshot().declinedOffers[0].reason, '512 MB free, the JobManager needs 1024 MB and 1 cpu');

    const before = Date.now();
    // a1 takes the JobManager and one TaskManager (1024 + 8192 of 16384 MB); a2 is on another rack; a3 is too small.
    m.offers([offer({ agent: 'a1', attributes: { rack: 'r1' } }), offer({ agent: 'a2', attributes: { rack: 'r2' } }),
      offer({ agent: 'a3', mem: 4096, attributes: { rack: 'r1' } }), offer({ agent: 'a4', mem: 16384, cpus: 1, attributes: { rack: 'r1' } })]);
    await until('three more declines', () => s.snapshot().declinedOffers.length === 4);
    const declined = s.snapshot().declinedOffers.slice(1);
    assert.deepEqual(declined.map(({ agentId, hostname, reason }) => ({ agentId, hostname, reason })), [
      { agentId: 'a2', hostname: 'a2.example', reason: 'does not match constraint rack:r1' },
      { agentId: 'a3', hostname: 'a3.example', reason: '4096 MB free, a TaskManager needs 8192 MB and 2 cpus' },
      { agentId: 'a4', hostname: 'a4.example', reason: '1 cpu free, a TaskManager needs 8192 MB and 2 cpus' },
    ]);
    for (const d of declined) assert.ok(d.at >= before && d.at <= Date.now(), 'when it was declined');
    assert.deepEqual(Object.keys(declined[0]).sort(), ['agentId', 'at', 'hostname', 'reason']);

    m.offers([offer({ agent: 'a5', attributes: { rack: 'r1' } })]);
    await until('the second TaskManager', () => m.launched().length === 3);
    m.offers([offer({ agent: 'a6', attributes: { rack: 'r1' } })]);
    await until('the decline of an offer not needed', () => s.snapshot().declinedOffers.at(-1)?.agentId === 'a6');
    assert.equal(s.snapshot().declinedOffers.at(-1)?.reason, 'not needed: the session has all it asked for');

    m.offers(Array.from({ length: 30 }, (_, i) => offer({ agent: `flood-${i}`, attributes: { rack: 'r1' } })));
    await until('the flood declined', () => s.snapshot().declinedOffers.at(-1)?.agentId === 'flood-29');
    const kept = s.snapshot().declinedOffers;
    assert.equal(kept.length, DECLINED_OFFERS_KEPT);
    assert.deepEqual(kept.map((d) => d.agentId), Array.from({ length: 20 }, (_, i) => `flood-${i + 10}`), 'the last 20, oldest first');
    kept[0].reason = 'changed by a view';
    assert.notEqual(s.snapshot().declinedOffers[0].reason, 'changed by a view', 'the snapshot is a copy');
  });
});

describe('scale down', () => {
  test('kills idle TaskManagers first (free slots from Flink\'s /taskmanagers); a running session keeps no declines', async () => {
    const { s, m, flink } = await session({ taskManagers: 4, slotsPerTaskManager: 2 });
    m.subscribe();
    await until('subscribed', () => s.phase === 'launchingJobManager');
    m.offers(['a1', 'a2', 'a3', 'a4'].map((agent) => offer({ agent })));
    await until('the launch', () => m.launched().length === 5);
    const tms = m.launched().filter((t) => t.task_id.value.startsWith('taskmanager-'));
    // Busy, idle, half busy, idle.
    const free = [0, 2, 1, 2];
    flink.list = tms.map((t, i) => ({ id: t.task_id.value, slotsNumber: 2, freeSlots: free[i] }));
    for (const t of m.launched()) m.update(t.task_id.value, 'TASK_RUNNING', { agentId: t.agent_id.value });
    await until('running', () => s.phase === 'running', 5000);
    const declinedBefore = s.snapshot().declinedOffers.length;

    const { killed } = await s.scale(2);
    const idle = [tms[1], tms[3]].map((t) => t.task_id.value).sort();
    assert.deepEqual([...killed].sort(), idle);
    await until('the KILLs', () => m.of('KILL').length === 2);
    assert.deepEqual(m.of('KILL').map((k) => ({ taskId: k.taskId, agentId: k.agentId })).sort((a, b) => a.taskId.localeCompare(b.taskId)),
      [tms[1], tms[3]].map((t) => ({ taskId: t.task_id.value, agentId: t.agent_id.value })).sort((a, b) => a.taskId.localeCompare(b.taskId)));

    // Scaling further down takes the half-busy one before the busy one.
    const second = await s.scale(1);
    assert.deepEqual(second.killed, [tms[2].task_id.value]);

    m.offers([offer({ agent: 'a9' })]);
    await until('the decline', () => m.of('DECLINE').length === 1);
    await settle(10);
    assert.equal(s.phase, 'running');
    assert.equal(s.snapshot().declinedOffers.length, declinedBefore, 'declines are not kept while the session runs');
  });

  test('the end of a killed TaskManager is a change: watchers see it leave the snapshot (real Flink shuts down after the last progress change)', async () => {
    const { s, m, flink } = await session({ taskManagers: 2 });
    m.subscribe();
    await until('subscribed', () => s.phase === 'launchingJobManager');
    m.offers(['a1', 'a2'].map((agent) => offer({ agent })));
    await until('the launch', () => m.launched().length === 3);
    const tms = m.launched().filter((t) => t.task_id.value.startsWith('taskmanager-'));
    flink.list = tms.map((t) => ({ id: t.task_id.value, slotsNumber: 1, freeSlots: 1 }));
    for (const t of m.launched()) m.update(t.task_id.value, 'TASK_RUNNING', { agentId: t.agent_id.value });
    await until('running', () => s.phase === 'running', 5000);
    const { killed } = await s.scale(1);
    flink.list = flink.list.filter((t) => t.id !== killed[0]);
    await settle(100);
    const gone = s.waitFor((x) => x.taskManagers.length === 1, 2000, 'the killed TaskManager leaves the snapshot');
    const victim = tms.find((t) => t.task_id.value === killed[0])!;
    m.update(killed[0], 'TASK_KILLED', { agentId: victim.agent_id.value });
    const snap = await gone;
    assert.deepEqual(snap.taskManagers.map((t) => t.taskId), tms.map((t) => t.task_id.value).filter((id) => id !== killed[0]));
  });
});
