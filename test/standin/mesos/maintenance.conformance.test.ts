// The stand-in's maintenance schedule, machine DOWN/UP, inverse offers and DRAIN_AGENT against the answers of a real
// Mesos 1.12 master (mesos-1.12-partition-maintenance-answers.json, runs M1, M2 and D): status codes, error texts,
// field names and order, the events and their order. Recorded machine {127.0.0.1, 127.0.0.1} maps to a stand-in agent's.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../repoRoot';
import { MesosCluster } from './MesosCluster';
import { commandTask, rawRequest, sleep, stopWithoutStrays, TestFramework, type StreamEvent } from './rawClient';

interface Probe {
  probe: string;
  request?: { url?: string; body?: Record<string, unknown> };
  response?: { status?: number; headers?: Record<string, string>; body?: unknown };
  events?: { type?: string; verbatim?: Record<string, unknown> }[];
}

const recording = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'standin', 'mesos', 'mesos-1.12-partition-maintenance-answers.json'), 'utf8')) as Probe[];
const probe = (name: string): Probe => {
  const p = recording.find((x) => x.probe.startsWith(name + ' '));
  if (!p) throw new Error(`no probe '${name}' in the recording`);
  return p;
};
const flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-flink-home-'));

/** Replaces every recorded id or address by the live one, in any JSON or text. */
function mapped<T>(value: T, map: Record<string, string>): T {
  let text = JSON.stringify(value);
  // Through placeholders, so that a replacement is never replaced again.
  const entries = Object.entries(map).sort((a, b) => b[0].length - a[0].length);
  entries.forEach(([from], i) => { text = text.split(from).join(`\u0000${i}\u0000`); });
  entries.forEach(([, to], i) => { text = text.split(`\u0000${i}\u0000`).join(to); });
  return JSON.parse(text) as T;
}

/** The same keys in the same order, recursively (values aside). */
function sameKeys(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: an array`);
    if (expected.length && (actual as unknown[]).length) sameKeys((actual as unknown[])[0], expected[0], `${where}[0]`);
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${where}: an object`);
    assert.deepEqual(Object.keys(actual as object), Object.keys(expected), `${where}: keys`);
    for (const k of Object.keys(expected)) sameKeys((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${where}.${k}`);
  }
}

describe('maintenance and draining answer as the recorded Mesos 1.12 master', () => {
  let cluster: MesosCluster;
  const op = (body: unknown): ReturnType<typeof rawRequest> => rawRequest(`${cluster.leaderUrl}/api/v1`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body),
  });
  /** Sends the recorded request (ids and the machine mapped) and compares status, content type and body exactly. */
  const replay = async (name: string, map: Record<string, string>): Promise<void> => {
    const p = probe(name);
    const res = await op(mapped(p.request!.body, map));
    assert.equal(res.status, p.response!.status, `${p.probe}: status (${res.body})`);
    assert.equal(res.headers['content-type'], p.response!.headers?.['content-type'], `${p.probe}: content type`);
    const want = p.response!.body;
    if (typeof want === 'string') assert.equal(res.body, mapped(want, map), `${p.probe}: body`);
    // Field order too: the same JSON text once parsed and written again.
    else assert.equal(JSON.stringify(JSON.parse(res.body)), JSON.stringify(mapped(want, map)), `${p.probe}: body`);
  };

  before(async () => {
    cluster = await MesosCluster.start({ agents: 3, flinkHome, allocationIntervalMs: 100, killGracePeriodMs: 500 });
  });
  after(async () => {
    await stopWithoutStrays(cluster);
    fs.rmSync(flinkHome, { recursive: true, force: true });
  });

  test('refused schedule, START/STOP_MAINTENANCE, DRAIN_AGENT and REACTIVATE_AGENT calls: exact status and text (M1.04-M1.20, D.08-D.14)', async () => {
    const [a] = cluster.agents;
    const map = { '127.0.0.1': a.hostname, '72e8d5ff-6404-46ba-829f-80749c59fb05-S1': cluster.agents[1].id };
    for (const name of ['M1.04', 'M1.05', 'M1.06', 'M1.07', 'M1.08', 'M1.09', 'M1.10', 'M1.11', 'M1.12', 'M1.13', 'M1.14', 'M1.15', 'M1.16',
      'M1.17', 'M1.18', 'M1.19', 'M1.20', 'D.08', 'D.09', 'D.10', 'D.11', 'D.12', 'D.13', 'D.14']) await replay(name, map);
  });

  test('a window: offers carry unavailability, inverse offers to the framework on the agent, answers in the status, machine DOWN and UP (M1)', async () => {
    const [a, b] = cluster.agents;
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'maint', failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }] });
    try {
      const offers = await fw.offers();
      const onA = offers.find((o) => o.agent_id.value === a.id)!;
      await fw.launch(onA, [commandTask('m1-sleep', a.id, { shell: true, value: 'sleep 1000' })]);
      await fw.ack(await fw.update((s) => s.state === 'TASK_STARTING'));
      await fw.ack(await fw.update((s) => s.state === 'TASK_RUNNING'));
      const rec = probe('M1.21');
      const start = Date.now() + 30000;
      const map: Record<string, string> = { '127.0.0.1': a.hostname, '1796156891689000000': String(start * 1e6) };
      const mark = fw.stream.events.length;
      assert.equal((await op(mapped(rec.request!.body, map))).status, 200);
      await replay('M1.22', map);
      await replay('M1.23', map);

      // INVERSE_OFFERS at once, in the recorded shape; the agent's next offer carries the window.
      const inverse = await fw.stream.next((e) => e.type === 'INVERSE_OFFERS', 3000, mark);
      const recordedInverse = probe('M1.22').events!.find((e) => e.type === 'INVERSE_OFFERS')!.verbatim!;
      const { at: _at, ...event } = inverse as StreamEvent;
      sameKeys(event, recordedInverse, 'INVERSE_OFFERS');
      const io = (event.inverse_offers as { inverse_offers: { id: { value: string }; agent_id: { value: string }; unavailability: unknown }[] }).inverse_offers[0];
      assert.equal(io.agent_id.value, a.id);
      assert.deepEqual(io.unavailability, { start: { nanoseconds: start * 1e6 }, duration: { nanoseconds: 60e9 } });
      const offerEvent = await fw.stream.next((e) => e.type === 'OFFERS' && JSON.stringify(e).includes(a.id), 3000, mark);
      const scheduledOffer = (offerEvent.offers as { offers: Record<string, unknown>[] }).offers.find((o) => (o.agent_id as { value: string }).value === a.id)!;
      const recordedOffer = (probe('M1.24').events![0].verbatim!.offers as { offers: Record<string, unknown>[] }).offers[2];
      sameKeys(scheduledOffer, recordedOffer, 'offer');
      assert.deepEqual(scheduledOffer.unavailability, io.unavailability);
      const other = (offerEvent.offers as { offers: Record<string, unknown>[] }).offers.find((o) => (o.agent_id as { value: string }).value === b.id);
      if (other) assert.equal(other.unavailability, undefined, 'an agent not in the schedule: no unavailability');

      // Answers: 202 always; the status names the framework's answer; a missing body is 400 as recorded.
      const ioMap = { '5fd5d1e7-e517-4147-8648-c9cef14be8d1-O3': io.id.value, '5fd5d1e7-e517-4147-8648-c9cef14be8d1-0000': fw.id };
      for (const name of ['M1.26', 'M1.28', 'M1.29', 'M1.30', 'M1.31', 'M1.32']) {
        const p = probe(name);
        const { framework_id: _f, ...call } = mapped(p.request!.body!, ioMap);
        const res = await fw.call(name === 'M1.26' ? { ...call, accept_inverse_offers: { ...(call.accept_inverse_offers as object), filters: { refuse_seconds: 0.5 } } } : call);
        assert.equal(res.status, p.response!.status, p.probe);
        assert.equal(res.body, p.response!.body, p.probe);
      }
      const status = JSON.parse((await op({ type: 'GET_MAINTENANCE_STATUS' })).body);
      sameKeys(status, probe('M1.27').response!.body, 'GET_MAINTENANCE_STATUS');
      const machine = status.get_maintenance_status.status.draining_machines[0];
      assert.deepEqual(machine.id, { hostname: a.hostname, ip: a.hostname });
      assert.equal(machine.statuses[0].status, 'ACCEPT');
      assert.equal(machine.statuses[0].framework_id.value, fw.id);

      // An answered inverse offer comes again after refuse_seconds; a decline is recorded as such.
      const again = await fw.stream.next((e) => e.type === 'INVERSE_OFFERS', 3000, fw.stream.events.indexOf(inverse) + 1);
      const id2 = (again.inverse_offers as { inverse_offers: { id: { value: string } }[] }).inverse_offers[0].id.value;
      assert.notEqual(id2, io.id.value);
      const declineMark = fw.stream.events.length;
      assert.equal((await fw.call({ type: 'DECLINE_INVERSE_OFFERS', decline_inverse_offers: { inverse_offer_ids: [{ value: id2 }], filters: { refuse_seconds: 0.3 } } })).status, 202);
      const declined = JSON.parse((await op({ type: 'GET_MAINTENANCE_STATUS' })).body).get_maintenance_status.status.draining_machines[0].statuses[0];
      assert.equal(declined.status, 'DECLINE');

      // Left unanswered, the next inverse offer is rescinded when the machine goes DOWN, between the update and FAILURE.
      await fw.stream.next((e) => e.type === 'INVERSE_OFFERS', 3000, declineMark);
      const downMark = fw.stream.events.length;
      const startMap = { '127.0.0.1': a.hostname };
      await replay('M1.39', { 'agent2.rec': b.hostname, '127.0.0.1': b.hostname });
      assert.equal((await op(mapped(probe('M1.40').request!.body, startMap))).status, 200);
      const lost = await fw.update((s) => s.task_id.value === 'm1-sleep' && s.state === 'TASK_LOST');
      const recordedEvents = probe('M1.40').events!;
      const recordedLost = (recordedEvents[0].verbatim!.update as { status: Record<string, unknown> }).status;
      sameKeys(lost, recordedLost, 'TASK_LOST');
      for (const k of ['state', 'source', 'reason']) assert.equal(lost[k], recordedLost[k], k);
      assert.equal(lost.message, `Agent ${a.hostname} removed: Operator initiated 'Machine DOWN'`);
      await fw.stream.next((e) => e.type === 'FAILURE', 2000, downMark);
      const order = fw.stream.events.slice(downMark).map((e) => e.type).filter((t) => ['UPDATE', 'RESCIND_INVERSE_OFFER', 'FAILURE'].includes(t));
      assert.deepEqual(order, recordedEvents.map((e) => e.type), 'UPDATE, RESCIND_INVERSE_OFFER, FAILURE as recorded');
      await replay('M1.42', startMap);
      await replay('M1.43', { ...startMap, '1796156891689000000': String(start * 1e6) });
      assert.ok(!cluster.agents.some((x) => x.id === a.id), 'the DOWN machine\'s agent is gone from GET_AGENTS');
      await replay('M1.46', startMap);
      await replay('M1.47', startMap);
      await replay('M1.50', startMap);
      await replay('M1.51', startMap);
      await replay('M1.52', startMap);
      await replay('M1.53', startMap);
      assert.ok(cluster.agents.some((x) => x.id === a.id), 'the machine is UP: its agent registered again with its id');
    } finally {
      fw.stream.close();
    }
  });

  test('DRAIN_AGENT kills the tasks at once (REASON_AGENT_DRAINING); DRAINING, DRAINED, no offers, REACTIVATE_AGENT (D1)', async () => {
    const b = cluster.agents[1];
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'drain', failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }] });
    try {
      const offer = await waitOffer(fw, b.id, 0);
      // A task that ignores SIGTERM, as the recorded pa-trap: the drain's kill ends it after its grace period.
      // The marker says the trap is set: a drain before that (a busy machine) would end the shell with SIGTERM at once.
      const trapped = path.join(os.tmpdir(), `pa-trap-${process.pid}-${Date.now()}`);
      await fw.launch(offer, [commandTask('pa-trap', b.id, { shell: true, value: `trap '' TERM; : > ${trapped}; sleep 1000` }, { kill_policy: { grace_period: { nanoseconds: 1.5e9 } } })], 0);
      await fw.ack(await fw.update((s) => s.task_id.value === 'pa-trap' && s.state === 'TASK_STARTING'));
      await fw.ack(await fw.update((s) => s.task_id.value === 'pa-trap' && s.state === 'TASK_RUNNING'));
      await until(async () => fs.existsSync(trapped));
      fs.rmSync(trapped, { force: true });
      const map = { '72e8d5ff-6404-46ba-829f-80749c59fb05-S0': b.id };
      assert.equal((await op(mapped(probe('D.15').request!.body, map))).status, 200);
      const killing = await fw.update((s) => s.task_id.value === 'pa-trap' && s.state === 'TASK_KILLING');
      const recorded = probe('D.16').events!.filter((e) => e.type === 'UPDATE').map((e) => (e.verbatim!.update as { status: Record<string, unknown> }).status)
        .filter((st) => (st.task_id as { value: string }).value === 'pa-trap-5151');
      sameKeys(killing, recorded[0], 'TASK_KILLING');
      assert.equal(killing.reason, 'REASON_AGENT_DRAINING');
      await fw.ack(killing);
      const agentNow = async (): Promise<Record<string, unknown> | undefined> => (JSON.parse((await op({ type: 'GET_AGENTS' })).body).get_agents.agents as Record<string, unknown>[])
        .find((x) => (x.agent_info as { id: { value: string } }).id.value === b.id);
      const draining = await agentNow();
      assert.deepEqual(draining?.drain_info, { state: 'DRAINING', config: { mark_gone: false } });
      assert.equal(draining?.active, false);
      await replay('D.17', map);
      const killed = await fw.update((s) => s.task_id.value === 'pa-trap' && s.state === 'TASK_KILLED', 5000);
      sameKeys(killed, recorded[1], 'TASK_KILLED');
      for (const k of ['state', 'message', 'source', 'reason']) assert.equal(killed[k], recorded[1][k], k);
      await fw.ack(killed);
      await until(async () => ((await agentNow())?.drain_info as { state?: string } | undefined)?.state === 'DRAINED');
      const drained = (await agentNow())!;
      const recordedAgent = (probe('D.18').response!.body as { get_agents: { agents: Record<string, unknown>[] } }).get_agents.agents[2];
      assert.deepEqual(Object.keys(drained), Object.keys(recordedAgent), 'GET_AGENTS keys and order of a DRAINED agent');
      for (const k of ['active', 'deactivated', 'drain_info']) assert.deepEqual(drained[k], recordedAgent[k], k);
      // No offer from a drained agent.
      const mark = fw.stream.events.length;
      await sleep(600);
      assert.ok(!fw.stream.events.slice(mark).some((e) => e.type === 'OFFERS' && JSON.stringify(e).includes(b.id)), 'no offers from the DRAINED agent');
      await replay('D.21', map);
      const back = fw.stream.events.length;
      await replay('D.23', map);
      await waitOffer(fw, b.id, back);
      assert.equal((await agentNow())?.drain_info, undefined);
      // An agent whose machine is in the schedule cannot be drained (D.40).
      const sched = mapped(probe('D.39').request!.body, { '127.0.0.1': b.hostname });
      assert.equal((await op(sched)).status, 200);
      const res = await op({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: b.id } } });
      assert.equal(res.status, 400);
      assert.equal(res.body, `Agent ${b.id} is part of a maintenance schedule under Machine ${b.hostname} (${b.hostname})`);
      assert.equal((await op({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [] } } })).status, 200);
    } finally {
      fw.stream.close();
    }
  });
});

async function until(pred: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(50);
  }
}

async function waitOffer(fw: TestFramework, agentId: string, from: number): Promise<never> {
  const e = await fw.stream.next((x) => x.type === 'OFFERS' && JSON.stringify(x).includes(agentId), 5000, from);
  return (e.offers as { offers: { agent_id: { value: string } }[] }).offers.find((x) => x.agent_id.value === agentId) as never;
}
