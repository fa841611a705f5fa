// Event sequences and lifecycle of the stand-in master over raw HTTP: RecordIO bytes, UTF-8, acknowledgements and
// resends, failover, filters, SUPPRESS/REVIVE, several masters and the test-only faults.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MesosCluster } from './MesosCluster';
import { commandTask, openSubscribe, rawRequest, sleep, TestFramework, TestRecordIoReader } from './rawClient';

const flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-flink-home-'));
const info = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ user: 'root', name, failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }], ...extra });

describe('stand-in master lifecycle', () => {
  let cluster: MesosCluster;
  before(async () => {
    cluster = await MesosCluster.start({ agents: 2, flinkHome, allocationIntervalMs: 100, updateRetryMs: 200, heartbeatSeconds: 0.3, killGracePeriodMs: 300 });
  });
  after(async () => {
    await cluster.stop();
    fs.rmSync(flinkHome, { recursive: true, force: true });
  });

  test('RecordIO read back one byte at a time, with multi-byte UTF-8 in names and messages', async () => {
    const name = 'Flink läuft ✓ 流 🚀';
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info(name));
    try {
      const [offer] = await fw.offers();
      const taskId = 'tâche-ü-✓';
      await fw.launch(offer, [commandTask(taskId, offer.agent_id.value, { shell: true, value: 'exit 0' })], 0);
      const done = await fw.update((s) => s.task_id.value === taskId && s.state === 'TASK_STARTING');
      assert.equal(done.task_id.value, taskId);
      await fw.call({ type: 'KILL', kill: { task_id: { value: 'ünknown-€' } } });
      const lost = await fw.update((s) => s.task_id.value === 'ünknown-€');
      assert.equal(lost.message, 'Reconciliation: Task is unknown');
      const wire = Buffer.concat(fw.stream.chunks);
      const reader = new TestRecordIoReader();
      for (let i = 0; i < wire.length; i++) reader.feed(wire.subarray(i, i + 1));
      assert.equal(reader.pending, 0);
      assert.equal(reader.records.length, fw.stream.events.length);
      const texts = reader.records.map((r) => r.toString('utf8'));
      assert.ok(texts.some((t) => t.includes('"ünknown-€"')));
      // Size lines count bytes, not characters.
      const withUtf8 = reader.records.find((r) => r.toString('utf8').includes('ünknown-€'))!;
      assert.notEqual(withUtf8.length, withUtf8.toString('utf8').length);
      const ops = await cluster.operator<{ get_frameworks: { frameworks: { framework_info: { name: string } }[] } }>({ type: 'GET_FRAMEWORKS' });
      assert.ok(ops.get_frameworks.frameworks.some((f) => f.framework_info.name === name));
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test('heartbeats at once and every interval; faults stop and resume them', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('hb'));
    try {
      assert.deepEqual(fw.stream.events.slice(0, 2).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT']);
      await sleep(700);
      const beats = fw.stream.events.filter((e) => e.type === 'HEARTBEAT').length;
      assert.ok(beats >= 3, `heartbeats: ${beats}`);
      cluster.faults.stopHeartbeats(fw.id);
      await sleep(100);
      const stopped = fw.stream.events.filter((e) => e.type === 'HEARTBEAT').length;
      await sleep(700);
      assert.equal(fw.stream.events.filter((e) => e.type === 'HEARTBEAT').length, stopped);
      const res = await rawRequest(`${cluster.leaderUrl}/__test__/resumeHeartbeats`, { method: 'POST', body: JSON.stringify({ frameworkId: fw.id }) });
      assert.equal(res.status, 200);
      await fw.stream.next((e) => e.type === 'HEARTBEAT', 2000, fw.stream.events.length);
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test('updates carry a v4 uuid, are resent after base, 2x, 4x until acknowledged, and hold back later updates', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('acks'));
    try {
      const [offer] = await fw.offers();
      await fw.launch(offer, [commandTask('ta', offer.agent_id.value, { shell: true, value: 'sleep 30' })], 0);
      const first = await fw.update((s) => s.task_id.value === 'ta');
      const t0 = Date.now();
      assert.equal(first.state, 'TASK_STARTING');
      assert.equal(first.source, 'SOURCE_EXECUTOR');
      const bytes = Buffer.from(first.uuid!, 'base64');
      assert.equal(bytes.length, 16);
      assert.equal(bytes[6] >> 4, 4);
      assert.deepEqual(Object.keys(first), ['task_id', 'state', 'source', 'agent_id', 'executor_id', 'timestamp', 'uuid', 'container_status']);
      await sleep(1550); // resends at ~200, 600, 1400 ms
      const starts = fw.updates('ta');
      assert.ok(starts.every((s) => s.state === 'TASK_STARTING' && s.uuid === first.uuid), 'TASK_RUNNING is held back behind the unacknowledged TASK_STARTING');
      const times = fw.stream.events.filter((e) => e.type === 'UPDATE').map((e) => e.at);
      assert.equal(starts.length, 4, `updates at ${times.join(', ')}`);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      assert.ok(gaps[0] >= 150 && gaps[0] < 400 && gaps[1] >= 350 && gaps[1] < 600 && gaps[2] >= 700 && gaps[2] < 1000, `gaps ${gaps.join(', ')} (t0 ${t0})`);
      assert.equal((await fw.ack(first)).status, 202);
      const running = await fw.update((s) => s.state === 'TASK_RUNNING');
      assert.notEqual(running.uuid, first.uuid);
      // Re-SUBSCRIBE: the unacknowledged TASK_RUNNING comes again at once on the new stream.
      fw.stream.close();
      await sleep(100);
      const again = await TestFramework.subscribe(cluster.leaderUrl, info('acks', { id: { value: fw.id } }), {});
      const redelivered = await again.update((s) => s.state === 'TASK_RUNNING', 150);
      assert.equal(redelivered.uuid, running.uuid);
      assert.deepEqual(again.stream.events.slice(0, 2).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT']);
      await again.ack(redelivered);
      // Reconciliation answers carry no uuid.
      await again.call({ type: 'RECONCILE', reconcile: { tasks: [] } });
      const rec = await again.update((s) => s.reason === 'REASON_RECONCILIATION');
      assert.equal(rec.uuid, undefined);
      assert.equal(rec.message, 'Reconciliation: Latest task state');
      await again.call({ type: 'TEARDOWN' });
      again.stream.close();
    } finally {
      fw.stream.close();
    }
  });

  test('a second SUBSCRIBE with the same id: the old stream gets ERROR "Framework failed over"; the old stream id is refused', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('fo'));
    const second = await openSubscribe(cluster.leaderUrl, { framework_id: { value: fw.id }, type: 'SUBSCRIBE', subscribe: { framework_info: info('fo', { id: { value: fw.id } }) } });
    assert.equal(second.status, 200);
    await fw.stream.waitEnd();
    const last = fw.stream.events[fw.stream.events.length - 1];
    assert.deepEqual({ type: last.type, error: last.error }, { type: 'ERROR', error: { message: 'Framework failed over' } });
    assert.notEqual(second.streamId, fw.stream.streamId);
    const old = await fw.call({ type: 'DECLINE', decline: { offer_ids: [] } });
    assert.equal(old.status, 400);
    assert.equal(old.body, `The stream ID '${fw.stream.streamId}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
    const f2 = new TestFramework(cluster.leaderUrl, second, fw.id);
    assert.equal((await f2.call({ type: 'TEARDOWN' })).status, 202);
    second.close();
  });

  test('failover: tasks survive a disconnect until failover_timeout, then are killed and the framework is completed', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('fo1', { failover_timeout: 1 }));
    const earlier = new Set(cluster.runningPids());
    const [offer] = await fw.offers();
    await fw.launch(offer, [commandTask('t25', offer.agent_id.value, { shell: true, value: 'sleep 600' })], 0);
    await fw.update((s) => s.state === 'TASK_STARTING');
    await sleep(50);
    const pids = cluster.runningPids().filter((p) => !earlier.has(p));
    assert.equal(pids.length, 1);
    fw.stream.close();
    await sleep(400);
    let state = await cluster.operator<{ get_tasks: { tasks: { task_id: { value: string }; state: string }[] } }>({ type: 'GET_TASKS' });
    assert.ok(state.get_tasks.tasks.some((t) => t.task_id.value === 't25'), 'task still alive within the failover timeout');
    const fws = await cluster.operator<{ get_frameworks: { frameworks: { active: boolean; connected: boolean; framework_info: { id: { value: string } } }[] } }>({ type: 'GET_FRAMEWORKS' });
    const mine = fws.get_frameworks.frameworks.find((f) => f.framework_info.id.value === fw.id)!;
    assert.deepEqual([mine.active, mine.connected], [false, false]);
    const declined = await fw.call({ type: 'DECLINE', decline: { offer_ids: [] } });
    assert.deepEqual([declined.status, declined.body], [403, 'Framework is not subscribed']);
    await sleep(1000);
    const all = await cluster.operator<{ get_state: { get_tasks: { completed_tasks: { task_id: { value: string }; state: string; statuses: { state: string; reason?: string }[] }[] }; get_frameworks: { completed_frameworks: { framework_info: { id: { value: string } } }[] } } }>({ type: 'GET_STATE' });
    const done = all.get_state.get_tasks.completed_tasks.find((t) => t.task_id.value === 't25')!;
    assert.equal(done.state, 'TASK_KILLED');
    assert.equal(done.statuses[done.statuses.length - 1].reason, 'REASON_FRAMEWORK_REMOVED');
    assert.ok(all.get_state.get_frameworks.completed_frameworks.some((f) => f.framework_info.id.value === fw.id));
    await sleep(300);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `process ${pid} was killed`);
    state = await cluster.operator({ type: 'GET_TASKS' });
    assert.ok(!state.get_tasks.tasks.some((t) => t.task_id.value === 't25'));
  });

  test('DECLINE filters per agent; SUPPRESS stops offers; REVIVE brings them back at once and clears filters', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('filters'));
    try {
      let offers = await fw.offers();
      while (offers.length < 2) offers = [...offers, ...(await fw.offers(3000, fw.stream.events.length))];
      const [a, b] = offers;
      await fw.call({ type: 'DECLINE', decline: { offer_ids: [a.id], filters: { refuse_seconds: 0.6 } } });
      await fw.call({ type: 'DECLINE', decline: { offer_ids: [b.id], filters: { refuse_seconds: 30 } } });
      const from = fw.stream.events.length;
      const t0 = Date.now();
      const again = await fw.offers(3000, from);
      assert.equal(again[0].agent_id.value, a.agent_id.value);
      assert.ok(Date.now() - t0 >= 450, `re-offered after ${Date.now() - t0} ms`);
      await fw.call({ type: 'SUPPRESS' });
      await fw.call({ type: 'DECLINE', decline: { offer_ids: again.map((o) => o.id) } });
      const quiet = fw.stream.events.length;
      await sleep(500);
      assert.equal(fw.stream.events.slice(quiet).filter((e) => e.type === 'OFFERS').length, 0);
      const revived = Date.now();
      await fw.call({ type: 'REVIVE', revive: { roles: ['*'] } });
      const back = await fw.offers(1000, quiet);
      assert.ok(Date.now() - revived < 300);
      assert.equal(new Set(back.map((o) => o.agent_id.value)).size, 2, 'both agents, the 30 s filter cleared');
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });
});

describe('several masters, faults over HTTP', () => {
  let cluster: MesosCluster;
  before(async () => { cluster = await MesosCluster.start({ agents: 1, masters: 3, flinkHome, allocationIntervalMs: 100 }); });
  after(async () => { await cluster.stop(); });

  test('non-leaders answer 307 with a protocol-relative Location; /redirect; 503 without a leader', async () => {
    const [m0, m1, m2] = cluster.masterUrls;
    assert.equal(cluster.leaderUrl, m0);
    const leaderHost = new URL(m0).host;
    const r = await rawRequest(`${m1}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, `//${leaderHost}/api/v1/scheduler`);
    const red = await rawRequest(`${m2}/redirect`);
    assert.deepEqual([red.status, red.headers.location], [307, `//${leaderHost}`]);
    const fw = await TestFramework.subscribe(m0, info('ha'));
    cluster.faults.switchLeader(2);
    await fw.stream.waitEnd();
    assert.equal((await rawRequest(`${m0}/redirect`)).headers.location, `//${new URL(m2).host}`);
    const res = await rawRequest(`${m1}/__test__/switchLeader`, { method: 'POST', body: '{"index":null}' });
    assert.equal(res.status, 200);
    for (const m of cluster.masterUrls) {
      const x = await rawRequest(`${m}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      assert.deepEqual([x.status, x.body], [503, 'No leader elected']);
    }
    cluster.faults.switchLeader(1);
    const back = await TestFramework.subscribe(m1, info('ha', { id: { value: fw.id } }));
    assert.equal(back.id, fw.id);
    await back.call({ type: 'TEARDOWN' });
    back.stream.close();
    const bad = await rawRequest(`${m1}/__test__/noSuchFault`, { method: 'POST', body: '{}' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /unknown test fault 'noSuchFault'/);
  });

  test('refused and delayed calls, dropped streams, restarted master', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('faults'));
    cluster.faults.refuseCalls(503, { callTypes: ['DECLINE'], body: 'Master has not finished recovery', times: 1 });
    const r1 = await fw.call({ type: 'DECLINE', decline: { offer_ids: [] } });
    assert.deepEqual([r1.status, r1.body], [503, 'Master has not finished recovery']);
    assert.equal((await fw.call({ type: 'DECLINE', decline: { offer_ids: [] } })).status, 202);
    await rawRequest(`${cluster.leaderUrl}/__test__/delayCalls`, { method: 'POST', body: '{"ms":300}' });
    const t0 = Date.now();
    await fw.call({ type: 'REVIVE' });
    assert.ok(Date.now() - t0 >= 280);
    cluster.faults.clear();
    assert.equal(cluster.faults.dropStream(fw.id), 1);
    await fw.stream.waitEnd();
    assert.equal(fw.stream.events.filter((e) => e.type === 'ERROR').length, 0);
    const fw2 = await TestFramework.subscribe(cluster.leaderUrl, info('faults', { id: { value: fw.id } }));
    const restart = cluster.faults.restartMaster(300);
    await fw2.stream.waitEnd();
    await assert.rejects(rawRequest(`${cluster.masterUrls[cluster.masterUrls.indexOf(cluster.masterUrls[1])]}/health`).then(() => rawRequest(`${new URL(fw2.baseUrl).origin}/health`)));
    await restart;
    const fw3 = await TestFramework.subscribe(fw2.baseUrl, info('faults', { id: { value: fw.id } }));
    assert.equal(fw3.id, fw.id);
    await fw3.call({ type: 'TEARDOWN' });
    fw3.stream.close();
  });
});
