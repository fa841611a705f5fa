// Event sequences and lifecycle of the stand-in master over raw HTTP: RecordIO bytes, UTF-8, acknowledgements and
// resends, failover, filters (DECLINE and ACCEPT), SUPPRESS/REVIVE per role, RESCIND, offers recovered on disconnect,
// attributes and url in offers, role name validation, several masters and the test-only faults.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../repoRoot';
import { MesosCluster } from './MesosCluster';
import {
  commandTask, openSubscribe, rawRequest, sleep, stopWithoutStrays, TestFramework, TestRecordIoReader, type OfferJson, type StatusJson, type StreamEvent,
} from './rawClient';

const flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-flink-home-'));
after(() => fs.rmSync(flinkHome, { recursive: true, force: true }));
const info = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ user: 'root', name, failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }], ...extra });

interface RecordedEvent { state: string; reason: string; message: string; source: string; keys: string[] }
const recording = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'standin', 'mesos', 'mesos-1.12-master-answers.json'), 'utf8')) as
  { probe: string; events?: RecordedEvent[] }[];
const recordedEvent = (name: string): RecordedEvent => {
  const p = recording.find((x) => x.probe.startsWith(name + ' '));
  if (!p?.events?.[0]) throw new Error(`no probe '${name}' with events in the recording`);
  return p.events[0];
};

const offersOf = (e: StreamEvent): OfferJson[] => (e.offers as { offers: OfferJson[] }).offers;
const statusOf = (e: StreamEvent): StatusJson => (e.update as { status: StatusJson }).status;

/** Reads OFFERS from event index `from` until none arrives for quietMs; hands each offer to onOffer. Returns the next index. */
async function drainOffers(fw: TestFramework, from: number, quietMs: number, onOffer: (o: OfferJson) => Promise<void>, maxMs = 5000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let next = from;
  while (Date.now() < deadline) {
    let e;
    try {
      e = await fw.stream.next((x) => x.type === 'OFFERS', quietMs, next);
    } catch {
      return next;
    }
    next = fw.stream.events.indexOf(e) + 1;
    for (const o of offersOf(e)) await onOffer(o);
  }
  throw new Error(`offers kept coming for ${maxMs} ms`);
}

describe('stand-in master lifecycle', () => {
  let cluster: MesosCluster;
  before(async () => {
    cluster = await MesosCluster.start({ agents: 2, flinkHome, allocationIntervalMs: 100, updateRetryMs: 200, heartbeatSeconds: 0.3, killGracePeriodMs: 300 });
  });
  after(async () => {
    await stopWithoutStrays(cluster);
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
  after(async () => { await stopWithoutStrays(cluster); });

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

describe('offer timeout: RESCIND', () => {
  let cluster: MesosCluster;
  before(async () => { cluster = await MesosCluster.start({ agents: 1, flinkHome, allocationIntervalMs: 100, offerTimeoutMs: 300 }); });
  after(async () => { await stopWithoutStrays(cluster); });

  test('an offer unused for offerTimeoutMs is rescinded by id; a later ACCEPT of it is TASK_LOST, REASON_INVALID_OFFERS as recorded (14)', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('rescind'));
    try {
      const offered = await fw.stream.next((e) => e.type === 'OFFERS');
      const [offer] = offersOf(offered);
      const rescind = await fw.stream.next((e) => e.type === 'RESCIND', 3000);
      const { at, ...event } = rescind;
      assert.deepEqual(event, { type: 'RESCIND', rescind: { offer_id: { value: offer.id.value } } });
      const waited = at - offered.at;
      assert.ok(waited >= 290 && waited < 1000, `rescinded ${waited} ms after the offer (offer timeout 300 ms)`);
      const from = fw.stream.events.length;
      assert.equal((await fw.launch(offer, [commandTask('late', offer.agent_id.value, { shell: true, value: 'sleep 30' })], 0)).status, 202);
      const lost = statusOf(await fw.stream.next((e) => e.type === 'UPDATE' && statusOf(e).task_id.value === 'late', 3000, from));
      const want = recordedEvent('14');
      assert.equal(lost.state, want.state);
      assert.equal(lost.reason, 'REASON_INVALID_OFFERS');
      assert.equal(lost.source, want.source);
      assert.equal(lost.message, want.message.replace('f2b69834-16b5-46e3-838f-1527140f0e43-O6', offer.id.value));
      assert.equal(lost.message, `Task launched with invalid offers: Offer ${offer.id.value} is no longer valid`);
      assert.deepEqual(Object.keys(lost), want.keys);
      assert.equal(lost.agent_id?.value, offer.agent_id.value);
      const tasks = await cluster.operator<{ get_tasks: { tasks: unknown[] } }>({ type: 'GET_TASKS' });
      assert.deepEqual(tasks.get_tasks.tasks, [], 'nothing was launched from the rescinded offer');
      // Rescinded resources come back without a filter, as a new offer.
      const again = await fw.offers(2000, from);
      assert.equal(again[0].agent_id.value, offer.agent_id.value);
      assert.notEqual(again[0].id.value, offer.id.value);
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });
});

describe('offers: attributes, url, recovery on disconnect, ACCEPT filters, roles', () => {
  let cluster: MesosCluster;
  before(async () => {
    cluster = await MesosCluster.start({
      flinkHome, allocationIntervalMs: 100, killGracePeriodMs: 300,
      agents: [{ attributes: { rack: 'r1', zone: '2' } }, { attributes: { rack: 'r2', zone: '3.5', slots: '[1-4, 8-9]' } }],
    });
  });
  after(async () => { await stopWithoutStrays(cluster); });

  /** Waits until offers for every agent have arrived (from event index 0). */
  const offersForAllAgents = async (fw: TestFramework): Promise<OfferJson[]> => {
    const byAgent = new Map<string, OfferJson>();
    let from = 0;
    while (byAgent.size < cluster.agents.length) {
      const e = await fw.stream.next((x) => x.type === 'OFFERS', 3000, from);
      from = fw.stream.events.indexOf(e) + 1;
      for (const o of offersOf(e)) if (!byAgent.has(o.agent_id.value)) byAgent.set(o.agent_id.value, o);
    }
    return cluster.agents.map((a) => byAgent.get(a.id)!);
  };

  test('offers carry the agent attributes (Mesos JSON shapes, field order), hostname and a url that reaches the agent', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('attributes'));
    try {
      const offers = await offersForAllAgents(fw);
      const expected = [
        [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'zone', type: 'SCALAR', scalar: { value: 2 } }],
        [{ name: 'rack', type: 'TEXT', text: { value: 'r2' } }, { name: 'zone', type: 'SCALAR', scalar: { value: 3.5 } },
          { name: 'slots', type: 'RANGES', ranges: { range: [{ begin: 1, end: 4 }, { begin: 8, end: 9 }] } }],
      ];
      for (const [i, agent] of cluster.agents.entries()) {
        const o = offers[i];
        assert.deepEqual(Object.keys(o), ['id', 'framework_id', 'agent_id', 'hostname', 'url', 'resources', 'attributes']);
        assert.deepEqual(o.attributes, expected[i]);
        assert.equal(o.hostname, agent.hostname);
        assert.match(agent.ip, /^127\.\d+\.\d+\.\d+$/);
        assert.deepEqual(o.url, { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: agent.port }, path: '/slave(1)' });
        // The url is the agent's own HTTP address.
        const state = await rawRequest(`${o.url.scheme}://${o.url.address.ip}:${o.url.address.port}${o.url.path}/state`);
        assert.equal(state.status, 200);
        const v0 = JSON.parse(state.body) as { id: string; attributes: Record<string, unknown> };
        assert.equal(v0.id, agent.id);
        assert.deepEqual(v0.attributes, i === 0 ? { rack: 'r1', zone: 2 } : { rack: 'r2', zone: 3.5, slots: '[1-4, 8-9]' });
      }
      // On the wire: doubles written as 2.0, fields in the proto's declaration order.
      const wire = Buffer.concat(fw.stream.chunks).toString('utf8');
      assert.ok(wire.includes('"attributes":[{"name":"rack","type":"TEXT","text":{"value":"r1"}},{"name":"zone","type":"SCALAR","scalar":{"value":2.0}}]'), wire.slice(0, 2000));
      const agents = await cluster.operator<{ get_agents: { agents: { agent_info: { id: { value: string }; attributes?: unknown } }[] } }>({ type: 'GET_AGENTS' });
      for (const [i, agent] of cluster.agents.entries()) {
        assert.deepEqual(agents.get_agents.agents.find((a) => a.agent_info.id.value === agent.id)!.agent_info.attributes, expected[i]);
      }
      const master = JSON.parse((await rawRequest(`${cluster.leaderUrl}/master/state`)).body) as { slaves: { id: string; attributes: unknown }[] };
      assert.deepEqual(master.slaves.find((s) => s.id === cluster.agents[0].id)!.attributes, { rack: 'r1', zone: 2 });
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test("a framework's stream closes: its offers are recovered and a second framework receives those agents", async () => {
    const first = await TestFramework.subscribe(cluster.leaderUrl, info('holder', { failover_timeout: 30 }));
    const held = await offersForAllAgents(first);
    const second = await TestFramework.subscribe(cluster.leaderUrl, info('waiter'));
    try {
      await sleep(300);
      assert.equal(second.stream.events.filter((e) => e.type === 'OFFERS').length, 0, 'every agent is offered to the first framework');
      const closedAt = Date.now();
      first.stream.close();
      const got = new Set<string>();
      for (let from = 0; got.size < held.length;) {
        const e = await second.stream.next((x) => x.type === 'OFFERS', 2000, from);
        from = second.stream.events.indexOf(e) + 1;
        for (const o of offersOf(e)) got.add(o.agent_id.value);
      }
      assert.deepEqual([...got].sort(), held.map((o) => o.agent_id.value).sort());
      assert.ok(Date.now() - closedAt < 1500, `re-offered ${Date.now() - closedAt} ms after the close`);
      // The first framework is disconnected (within its failover timeout) and holds no offers.
      const fws = await cluster.operator<{ get_frameworks: { frameworks: { connected: boolean; offers?: unknown[]; framework_info: { id: { value: string } } }[] } }>({ type: 'GET_FRAMEWORKS' });
      const holder = fws.get_frameworks.frameworks.find((f) => f.framework_info.id.value === first.id)!;
      assert.deepEqual([holder.connected, holder.offers], [false, undefined]);
      // Its offer ids are gone: ACCEPT from the second framework names them no longer valid.
      const from = second.stream.events.length;
      await second.call({ type: 'ACCEPT', accept: { offer_ids: [held[0].id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('stale', held[0].agent_id.value, { shell: true, value: 'true' })] } }] } });
      const stale = statusOf(await second.stream.next((e) => e.type === 'UPDATE', 2000, from));
      assert.equal(stale.message, `Task launched with invalid offers: Offer ${held[0].id.value} is no longer valid`);
    } finally {
      await cluster.operator({ type: 'TEARDOWN', teardown: { framework_id: { value: first.id } } });
      await second.call({ type: 'TEARDOWN' });
      second.stream.close();
    }
  });

  test('ACCEPT declines the unused resources: refuse_seconds 1 holds the agent back about 1 s; no filters, about 5 s', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('accept-filters'));
    try {
      const [a, b] = await offersForAllAgents(fw);
      await fw.call({ type: 'DECLINE', decline: { offer_ids: [b.id], filters: { refuse_seconds: 60 } } });
      const agentId = a.agent_id.value;
      const task = (id: string): Record<string, unknown> => commandTask(id, agentId, { shell: true, value: 'sleep 30' });
      /** ACCEPTs `offer` and measures, on the stream's clock, when the agent is offered again. */
      const acceptAndTime = async (offer: OfferJson, taskId: string, filters?: { refuse_seconds: number }): Promise<{ ms: number; offer: OfferJson }> => {
        const from = fw.stream.events.length;
        const sentAt = Date.now() - fw.stream.started;
        const res = await fw.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(taskId)] } }], ...(filters ? { filters } : {}) } });
        assert.equal(res.status, 202);
        const e = await fw.stream.next((x) => x.type === 'OFFERS' && offersOf(x).some((o) => o.agent_id.value === agentId), 8000, from);
        return { ms: e.at - sentAt, offer: offersOf(e).find((o) => o.agent_id.value === agentId)! };
      };
      const scalar = (o: OfferJson, name: string): number | undefined => o.resources.find((r) => r.name === name)?.scalar?.value;
      const one = await acceptAndTime(a, 'f1', { refuse_seconds: 1 });
      assert.ok(one.ms >= 990 && one.ms < 2000, `re-offered ${one.ms} ms after ACCEPT with refuse_seconds 1`);
      assert.deepEqual([scalar(one.offer, 'cpus'), scalar(one.offer, 'mem')], [7.9, 16352], 'the remaining resources');
      const five = await acceptAndTime(one.offer, 'f2');
      assert.ok(five.ms >= 4990 && five.ms < 6000, `re-offered ${five.ms} ms after ACCEPT without filters (default 5 s)`);
      assert.deepEqual([scalar(five.offer, 'cpus'), scalar(five.offer, 'mem')], [7.8, 16320]);
      assert.equal(fw.stream.events.filter((e) => e.type === 'OFFERS' && offersOf(e).some((o) => o.agent_id.value === b.agent_id.value)).length, 1, 'the declined agent stays filtered');
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test('invalid role names: 200, one ERROR with the Mesos 1.12 text (roles.cpp, validation.cpp), then the stream closes', async () => {
    const multi = (roles: string[], extra: Record<string, unknown> = {}): Record<string, unknown> =>
      ({ user: 'root', name: 'roles', capabilities: [{ type: 'MULTI_ROLE' }], roles, ...extra });
    const single = (role: string): Record<string, unknown> => ({ user: 'root', name: 'role', role });
    const invalid = (error: string): string => `'FrameworkInfo.roles' contains invalid role: ${error}`;
    const cases: [Record<string, unknown>, string, string[]?][] = [
      [multi(['']), invalid('Role names cannot be the empty string')],
      [multi(['.']), invalid("Role '.' cannot include '.' as a component")],
      [multi(['..']), invalid("Role '..' cannot include '..' as a component")],
      [multi(['dev/..']), invalid("Role 'dev/..' cannot include '..' as a component")],
      [multi(['-dev']), invalid("Role component '-dev' is invalid because it starts with a dash")],
      [multi(['dev/-x']), invalid("Role component '-x' is invalid because it starts with a dash")],
      [multi(['/dev']), invalid("Role '/dev' cannot start with a slash")],
      [multi(['dev/']), invalid("Role 'dev/' cannot end with a slash")],
      [multi(['dev//ops']), invalid("Role 'dev//ops' cannot contain two adjacent slashes")],
      [multi(['dev/*']), invalid("Role 'dev/*' cannot include '*' as a component")],
      [multi(['dev ops']), invalid("Role component 'dev ops' is invalid because it contains backspace or whitespace")],
      [multi(['ok', 'a\tb']), invalid("Role component 'a\tb' is invalid because it contains backspace or whitespace")],
      [multi(['a\nb']), invalid("Role component 'a\nb' is invalid because it contains backspace or whitespace")],
      [multi(['del\u007f']), invalid("Role component 'del\u007f' is invalid because it contains backspace or whitespace")],
      [multi(['dev', 'ops', 'dev']), "'FrameworkInfo.roles' contains duplicate items: { dev }"],
      [multi(['dev'], { role: 'dev' }), "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"],
      [single(''), "'FrameworkInfo.role' is not a valid role: Role names cannot be the empty string"],
      [single('-x'), "'FrameworkInfo.role' is not a valid role: Role component '-x' is invalid because it starts with a dash"],
      [single('a b'), "'FrameworkInfo.role' is not a valid role: Role component 'a b' is invalid because it contains backspace or whitespace"],
      [multi(['dev']), 'Suppressed roles { ops, qa } are not contained in the set of roles', ['qa', 'ops']],
    ];
    for (const [frameworkInfo, message, suppressed] of cases) {
      const s = await openSubscribe(cluster.leaderUrl, { type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo, ...(suppressed ? { suppressed_roles: suppressed } : {}) } });
      assert.equal(s.status, 200, message);
      assert.equal(s.streamId.length, 36);
      await s.waitEnd();
      const record = JSON.stringify({ type: 'ERROR', error: { message } });
      assert.equal(Buffer.concat(s.chunks).toString('utf8'), `${Buffer.byteLength(record)}\n${record}`, message);
    }
    const fws = await cluster.operator<{ get_frameworks: { frameworks: { framework_info: { name: string } }[] } }>({ type: 'GET_FRAMEWORKS' });
    assert.ok(!fws.get_frameworks.frameworks.some((f) => ['roles', 'role'].includes(f.framework_info.name)), 'a refused framework is not registered');
    // Valid in Mesos 1.12: '*' in a MULTI_ROLE list, hierarchical roles, and control characters other than whitespace and DEL.
    for (const roles of [['*'], ['dev/ops', 'team.a', 'x-y'], ['bell\u0007']]) {
      const fw = await TestFramework.subscribe(cluster.leaderUrl, multi(roles));
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test('REVIVE with revive.roles clears filters and suppression of those roles only; empty roles clear all; unknown roles drop the call', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, info('revive-roles', { capabilities: [{ type: 'MULTI_ROLE' }], roles: ['dev', 'ops'] }));
    try {
      const seen: string[] = [];
      const declineAll = async (o: OfferJson): Promise<void> => {
        seen.push(`${o.allocation_info?.role}@${o.agent_id.value}`);
        await fw.call({ type: 'DECLINE', decline: { offer_ids: [o.id], filters: { refuse_seconds: 60 } } });
      };
      const pairs = (roles: string[]): string[] => roles.flatMap((r) => cluster.agents.map((a) => `${r}@${a.id}`)).sort();
      // Filters are per role and agent: a decline for 'dev' leaves the agent to 'ops' until both are filtered.
      let next = await drainOffers(fw, 0, 400, declineAll);
      assert.deepEqual([...seen].sort(), pairs(['dev', 'ops']));
      seen.length = 0;
      await fw.call({ type: 'REVIVE', revive: { roles: ['nope'] } });
      await fw.call({ type: 'REVIVE', revive: { roles: ['dev', '-bad'] } });
      next = await drainOffers(fw, next, 300, declineAll);
      assert.deepEqual(seen, [], 'REVIVE naming a role the framework lacks, or an invalid role, is dropped');
      assert.equal((await fw.call({ type: 'REVIVE', revive: { roles: ['dev'] } })).status, 202);
      next = await drainOffers(fw, next, 400, declineAll);
      assert.deepEqual([...seen].sort(), pairs(['dev']), 'only the dev filters were cleared');
      seen.length = 0;
      // SUPPRESS ops, REVIVE all: every filter goes, ops comes back too (REVIVE also ends suppression).
      await fw.call({ type: 'SUPPRESS', suppress: { roles: ['ops'] } });
      await fw.call({ type: 'REVIVE', revive: { roles: ['dev'] } });
      next = await drainOffers(fw, next, 400, declineAll);
      assert.deepEqual([...seen].sort(), pairs(['dev']), 'ops stays suppressed');
      seen.length = 0;
      await fw.call({ type: 'REVIVE' });
      await drainOffers(fw, next, 400, declineAll);
      assert.deepEqual([...seen].sort(), pairs(['dev', 'ops']), 'REVIVE without roles clears every role');
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });
});
