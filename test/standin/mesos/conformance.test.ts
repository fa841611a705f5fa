// Replays the requests recorded against a real Mesos 1.12 master (mesos-1.12-master-answers.json) on the stand-in,
// over raw HTTP, and compares status, exact body and key headers. Ids in the recording are mapped to the live ones.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../repoRoot';
import { MesosCluster } from './MesosCluster';
import { commandTask, openSubscribe, rawRequest, stopWithoutStrays, TestFramework, type OfferJson, type StatusJson } from './rawClient';

interface Probe {
  probe: string;
  request?: { method?: string; url?: string; headers?: Record<string, string | number>; body?: unknown; raw?: string };
  response?: { status?: number; headers?: Record<string, unknown>; body?: string; body_trimmed_structure?: unknown; top_level_keys?: string[]; raw?: string };
  events?: { type: string; state?: string; source?: string; reason?: string; message?: string; keys?: string[]; uuid_present?: boolean }[];
}

const recording = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test', 'standin', 'mesos', 'mesos-1.12-master-answers.json'), 'utf8')) as Probe[];
const probe = (name: string): Probe => {
  const p = recording.find((x) => x.probe.startsWith(name + ' ') || x.probe === name);
  if (!p) throw new Error(`no probe '${name}' in the recording`);
  return p;
};

const REC_FW = 'f2b69834-16b5-46e3-838f-1527140f0e43-0002';
const REC_STREAM = 'da373c29-3799-4604-b00b-89980aaaea51';
const REC_AGENT_S0 = 'f2b69834-16b5-46e3-838f-1527140f0e43-S0';
const REC_AGENT_S1 = 'f2b69834-16b5-46e3-838f-1527140f0e43-S1';

function mapIds(text: string, map: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(map).sort((a, b) => b[0].length - a[0].length)) out = out.split(from).join(to);
  return out;
}

function replayRequest(p: Probe, map: Record<string, string> = {}): { method: string; headers: Record<string, string>; body?: string; path: string } {
  const r = p.request!;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) if (k.toLowerCase() !== 'content-length') headers[k] = mapIds(String(v), map);
  const body = r.body === null || r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const u = new URL(r.url!);
  return { method: r.method ?? 'GET', headers, body: body === undefined ? undefined : mapIds(body, map), path: u.pathname + u.search };
}

async function checkReplay(baseUrl: string, p: Probe, map: Record<string, string> = {}): Promise<void> {
  const req = replayRequest(p, map);
  const res = await rawRequest(baseUrl + req.path, { method: req.method, headers: req.headers, body: req.body });
  const want = p.response!;
  assert.equal(res.status, want.status, `${p.probe}: status (body ${res.body})`);
  if (want.body !== undefined) assert.equal(res.body, mapIds(want.body, map), `${p.probe}: body`);
  const wh = want.headers ?? {};
  for (const h of ['content-type', 'content-length', 'www-authenticate', 'allow']) {
    if (wh[h] !== undefined) assert.equal(res.headers[h], mapIds(String(wh[h]), map), `${p.probe}: header ${h}`);
    else if (h !== 'allow' || res.status !== 405) assert.equal(res.headers[h], undefined, `${p.probe}: no ${h} header`);
  }
  assert.equal(res.headers['mesos-stream-id'], undefined, `${p.probe}: no Mesos-Stream-Id`);
}

/** Expected keys ⊆ actual keys (optional ones aside); arrays compared on their first elements. */
function assertShape(expected: unknown, actual: unknown, where: string): void {
  // Fields a real master leaves out when empty. `attributes` is not among them: the recorded agents had none, so the
  // recording never shows them, and the operator test below requires them exactly where the stand-in's agents have some.
  const OPTIONAL = new Set(['offers', 'allocated_resources', 'offered_resources', 'container', 'unregistered_time']);
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array`);
    const e = expected.find((x) => typeof x !== 'string' || !x.startsWith('...['));
    if (e !== undefined && (actual as unknown[]).length > 0) assertShape(e, (actual as unknown[])[0], `${where}[0]`);
    return;
  }
  if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${where}: expected an object`);
    for (const [k, v] of Object.entries(expected)) {
      const a = (actual as Record<string, unknown>)[k];
      if (a === undefined) {
        assert.ok(OPTIONAL.has(k), `${where}.${k} is missing`);
        continue;
      }
      assertShape(v, a, `${where}.${k}`);
    }
    return;
  }
  assert.equal(typeof actual, typeof expected, `${where}: type`);
}

const flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-flink-home-'));

describe('conformance with the recorded Mesos 1.12 master', () => {
  let cluster: MesosCluster;
  let auth: MesosCluster;
  before(async () => {
    // Agent 0 has attributes, agent 1 none (as the recorded agents): a real master omits the empty list.
    cluster = await MesosCluster.start({ agents: [{ attributes: { rack: 'r1', zone: '2' } }, {}], flinkHome, allocationIntervalMs: 100, killGracePeriodMs: 500 });
    auth = await MesosCluster.start({ agents: 0, flinkHome, auth: [{ principal: 'p', secret: 's' }, { principal: 'p2', secret: 's2' }] });
  });
  after(async () => {
    await stopWithoutStrays(cluster);
    await stopWithoutStrays(auth);
    fs.rmSync(flinkHome, { recursive: true, force: true });
  });

  // Every recorded refusal that needs no framework: exact status, body and headers.
  const stateless = recording.filter((p) => p.request?.url?.includes(':5050/') && p.response?.body !== undefined && p.response.status !== 200
    && !/f2b69834|ae259e85/.test(JSON.stringify(p.request)) && !p.probe.startsWith('28'));
  test(`${stateless.length} stateless refusals answer exactly as recorded`, async () => {
    assert.ok(stateless.length >= 30);
    for (const p of stateless) {
      const m = { '127.0.0.1:5050': new URL(cluster.leaderUrl).host };
      await checkReplay(cluster.leaderUrl, p, m);
    }
  });

  test('authentication refusals (28a-28h) answer exactly as recorded', async () => {
    const probes = recording.filter((p) => p.probe.startsWith('28') && p.response?.status !== 200);
    assert.equal(probes.length, 8);
    for (const p of probes) await checkReplay(auth.leaderUrl, p);
  });

  test('authenticated SUBSCRIBE; calls need the same principal (28i, 28j)', async () => {
    for (const name of ['28i', '28j']) {
      const p = probe(name) as Probe & Record<string, { request: Probe['request']; response: Probe['response'] }>;
      const req = replayRequest(p);
      const fw = await TestFramework.subscribe(auth.leaderUrl, JSON.parse(req.body!).subscribe.framework_info, { Authorization: req.headers.Authorization });
      const map = { [String(p.response!.headers!['mesos-stream-id'])]: fw.stream.streamId, [(p.response as { first_bytes?: string }).first_bytes!.match(/"framework_id":\{"value":"([^"]+)"/)![1]]: fw.id };
      for (const k of ['decline_without_auth', 'decline_with_auth', 'decline_with_other_valid_principal']) {
        await checkReplay(auth.leaderUrl, p[k] as Probe, map);
      }
      fw.stream.close();
    }
  });

  test('operator API and v0 endpoints have the recorded shapes', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'probe', failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    const [offer] = await fw.offers();
    await fw.launch(offer, [commandTask('t1', offer.agent_id.value, { shell: true, value: 'echo probe-stdout-line; echo probe-stderr-line 1>&2; sleep 600' },
      { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: offer.resources[0].ranges!.range[0].begin, end: offer.resources[0].ranges!.range[0].begin }] } }] })]);
    await fw.update((s) => s.state === 'TASK_RUNNING' || s.state === 'TASK_STARTING');
    try {
    for (const p of recording.filter((x) => x.request?.url?.endsWith(':5050/api/v1') && x.response?.status === 200 && !/f2b69834|ae259e85/.test(JSON.stringify(x.request)))) {
      const req = replayRequest(p);
      const res = await rawRequest(cluster.leaderUrl + req.path, { method: req.method, headers: req.headers, body: req.body });
      assert.equal(res.status, 200, p.probe);
      assert.equal(res.headers['content-type'], 'application/json', p.probe);
      assertShape(p.response!.body_trimmed_structure, JSON.parse(res.body), p.probe);
    }
    for (const p of recording.filter((x) => x.response?.top_level_keys)) {
      const res = await rawRequest(cluster.leaderUrl + new URL(p.request!.url!).pathname);
      assert.deepEqual(Object.keys(JSON.parse(res.body)), p.response!.top_level_keys, p.probe);
    }
    // Attributes: exactly where an agent has them, in the Mesos shape; the offer made to this framework carries them too.
    const attributes = [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }, { name: 'zone', type: 'SCALAR', scalar: { value: 2 } }];
    const agents = await cluster.operator<{ get_agents: { agents: { agent_info: Record<string, unknown> & { id: { value: string } } }[] } }>({ type: 'GET_AGENTS' });
    const infoOf = (id: string): Record<string, unknown> => agents.get_agents.agents.find((a) => a.agent_info.id.value === id)!.agent_info;
    assert.deepEqual(infoOf(cluster.agents[0].id).attributes, attributes);
    assert.ok(!('attributes' in infoOf(cluster.agents[1].id)), 'no attributes key for an agent without attributes');
    assert.deepEqual(offer.attributes ?? [], offer.agent_id.value === cluster.agents[0].id ? attributes : []);
    assert.equal(offer.agent_id.value === cluster.agents[1].id, !('attributes' in offer));
    // The full GET_TASKS body: same keys in the same order, doubles written as 32.0.
    const full = await rawRequest(`${cluster.leaderUrl}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_TASKS"}' });
    assert.match(full.body, /"scalar":\{"value":32\.0\}/);
    assert.match(full.body, /^\{"type":"GET_TASKS","get_tasks":\{"tasks":\[\{"name":"t1","task_id":\{"value":"t1"\},"framework_id":/);
    } finally {
      await fw.call({ type: 'TEARDOWN' });
      fw.stream.close();
    }
  });

  test('exact response header names and order (probe "hdr")', async () => {
    const raw = probe('hdr').response!.raw!;
    const sections = raw.split('== ').slice(1);
    const namesOf = (section: string): string[] => section.split('\r\n\r\n')[0].split('\r\n').slice(1).map((l) => l.split(':')[0]);
    const want = Object.fromEntries(sections.map((s) => [s.split('\n')[0].trim(), s]));
    const base = cluster.leaderUrl;
    const json = { 'Content-Type': 'application/json', Accept: 'application/json' };
    const cases: [string, Promise<{ rawHeaders: string[] }>][] = [
      ['GET /api/v1/scheduler', rawRequest(`${base}/api/v1/scheduler`)],
      ['POST charset', rawRequest(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{}' })],
      ['POST unknown fw', rawRequest(`${base}/api/v1/scheduler`, { method: 'POST', headers: json, body: '{"framework_id":{"value":"x"},"type":"DECLINE","decline":{"offer_ids":[]}}' })],
      ['GET /redirect', rawRequest(`${base}/redirect`)],
      ['OPTIONS scheduler', rawRequest(`${base}/api/v1/scheduler`, { method: 'OPTIONS' })],
      ['Accept text/html', rawRequest(`${base}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/html' }, body: '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"h"}}}' })],
    ];
    for (const [name, pending] of cases) {
      const res = await pending;
      const names = res.rawHeaders.filter((_, i) => i % 2 === 0);
      assert.deepEqual(names, namesOf(want[name]), name);
    }
    const fw = await TestFramework.subscribe(base, { user: 'root', name: 'hdr' });
    const subNames = fw.stream.response.rawHeaders.filter((_, i) => i % 2 === 0);
    assert.deepEqual(subNames, ['Date', 'Transfer-Encoding', 'Mesos-Stream-Id', 'Content-Type']);
    const decline = await fw.call({ type: 'DECLINE', decline: { offer_ids: [] } });
    assert.deepEqual(decline.rawHeaders.filter((_, i) => i % 2 === 0), ['Date', 'Content-Length']);
    fw.stream.close();
  });

  test('SUBSCRIBE without Accept (2e): 200, 36-char stream id, SUBSCRIBED then HEARTBEAT then OFFERS, each record in its own chunk', async () => {
    const p = probe('2e');
    const req = replayRequest(p);
    const s = await openSubscribe(cluster.leaderUrl, req.body!, { Accept: '' });
    assert.equal(s.status, 200);
    assert.equal(s.streamId.length, 36);
    assert.equal(s.response.headers['content-type'], 'application/json');
    assert.equal(s.response.headers['transfer-encoding'], 'chunked');
    await s.next((e) => e.type === 'OFFERS');
    assert.deepEqual(s.events.slice(0, 3).map((e) => e.type), ['SUBSCRIBED', 'HEARTBEAT', 'OFFERS']);
    const recorded = p.response!.body!;
    const wantStart = recorded.slice(recorded.indexOf('\n') + 1, recorded.indexOf('"framework_id"'));
    const first = Buffer.concat(s.chunks).toString('utf8');
    assert.ok(first.slice(first.indexOf('\n') + 1).startsWith(wantStart), first.slice(0, 60));
    assert.match(first, /"heartbeat_interval_seconds":15\.0,"master_info":\{"id":"[^"]+","ip":16777343,"port":\d+,"pid":"master@127\.0\.0\.1:\d+","hostname":"127\.0\.0\.1","version":"1\.12\.0","address":\{"hostname":"127\.0\.0\.1","ip":"127\.0\.0\.1","port":\d+\},"capabilities":\[\{"type":"AGENT_UPDATE"\},\{"type":"AGENT_DRAINING"\},\{"type":"QUOTA_V2"\}\]\}\}\}/);
    assert.match(first, /"resources":\[\{"name":"ports","type":"RANGES","ranges":\{"range":\[\{"begin":\d+,"end":\d+\}\]\},"role":"\*"\},\{"name":"cpus","type":"SCALAR","scalar":\{"value":8\.0\},"role":"\*"\},\{"name":"mem","type":"SCALAR","scalar":\{"value":16384\.0\},"role":"\*"\},\{"name":"disk","type":"SCALAR","scalar":\{"value":20000\.0\},"role":"\*"\}\]/);
    // One record per chunk: every chunk is exactly "<size>\n<record>".
    for (const c of s.chunks.slice(0, 3)) {
      const nl = c.indexOf(0x0a);
      assert.equal(Number(c.subarray(0, nl).toString()), c.length - nl - 1);
    }
    s.close();
  });

  test('refusals for a subscribed framework (stream id, framework id, ACKNOWLEDGE uuid) as recorded', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'probe', failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    const map = { [REC_FW]: fw.id, [REC_STREAM]: fw.stream.streamId, [REC_AGENT_S1]: cluster.agents[0].id };
    const names = ['6', '7', '7b', '7c', '9c', '10l', '17b', '17c', '20g', '22pre', '22pre2'];
    const acks = recording.filter((p) => p.probe.startsWith('17 '));
    assert.equal(acks.length, 4);
    for (const p of [...names.map(probe), ...acks]) await checkReplay(cluster.leaderUrl, p, map);
    // KILL and RECONCILE of unknown tasks: master updates without uuid, the recorded keys and texts.
    for (const name of ['18', '18b', '20c', '20d', '20e']) {
      const p = probe(name);
      const before = fw.updates().length;
      await checkReplay(cluster.leaderUrl, p, map);
      const e = p.events![0];
      const got = await fw.stream.next((x) => x.type === 'UPDATE' && fw.stream.events.filter((y) => y.type === 'UPDATE').indexOf(x) >= before);
      const status = (got.update as { status: StatusJson }).status;
      assert.deepEqual(Object.keys(status), e.keys, `${p.probe}: keys`);
      assert.equal(status.state, e.state);
      assert.equal(status.reason, e.reason);
      assert.equal(status.message, e.message);
      assert.equal(status.source, 'SOURCE_MASTER');
    }
    fw.stream.close();
    // 23a/23b: once the stream is closed, calls get 403 "Framework is not subscribed".
    await new Promise((r) => setTimeout(r, 50));
    for (const name of ['23a', '23b']) {
      const p = probe(name);
      await checkReplay(cluster.leaderUrl, p, { ...map, '94c07ab2-6a99-4f7c-b18f-4b17f138bb7f': fw.stream.streamId });
    }
  });

  test('invalid launches are accepted (202) and refused by a master UPDATE as recorded', async () => {
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'invalid', failover_timeout: 0, capabilities: [{ type: 'TASK_KILLING_STATE' }] });
    const res = (mem = 32): Record<string, unknown>[] => [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: mem } }];
    let seen = 0;
    const freshOffers = async (): Promise<OfferJson[]> => {
      const e = await fw.stream.next((x) => x.type === 'OFFERS', 5000, seen);
      seen = fw.stream.events.indexOf(e) + 1;
      return (e.offers as { offers: OfferJson[] }).offers;
    };
    // Each expectation reads only the events after the latest ACCEPT, so an earlier refusal of the same task id
    // (y5's 'twin' before y1's) cannot stand in for the one under test.
    let acceptedAt = 0;
    const expectUpdate = async (taskId: string, name: string, map: Record<string, string>): Promise<StatusJson> => {
      const want = probe(name).events![0];
      const e = await fw.stream.next((x) => x.type === 'UPDATE' && (x.update as { status: StatusJson }).status.task_id.value === taskId
        && (x.update as { status: StatusJson }).status.source === 'SOURCE_MASTER', 5000, acceptedAt);
      const s = (e.update as { status: StatusJson }).status;
      assert.equal(s.state, want.state, name);
      assert.equal(s.reason, want.reason, name);
      assert.equal(s.message, mapIds(want.message!, map), name);
      assert.deepEqual(Object.keys(s), want.keys, `${name}: keys`);
      assert.equal(s.uuid, undefined);
      return s;
    };
    const accept = (offerIds: string[], tasks: Record<string, unknown>[]): Promise<unknown> => (acceptedAt = fw.stream.events.length, fw.call({
      type: 'ACCEPT', accept: { offer_ids: offerIds.map((value) => ({ value })), operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } },
    }).then((r) => assert.equal(r.status, 202)));

    // 16: offers from two agents.
    let offers = await freshOffers();
    while (offers.length < 2) offers = await freshOffers();
    const [a, b] = offers;
    await accept([a.id.value, b.id.value], [commandTask('t16', a.agent_id.value, { shell: true, value: 'sleep 600' })]);
    await expectUpdate('t16', '16', { 'f2b69834-16b5-46e3-838f-1527140f0e43-O5': b.id.value, [REC_AGENT_S0]: b.agent_id.value, [REC_AGENT_S1]: a.agent_id.value });
    // 14 and y3: a used offer and a never-issued offer.
    await accept([a.id.value], [commandTask('t14', a.agent_id.value, { shell: true, value: 'sleep 600' })]);
    await expectUpdate('t14', '14', { 'f2b69834-16b5-46e3-838f-1527140f0e43-O6': a.id.value });
    await accept(['bogus-offer-id'], [commandTask('tb', a.agent_id.value, { shell: true, value: 'sleep 600' })]);
    await expectUpdate('tb', 'y3', {});
    const cases: [string, string, (o: OfferJson) => Record<string, unknown>][] = [
      ['13', 't13', (o) => ({ ...commandTask('t13', o.agent_id.value, { shell: true, value: 'sleep 600' }), resources: res(17384) })],
      ['12', 'a/b', (o) => commandTask('a/b', o.agent_id.value, { shell: true, value: 'sleep 600' })],
      ['15', 't15', (o) => ({ name: 'nocmd', task_id: { value: 't15' }, agent_id: o.agent_id, resources: res() })],
      ['15b', 't15b', (o) => ({ ...commandTask('t15b', o.agent_id.value, { shell: true, value: 'true' }), resources: [] })],
      ['y4', 'ta', (o) => commandTask('ta', 'other-agent-S9', { shell: true, value: 'sleep 600' }, { agent_id: { value: 'other-agent-S9' }, _o: o.id })],
      ['y6', '', (o) => commandTask('', o.agent_id.value, { shell: true, value: 'sleep 600' })],
    ];
    for (const [name, taskId, build] of cases) {
      const [o] = await freshOffers();
      const ports = o.resources.find((r) => r.name === 'ports')!.ranges!.range[0];
      const { _o: _ignored, ...task } = build(o) as Record<string, unknown>;
      await accept([o.id.value], [task]);
      await expectUpdate(taskId, name, {
        [REC_AGENT_S0]: o.agent_id.value, [REC_AGENT_S1]: o.agent_id.value, 'ae259e85-02d5-4f64-be5e-554351708553-S0': o.agent_id.value,
        '[31000-32000]': `[${ports.begin}-${ports.end}]`,
      });
    }
    // y1, y5: duplicate ids (with a running task, and twice in one LAUNCH); y2: a port outside the offered ranges.
    let [o] = await freshOffers();
    await accept([o.id.value], [commandTask('twin', o.agent_id.value, { shell: true, value: 'sleep 600' }), commandTask('twin', o.agent_id.value, { shell: true, value: 'sleep 600' })]);
    await expectUpdate('twin', 'y5', { 'ae259e85-02d5-4f64-be5e-554351708553-S1': o.agent_id.value });
    await fw.update((s) => s.task_id.value === 'twin' && s.state === 'TASK_STARTING');
    [o] = await freshOffers();
    await accept([o.id.value], [commandTask('twin', o.agent_id.value, { shell: true, value: 'sleep 600' })]);
    // The recorded task id was 'dup'; map it with its prefix so the word "duplicate" stays intact.
    const y1 = await expectUpdate('twin', 'y1', { 'ID: dup': 'ID: twin', 'ae259e85-02d5-4f64-be5e-554351708553-S0': o.agent_id.value });
    assert.equal(y1.agent_id?.value, o.agent_id.value);
    assert.equal(fw.updates('twin').filter((s) => s.source === 'SOURCE_MASTER').length, 2, 'one refusal for y5, one for y1');
    [o] = await freshOffers();
    await accept([o.id.value], [{ ...commandTask('tp', o.agent_id.value, { shell: true, value: 'sleep 600' }), resources: [...res(), { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 40000, end: 40000 }] } }] }]);
    const tp = await fw.update((s) => s.task_id.value === 'tp');
    assert.equal(tp.state, 'TASK_ERROR');
    assert.match(tp.message!, /^Total resources cpus\(allocated: \*\):0\.1; mem\(allocated: \*\):32; ports\(allocated: \*\):\[40000-40000\] required by task and its executor is more than available ports\(allocated: \*\):\[[\d, -]+\]; cpus\(allocated: \*\):[\d.]+; mem\(allocated: \*\):\d+; disk\(allocated: \*\):20000$/);
    // y7: an offer made to another framework.
    const other = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'other', failover_timeout: 0 });
    const [theirs] = await other.offers();
    await accept([theirs.id.value], [commandTask('tx', theirs.agent_id.value, { shell: true, value: 'sleep 600' })]);
    await expectUpdate('tx', 'y7', { 'ae259e85-02d5-4f64-be5e-554351708553-O36': theirs.id.value, 'ae259e85-02d5-4f64-be5e-554351708553-0008': other.id, 'ae259e85-02d5-4f64-be5e-554351708553-0009': fw.id });
    other.stream.close();
    await fw.call({ type: 'TEARDOWN' });
    fw.stream.close();
  });

  test('SUBSCRIBE refusals after 200: roles without MULTI_ROLE (5e), removed framework (24b)', async () => {
    const p = probe('5e');
    const s = await openSubscribe(cluster.leaderUrl, replayRequest(p).body!);
    assert.equal(s.status, 200);
    await s.waitEnd();
    assert.equal(Buffer.concat(s.chunks).toString('utf8'), (p.response as { first_bytes: string }).first_bytes);
    const fw = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'probe', failover_timeout: 30 });
    assert.equal((await fw.call({ type: 'TEARDOWN' })).status, 202);
    await fw.stream.waitEnd();
    assert.deepEqual(fw.stream.events.filter((e) => e.type === 'ERROR'), []);
    const again = await openSubscribe(cluster.leaderUrl, { framework_id: { value: fw.id }, type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'root', name: 'probe', id: { value: fw.id } } } });
    assert.equal(again.status, 200);
    await again.waitEnd();
    assert.equal(Buffer.concat(again.chunks).toString('utf8'), (probe('24b').response as { first_bytes: string }).first_bytes);
    const map = { [REC_FW]: fw.id, 'e2892dbc-3d55-4e8e-8e4f-b2617a0b0b75': fw.stream.streamId };
    await checkReplay(cluster.leaderUrl, probe('24c'), map);
    await checkReplay(cluster.leaderUrl, probe('24d'), map);
  });
});
