// The stand-in agents: real processes in sandboxes, exit statuses, KILL with SIGTERM then SIGKILL, URI fetching,
// /files/read, no-process mode, and a cluster stop that leaves no process behind.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { MesosCluster } from './MesosCluster';
import { alive, commandTask, groupGone, rawRequest, sleep, stopWithoutStrays, TestFramework, type OfferJson, type StatusJson } from './rawClient';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-agent-test-'));
const flinkHome = path.join(tmp, 'flink');
fs.mkdirSync(flinkHome);
const info = { user: 'root', name: 'agent-test', failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }] };

describe('stand-in agents', () => {
  let cluster: MesosCluster;
  let fw: TestFramework;
  let fileServer: http.Server;
  let fileUrl: string;
  let seen = 0;
  const nextOffer = async (): Promise<OfferJson> => {
    const e = await fw.stream.next((x) => x.type === 'OFFERS', 5000, seen);
    seen = fw.stream.events.indexOf(e) + 1;
    return (e.offers as { offers: OfferJson[] }).offers[0];
  };
  const runTask = async (id: string, command: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<{ offer: OfferJson }> => {
    const offer = await nextOffer();
    const r = await fw.launch(offer, [commandTask(id, offer.agent_id.value, command, extra)], 0);
    assert.equal(r.status, 202);
    return { offer };
  };
  const terminal = (id: string, timeoutMs = 5000): Promise<StatusJson> =>
    fw.update((s) => s.task_id.value === id && ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST'].includes(s.state), timeoutMs);
  // Acknowledge everything so each task's updates flow without waiting for resends.
  let acking = true;
  const autoAck = async (): Promise<void> => {
    let done = 0;
    while (acking) {
      const ups = fw.stream.events.filter((e) => e.type === 'UPDATE');
      for (const e of ups.slice(done)) {
        const s = (e.update as { status: StatusJson }).status;
        if (s.uuid) await fw.ack(s).catch(() => undefined);
      }
      done = ups.length;
      await sleep(20);
    }
  };

  before(async () => {
    cluster = await MesosCluster.start({ agents: 2, flinkHome, allocationIntervalMs: 50, killGracePeriodMs: 400, workDir: path.join(tmp, 'work'), agentEnvironment: { JAVA_HOME: '/agents/java' } });
    fw = await TestFramework.subscribe(cluster.leaderUrl, info);
    void autoAck();
    fs.mkdirSync(path.join(tmp, 'pkg', 'dist', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'pkg', 'dist', 'bin', 'hello.sh'), '#!/bin/sh\necho "hello from archive"\n', { mode: 0o755 });
    execFileSync('tar', ['-C', path.join(tmp, 'pkg'), '-czf', path.join(tmp, 'dist.tgz'), 'dist']);
    fs.writeFileSync(path.join(tmp, 'tool.sh'), '#!/bin/sh\necho tool-ran\n');
    fileServer = http.createServer((req, res) => {
      const file = path.join(tmp, path.basename(req.url ?? ''));
      if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
      res.writeHead(200);
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => fileServer.listen(0, '127.0.0.1', () => r()));
    fileUrl = `http://127.0.0.1:${(fileServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    // A task with a child process of its own is still running at the stop, so the stray check has something to check.
    // Offers still outstanding (seen but unused) go back first, so a fresh one arrives.
    const outstanding = fw.stream.events.filter((e) => e.type === 'OFFERS').flatMap((e) => (e.offers as { offers: OfferJson[] }).offers.map((o) => o.id));
    seen = fw.stream.events.length;
    await fw.call({ type: 'DECLINE', decline: { offer_ids: outstanding, filters: { refuse_seconds: 0 } } });
    await runTask('at-stop', { shell: true, value: 'sleep 600 & sleep 600' });
    await fw.update((s) => s.task_id.value === 'at-stop' && s.state === 'TASK_RUNNING');
    acking = false;
    fw.stream.close();
    fileServer.close();
    assert.equal((await stopWithoutStrays(cluster)).length, 1);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('shell commands: exit 0 finishes, exit 3 fails, not found is 127, with the recorded messages', async () => {
    await runTask('te0', { shell: true, value: 'exit 0' });
    const f = await terminal('te0');
    assert.deepEqual([f.state, f.message], ['TASK_FINISHED', 'Command exited with status 0']);
    assert.deepEqual(fw.updates('te0').map((s) => s.state).filter((s, i, a) => a.indexOf(s) === i), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    await runTask('te3', { shell: true, value: 'exit 3' });
    assert.deepEqual([(await terminal('te3')).state, (await terminal('te3')).message], ['TASK_FAILED', 'Command exited with status 3']);
    await runTask('tnf', { shell: true, value: 'no-such-command-xyz' });
    assert.equal((await terminal('tnf')).message, 'Command exited with status 127');
  });

  test('a scheduler pointed at an agent: /api/v1/scheduler answers as a Mesos 1.12 agent does (400, agent::Call)', async () => {
    const agent = cluster.agents[0];
    const subscribe = JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: info } });
    const r = await rawRequest(`${agent.url}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: subscribe });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.body, "Failed to validate agent::Call: Expecting 'type' to be present.");
    assert.equal(r.headers['mesos-stream-id'], undefined);
    assert.equal((await rawRequest(`${agent.url}/api/v1/scheduler`)).status, 405);
    const health = await rawRequest(`${agent.url}/api/v1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"type":"GET_HEALTH"}' });
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { type: 'GET_HEALTH', get_health: { healthy: true } }]);
  });

  test('shell false runs value with arguments as argv (x11d)', async () => {
    await runTask('targs', { shell: false, value: '/bin/sh', arguments: ['sh', '-c', 'exit 7'] });
    assert.deepEqual([(await terminal('targs')).state, (await terminal('targs')).message], ['TASK_FAILED', 'Command exited with status 7']);
  });

  test('environment and sandbox: MESOS_* variables, HOST, the agent\'s environment, no FLINK_HOME, stdout in runs/latest, /files/read', async () => {
    process.env.FLINK_HOME = '/should/not/leak';
    const { offer } = await runTask('tenv', { shell: true, value: 'echo "sandbox=$MESOS_SANDBOX task=$MESOS_TASK_ID fw=$MESOS_FRAMEWORK_ID ex=$MESOS_EXECUTOR_ID agent=$MESOS_AGENT_ENDPOINT host=$HOST flink=${FLINK_HOME:-unset} custom=$CUSTOM java=$JAVA_HOME pwd=$(pwd)"; echo "läuft ✓" 1>&2', environment: { variables: [{ name: 'CUSTOM', value: 'yes' }] } });
    delete process.env.FLINK_HOME;
    await terminal('tenv');
    const agent = cluster.agents.find((a) => a.id === offer.agent_id.value)!;
    const latest = path.join(tmp, 'work', 'agents', agent.id, 'frameworks', fw.id, 'executors', 'tenv', 'runs', 'latest');
    const out = fs.readFileSync(path.join(latest, 'stdout'), 'utf8');
    const sandbox = fs.realpathSync(latest);
    assert.equal(out, `sandbox=${sandbox} task=tenv fw=${fw.id} ex=tenv agent=${agent.hostname}:${agent.port} host=${agent.hostname} flink=unset custom=yes java=/agents/java pwd=${sandbox}\n`);
    assert.equal(agent.hostname, offer.hostname);
    const q = (p: string, extra = ''): string => `${agent.url}/files/read?path=${encodeURIComponent(p)}${extra}`;
    const virtual = `/frameworks/${fw.id}/executors/tenv/runs/latest/stdout`;
    const r = await rawRequest(q(virtual, '&offset=0&length=9'));
    assert.deepEqual([r.status, r.headers['content-type'], r.body], [200, 'application/json', JSON.stringify({ data: 'sandbox=/', offset: 0 })]);
    const size = await rawRequest(q(virtual, '&offset=-1'));
    assert.equal(size.body, JSON.stringify({ data: '', offset: Buffer.byteLength(out) }));
    const abs = await rawRequest(q(path.join(sandbox, 'stdout'), '&offset=0'));
    assert.equal(JSON.parse(abs.body).data, out);
    const err = JSON.parse((await rawRequest(q(`/frameworks/${fw.id}/executors/tenv/runs/latest/stderr`, '&offset=0'))).body) as { data: string };
    assert.match(err.data, /läuft ✓\n$/);
    assert.equal((await rawRequest(q(virtual, '&offset=1000000&length=100'))).body, '{"data":"","offset":1000000}');
    const missing = await rawRequest(q(`/frameworks/${fw.id}/executors/tenv/runs/latest/nope`, '&offset=0'));
    assert.deepEqual([missing.status, missing.body, missing.headers['content-type']], [404, '', 'text/plain; charset=utf-8']);
    const dir = await rawRequest(q(`/frameworks/${fw.id}/executors/tenv/runs/latest`, '&offset=0'));
    assert.deepEqual([dir.status, dir.body], [400, 'Cannot read a directory.\n']);
    assert.deepEqual([(await rawRequest(`${agent.url}/files/read?offset=0`)).body], ["Expecting 'path=value' in query.\n"]);
  });

  test('KILL: TASK_KILLING then TASK_KILLED after SIGTERM; SIGKILL after the grace period when SIGTERM is ignored', async () => {
    await runTask('tk', { shell: true, value: 'sleep 600' });
    await fw.update((s) => s.task_id.value === 'tk' && s.state === 'TASK_RUNNING');
    await fw.call({ type: 'KILL', kill: { task_id: { value: 'tk' } } });
    const k = await terminal('tk');
    assert.deepEqual([k.state, k.message], ['TASK_KILLED', 'Command terminated with signal Terminated']);
    assert.ok(fw.updates('tk').some((s) => s.state === 'TASK_KILLING'));
    await runTask('tstub', { shell: true, value: "trap '' TERM; echo ready; while true; do sleep 0.05; done" });
    await fw.update((s) => s.task_id.value === 'tstub' && s.state === 'TASK_RUNNING');
    await sleep(100);
    const t0 = Date.now();
    await fw.call({ type: 'KILL', kill: { task_id: { value: 'tstub' } } });
    const s = await terminal('tstub');
    assert.equal(s.state, 'TASK_KILLED');
    assert.ok(Date.now() - t0 >= 350, `killed after ${Date.now() - t0} ms`);
    assert.match(s.message!, /signal (Killed|Terminated)/);
  });

  test('URIs: local path, file://, http:// from loopback, tgz extracted, executable honoured; fetch failure fails the task', async () => {
    await runTask('turi', {
      shell: true,
      value: './dist/bin/hello.sh && ./tool.sh && test -f copy.txt && test -f dist.tgz && test ! -x copy.txt',
      uris: [
        { value: `${fileUrl}/dist.tgz` },
        { value: `file://${path.join(tmp, 'tool.sh')}`, executable: true },
        { value: path.join(tmp, 'tool.sh'), output_file: 'copy.txt', extract: false },
      ],
    });
    const f = await terminal('turi');
    assert.equal(f.state, 'TASK_FINISHED', f.message);
    await runTask('tbad', { shell: true, value: 'true', uris: [{ value: `${fileUrl}/missing.tgz` }] });
    const bad = await terminal('tbad');
    assert.deepEqual([bad.state, bad.source, bad.reason], ['TASK_FAILED', 'SOURCE_AGENT', 'REASON_CONTAINER_LAUNCH_FAILED']);
    assert.match(bad.message!, /Failed to fetch all URIs/);
  });

  test('a docker image the agent does not know fails the task with REASON_CONTAINER_LAUNCH_FAILED', async () => {
    await runTask('tdock', { shell: true, value: 'test "$(ls /opt/flink)" = ""' }, { container: { type: 'DOCKER', docker: { image: 'flink:1.19' } } });
    const s = await terminal('tdock');
    assert.equal(s.state, 'TASK_FAILED');
    assert.match(s.message!, /Failed to pull image 'flink:1.19'/);
  });

  test('faults: failTask and killTask over HTTP end the real process', async () => {
    await runTask('tfail', { shell: true, value: 'sleep 600' });
    await fw.update((s) => s.task_id.value === 'tfail' && s.state === 'TASK_RUNNING');
    cluster.faults.failTask('tfail');
    assert.deepEqual([(await terminal('tfail')).state, (await terminal('tfail')).message], ['TASK_FAILED', 'Command terminated with signal Killed']);
    await runTask('tsig', { shell: true, value: 'sleep 600' });
    await fw.update((s) => s.task_id.value === 'tsig' && s.state === 'TASK_RUNNING');
    const r = await rawRequest(`${cluster.leaderUrl}/__test__/killTask`, { method: 'POST', body: JSON.stringify({ taskId: 'tsig', signal: 'SIGTERM' }) });
    assert.equal(r.status, 200);
    assert.equal((await terminal('tsig')).message, 'Command terminated with signal Terminated');
  });

  test('removeAgent: tasks TASK_LOST (REASON_AGENT_REMOVED), FAILURE event, processes gone, agent gone', async () => {
    const { offer } = await runTask('tgone', { shell: true, value: 'sleep 600' });
    await fw.update((s) => s.task_id.value === 'tgone' && s.state === 'TASK_RUNNING');
    const pids = cluster.agent(offer.agent_id.value)!.pids();
    await cluster.faults.removeAgent(offer.agent_id.value);
    const lost = await terminal('tgone');
    assert.deepEqual([lost.state, lost.reason, lost.source], ['TASK_LOST', 'REASON_AGENT_REMOVED', 'SOURCE_MASTER']);
    await fw.stream.next((e) => e.type === 'FAILURE');
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.ok(!cluster.agents.some((a) => a.id === offer.agent_id.value));
  });
});

describe('no-process mode and the cluster entry point', () => {
  test('no-process mode: hundreds of tasks walk STARTING -> RUNNING without processes', async () => {
    const cluster = await MesosCluster.start({ agents: 4, flinkHome, noProcess: { startingMs: 5, runningMs: 5 }, allocationIntervalMs: 50 });
    try {
      const f = await TestFramework.subscribe(cluster.leaderUrl, { user: 'root', name: 'scale', failover_timeout: 0 });
      const offers = await f.offers();
      const per = 150;
      for (const o of offers) {
        const tasks = Array.from({ length: per }, (_, i) => ({
          ...commandTask(`${o.agent_id.value.slice(-2)}-${i}`, o.agent_id.value, { shell: true, value: 'sleep 600' }),
          resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.01 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 1 } }],
        }));
        assert.equal((await f.launch(o, tasks, 0)).status, 202);
      }
      const total = per * offers.length;
      const deadline = Date.now() + 8000;
      // Acknowledge STARTING so RUNNING follows.
      const acked = new Set<string>();
      while (Date.now() < deadline) {
        const todo = f.updates().filter((s) => s.uuid && !acked.has(s.uuid));
        for (let i = 0; i < todo.length; i += 50) {
          await Promise.all(todo.slice(i, i + 50).map((s) => { acked.add(s.uuid!); return f.ack(s); }));
        }
        if (f.updates().filter((s) => s.state === 'TASK_RUNNING').length >= total) break;
        await sleep(50);
      }
      assert.equal(new Set(f.updates().filter((s) => s.state === 'TASK_RUNNING').map((s) => s.task_id.value)).size, total);
      assert.deepEqual(cluster.runningPids(), []);
      f.stream.close();
    } finally {
      await stopWithoutStrays(cluster);
    }
  });

  test('clusterMain prints one JSON line when ready and stops everything on SIGTERM', async () => {
    const main = path.join(__dirname, 'clusterMain.js');
    const child = spawn(process.execPath, [main, '--agents', '2', '--master-port', '0', '--masters', '2', '--heartbeat', '5', '--auth', 'p:s', '--flink-home', flinkHome], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const deadline = Date.now() + 10000;
    while (!out.includes('\n') && Date.now() < deadline && child.exitCode === null) await sleep(50);
    const ready = JSON.parse(out.split('\n')[0]) as { masters: string[]; leader: string; agents: { id: string; url: string; hostname: string }[]; flinkHome: string };
    assert.equal(ready.masters.length, 2);
    assert.equal(ready.leader, ready.masters[0]);
    assert.equal(ready.agents.length, 2);
    assert.equal(ready.flinkHome, flinkHome);
    assert.notEqual(ready.agents[0].hostname, ready.agents[1].hostname);
    const unauth = await rawRequest(`${ready.leader}/api/v1/scheduler`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(unauth.status, 401);
    // A running task, so the stop has a process to end.
    const authorization = `Basic ${Buffer.from('p:s').toString('base64')}`;
    const f = await TestFramework.subscribe(ready.leader, { user: 'root', name: 'main', failover_timeout: 30 }, { Authorization: authorization });
    const [o] = await f.offers();
    const launched = await f.call({
      type: 'ACCEPT', accept: { offer_ids: [o.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('tmain', o.agent_id.value, { shell: true, value: 'sleep 600' })] } }] },
    }, { Authorization: authorization });
    assert.equal(launched.status, 202);
    await f.update((s) => s.task_id.value === 'tmain' && s.state === 'TASK_STARTING');
    const state = JSON.parse((await rawRequest(`${ready.leader}/__test__/state`, { method: 'POST', body: '{}' })).body) as { result: { pids: number[] } };
    const pids = state.result.pids;
    assert.equal(pids.length, 1);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    f.stream.close();
    for (const pid of pids) {
      assert.equal(alive(pid), false, `task process ${pid} survived the cluster's SIGTERM`);
      assert.ok(await groupGone(pid), `a process of task group ${pid} survived the cluster's SIGTERM`);
    }
    await assert.rejects(rawRequest(`${ready.leader}/health`));
    const bad = spawn(process.execPath, [main, '--agents', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    assert.equal(await new Promise<number | null>((r) => bad.once('exit', (c) => r(c))), 2);
    assert.match(err, /--agents needs a whole number >= 0, got 'many'/);
  });
});
