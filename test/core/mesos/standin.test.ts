// The scheduler, operator and agent-file clients against the Mesos stand-in (test/standin/mesos).
import { describe, test, before, after, afterEach } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { SchedulerClient, type MesosError, type SchedulerClientOptions } from '../../../src/core/mesos/SchedulerClient';
import { OperatorClient } from '../../../src/core/mesos/OperatorClient';
import { AgentFiles, readSandboxFile, sandboxPath } from '../../../src/core/mesos/AgentFiles';
import type { Offer, Resource, TaskInfo, TaskState, TaskStatus } from '../../../src/core/mesos/types';
import { nextEvent, waitFor } from './fakeMaster';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

let flinkHome: string;
before(() => { flinkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mesos-client-flinkhome-')); });
after(() => fs.rmSync(flinkHome, { recursive: true, force: true }));

async function cluster(opts: Parameters<typeof MesosCluster.start>[0] = {}): Promise<MesosCluster> {
  const c = await MesosCluster.start({ agents: 2, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 500, killGracePeriodMs: 500, flinkHome, ...opts });
  cleanups.push(() => c.stop());
  return c;
}

function scheduler(masters: string, opts: Partial<SchedulerClientOptions> = {}): SchedulerClient {
  const c = new SchedulerClient({
    masters,
    frameworkInfo: { user: os.userInfo().username, name: 'mesos-client-test', failover_timeout: 60, capabilities: [{ type: 'TASK_KILLING_STATE' }] },
    backoffInitialMs: 50, backoffMaxMs: 300, callTimeoutMs: 3000, heartbeatMissedIntervals: 3,
    ...opts,
  });
  cleanups.push(() => c.close());
  return c;
}

function scalar(offer: Offer, name: string): number {
  return offer.resources.find((r) => r.name === name)?.scalar?.value ?? 0;
}

function sleepTask(offer: Offer, taskId: string, command = 'sleep 30'): TaskInfo {
  const resources: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
  ];
  assert.ok(scalar(offer, 'cpus') >= 0.1 && scalar(offer, 'mem') >= 32, 'the offer fits the task');
  return { name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources, command: { value: command } };
}

/** Acknowledges every update with a uuid and records the states per task. */
function trackUpdates(client: SchedulerClient): Map<string, TaskStatus[]> {
  const seen = new Map<string, TaskStatus[]>();
  client.on('update', (status) => {
    const list = seen.get(status.task_id.value) ?? [];
    list.push(status);
    seen.set(status.task_id.value, list);
    client.acknowledge(status).catch(() => undefined);
  });
  return seen;
}

function states(seen: Map<string, TaskStatus[]>, taskId: string): TaskState[] {
  return (seen.get(taskId) ?? []).map((s) => s.state);
}

describe('against the Mesos stand-in', () => {
  test('subscribe, offers, launch sleep, STARTING/RUNNING with acks, reconcile, kill, teardown', async () => {
    const mesos = await cluster();
    const client = scheduler(mesos.leaderUrl);
    const seen = trackUpdates(client);
    const offers = nextEvent<[Offer[]]>(client, 'offers');
    client.start();
    const [subscribed] = await nextEvent<[{ frameworkId: string; leaderUrl: string; heartbeatIntervalSeconds: number }]>(client, 'subscribed');
    assert.equal(subscribed.leaderUrl, mesos.leaderUrl);
    assert.equal(subscribed.heartbeatIntervalSeconds, 1);
    const [received] = await offers;
    assert.ok(received.length >= 1);
    const offer = received[0];
    await client.launch([offer.id.value], [sleepTask(offer, 'sleeper-1')], { refuse_seconds: 1 });
    const others = received.slice(1).map((o) => o.id.value);
    if (others.length) await client.decline(others, { refuse_seconds: 60 });
    await waitFor(() => states(seen, 'sleeper-1').includes('TASK_RUNNING'), 10000, 'TASK_RUNNING');
    assert.deepEqual(states(seen, 'sleeper-1').slice(0, 2), ['TASK_STARTING', 'TASK_RUNNING']);
    assert.ok(seen.get('sleeper-1')!.every((s) => s.uuid), 'agent updates carry uuids');

    const before = seen.get('sleeper-1')!.length;
    await client.reconcile([{ taskId: 'sleeper-1', agentId: offer.agent_id.value }]);
    await waitFor(() => seen.get('sleeper-1')!.length > before, 5000, 'the reconciliation answer');
    const answer = seen.get('sleeper-1')![before];
    assert.equal(answer.state, 'TASK_RUNNING');
    assert.equal(answer.reason, 'REASON_RECONCILIATION');
    assert.equal(answer.uuid, undefined);

    const tasks = await mesos.operator<{ get_tasks: { tasks: { task_id: { value: string }; state: string }[] } }>({ type: 'GET_TASKS' });
    assert.equal(tasks.get_tasks.tasks.find((t) => t.task_id.value === 'sleeper-1')?.state, 'TASK_RUNNING');

    await client.kill('sleeper-1', offer.agent_id.value);
    await waitFor(() => states(seen, 'sleeper-1').includes('TASK_KILLED'), 10000, 'TASK_KILLED');

    const frameworkId = client.frameworkId!;
    await client.teardown();
    assert.equal(client.state, 'closed');
    const fw = await mesos.operator<{ get_frameworks: { frameworks?: { framework_info: { id: { value: string } } }[] } }>({ type: 'GET_FRAMEWORKS' });
    assert.ok(!(fw.get_frameworks.frameworks ?? []).some((f) => f.framework_info.id.value === frameworkId), 'torn down');
  });

  test('a second client with the same framework id fails the first over', async () => {
    const mesos = await cluster({ agents: 1 });
    const first = scheduler(mesos.leaderUrl);
    first.start();
    const [sub] = await nextEvent<[{ frameworkId: string }]>(first, 'subscribed');
    const fatal = nextEvent<[MesosError]>(first, 'fatal');
    const second = scheduler(mesos.leaderUrl, { frameworkInfo: { user: os.userInfo().username, name: 'mesos-client-test', failover_timeout: 60, id: { value: sub.frameworkId } } });
    second.start();
    const [s2] = await nextEvent<[{ frameworkId: string }]>(second, 'subscribed');
    assert.equal(s2.frameworkId, sub.frameworkId);
    const [err] = await fatal;
    assert.equal(err.kind, 'failedOver');
    await waitFor(() => first.state === 'closed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(second.state, 'subscribed', 'the first does not fight back');
  });

  test('leader switch: the client follows 307 from the old leader and re-subscribes with its id', async () => {
    const mesos = await cluster({ agents: 1, masters: 2 });
    const client = scheduler(mesos.masterUrls.join(','));
    client.start();
    const [s1] = await nextEvent<[{ frameworkId: string; leaderUrl: string }]>(client, 'subscribed');
    assert.equal(s1.leaderUrl, mesos.masterUrls[0]);
    const again = nextEvent<[{ frameworkId: string; leaderUrl: string }]>(client, 'subscribed', 10000);
    mesos.faults.switchLeader(1);
    const [s2] = await again;
    assert.equal(s2.leaderUrl, mesos.masterUrls[1]);
    assert.equal(s2.frameworkId, s1.frameworkId);
    await client.revive();
  });

  test('no leader for a while: "disconnected, retrying", then recovery', async () => {
    const mesos = await cluster({ agents: 1, masters: 2 });
    const client = scheduler(mesos.masterUrls.join(','));
    client.start();
    await nextEvent(client, 'subscribed');
    const reasons: string[] = [];
    client.on('connectionState', (s, d) => { if (s === 'disconnected') reasons.push(d.reason ?? ''); });
    mesos.faults.switchLeader(null);
    await waitFor(() => reasons.length >= 2, 5000, 'retries while there is no leader');
    assert.ok(reasons.some((r) => /503/.test(r)), reasons.join(' | '));
    mesos.faults.switchLeader(0);
    await nextEvent(client, 'subscribed', 5000);
  });

  test('a dropped stream and silent heartbeats are both detected and re-subscribed', async () => {
    const mesos = await cluster({ agents: 1 });
    const client = scheduler(mesos.leaderUrl);
    client.start();
    const [s1] = await nextEvent<[{ frameworkId: string }]>(client, 'subscribed');
    const again = nextEvent(client, 'subscribed');
    assert.equal(mesos.faults.dropStream(s1.frameworkId), 1);
    await again;
    const reasons: string[] = [];
    client.on('connectionState', (s, d) => { if (s === 'disconnected') reasons.push(d.reason ?? ''); });
    const t = Date.now();
    mesos.faults.stopHeartbeats(s1.frameworkId);
    const third = nextEvent(client, 'subscribed', 10000);
    await waitFor(() => reasons.length > 0, 8000, 'the watchdog');
    mesos.faults.clear();
    await third;
    assert.match(reasons[0], /No event .* for 3000 ms/);
    assert.ok(Date.now() - t < 6000);
  });

  test('the master restarting is retried with backoff until it is back', async () => {
    const mesos = await cluster({ agents: 1 });
    const client = scheduler(mesos.leaderUrl);
    client.start();
    await nextEvent(client, 'subscribed');
    const reasons: string[] = [];
    client.on('connectionState', (s, d) => { if (s === 'disconnected') reasons.push(d.reason ?? ''); });
    const back = nextEvent(client, 'subscribed', 10000);
    await mesos.faults.restartMaster(800);
    await back;
    assert.ok(reasons.length >= 1);
  });

  test('403 from the master on a call makes the client re-subscribe', async () => {
    const mesos = await cluster({ agents: 1 });
    const client = scheduler(mesos.leaderUrl);
    client.start();
    await nextEvent(client, 'subscribed');
    mesos.faults.refuseCalls(403, { callTypes: ['REVIVE'], body: 'Framework is not subscribed', times: 1 });
    const again = nextEvent(client, 'subscribed');
    await assert.rejects(client.revive(), (e: MesosError) => e.kind === 'notSubscribed');
    await again;
    await client.revive();
  });

  test('authentication: wrong secret is fatal 401 naming the principal; the right one subscribes', async () => {
    const mesos = await cluster({ agents: 1, auth: [{ principal: 'flink', secret: 'right-secret' }] });
    const wrong = scheduler(mesos.leaderUrl, { credentials: { principal: 'flink', secret: 'wrong-secret' } });
    wrong.start();
    const [err] = await nextEvent<[MesosError]>(wrong, 'fatal');
    assert.equal(err.kind, 'unauthorized');
    assert.match(err.message, /"flink"/);
    assert.doesNotMatch(err.message + err.fix, /wrong-secret/);
    const right = scheduler(mesos.leaderUrl, { credentials: { principal: 'flink', secret: 'right-secret' } });
    right.start();
    await nextEvent(right, 'subscribed');
  });

  test('operator API and sandbox files through the leader', async () => {
    const mesos = await cluster({ masters: 2 });
    const client = scheduler(mesos.leaderUrl);
    const seen = trackUpdates(client);
    const offers = nextEvent<[Offer[]]>(client, 'offers');
    client.start();
    const [received] = await offers;
    const offer = received[0];
    await client.launch([offer.id.value], [sleepTask(offer, 'echo-1', 'echo hello-from-sandbox; echo ünïcödé; sleep 30')]);
    await waitFor(() => states(seen, 'echo-1').includes('TASK_RUNNING'), 10000, 'TASK_RUNNING');

    // Through the non-leading master first: the operator client follows the redirect.
    const operator = new OperatorClient({ masters: `${mesos.masterUrls[1]},${mesos.masterUrls[0]}` });
    cleanups.push(() => operator.close());
    const tasks = await operator.getTasks();
    assert.equal(tasks.tasks?.find((t) => t.task_id.value === 'echo-1')?.state, 'TASK_RUNNING');
    const frameworks = await operator.getFrameworks();
    assert.ok(frameworks.frameworks?.some((f) => f.framework_info.id?.value === client.frameworkId && f.connected));
    const agents = await operator.getAgents();
    assert.equal(agents.agents?.length, 2);
    const state = await operator.getState();
    assert.ok(state.get_tasks?.tasks?.some((t) => t.task_id.value === 'echo-1'));

    const agent = mesos.agents.find((a) => a.id === offer.agent_id.value)!;
    const files = new AgentFiles();
    cleanups.push(() => files.close());
    const file = sandboxPath(client.frameworkId!, 'echo-1', 'stdout');
    let size = 0;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (size = await files.size(agent.url, file).catch(() => 0)) === 0) await new Promise((r) => setTimeout(r, 100));
    const expected = 'hello-from-sandbox\nünïcödé\n';
    assert.equal(size, Buffer.byteLength(expected));
    const whole = await readSandboxFile(agent.url, client.frameworkId!, 'echo-1', 'stdout', 0, 1000);
    assert.deepEqual(whole, { data: expected, offset: 0 });
    const part = await files.read(agent.url, file, 6, 4);
    assert.equal(part.data, 'from');
    await assert.rejects(files.read(agent.url, sandboxPath(client.frameworkId!, 'no-such-task', 'stdout'), 0), (e: MesosError) => e.kind === 'notFound');

    // follow: starts at the end and sees only what is appended later.
    const stop = new AbortController();
    const followed: string[] = [];
    const following = files.follow(agent.url, file, (d) => followed.push(d), { from: 'end', pollMs: 50, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 200));
    const sandboxDir = mesos.agent(agent.id)!.sandboxOf(client.frameworkId!, 'echo-1');
    assert.ok(sandboxDir, 'the stand-in knows the sandbox');
    fs.appendFileSync(path.join(sandboxDir, 'stdout'), 'appended\n');
    await waitFor(() => followed.join('') === 'appended\n', 3000, 'the appended line');
    stop.abort();
    await following;
  });
});
