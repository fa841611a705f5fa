// A saved session whose cluster is gone: status marks it gone when the master answers without its framework, forget frees
// the name (saying why and whether tasks may still run), forget refuses a session the master still knows, and a stop no
// master answered leaves the phase as it was, records "stop pending", and a later attach completes it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../../src/core/cli/cli';
import type { SessionRecord } from '../../../src/core/session/SessionStore';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, liveTasks } from '../session/sessionHarness';
import { bufferIo } from '../../helpers/bufferIo';

describe('flink-mesos session forget, gone sessions and a pending stop', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  let store: string;
  const env = (): Record<string, string> => ({ ...process.env as Record<string, string>, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
  const master = (): string => cluster.masterUrls[0].replace(/^http:\/\//, '');
  const file = (name: string): string => path.join(store, `${name}.json`);
  const read = (name: string): SessionRecord => JSON.parse(fs.readFileSync(file(name), 'utf8')) as SessionRecord;
  const write = (r: SessionRecord): void => fs.writeFileSync(file(r.name), JSON.stringify(r), { mode: 0o600 });
  const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env());
    const code = await runCli(['session', ...args, '--store', store], io);
    return { code, out: io.stdout, err: io.stderr };
  };
  const startDetached = async (name: string): Promise<SessionRecord> => {
    const r = await cli('start', '-m', master(), '-n', '1', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', name, '--detach');
    assert.equal(r.code, 0, r.err);
    return read(name);
  };
  /** A record like a real one, for a framework that is not (or no longer) where it points. */
  const synthetic = (name: string, masters: string, frameworkId: string): SessionRecord => {
    const now = Date.now();
    return {
      version: 1, name, masters, frameworkId, leaderUrl: `http://${masters}`, phase: 'running', jobManagerUrl: 'http://127.0.0.1:1',
      options: { name, master: masters, failoverTimeoutSeconds: 604800 } as SessionRecord['options'], flinkConfiguration: {},
      tasks: [{ taskId: `jobmanager-${name}`, kind: 'jobmanager', agentId: 'a1', hostname: 'h1', ports: {}, state: 'TASK_RUNNING', launchedAt: now, updatedAt: now }],
      wantedTaskManagers: 1, nextTaskManagerNumber: 2, startedAt: now, updatedAt: now,
    };
  };

  before(async () => {
    cluster = await MesosCluster.start({ agents: 2, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000, killGracePeriodMs: 500 });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-forget-'));
  });
  after(async () => {
    for (const n of ['live', 'pend', 'torn']) await cli('stop', '--name', n).catch(() => undefined);
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  test('the master answers and does not know the framework: status marks the session gone, start names forget, forget frees the name', async () => {
    write(synthetic('lost', master(), 'no-such-framework-0000'));
    const status = await cli('status', '--name', 'lost', '--json');
    assert.equal(status.code, 0, status.err);
    const doc = JSON.parse(status.out) as { gone?: { reason: string }; master: { framework: string } };
    assert.equal(doc.master.framework, 'unknown');
    assert.match(doc.gone?.reason ?? '', /answered and does not know framework no-such-framework-0000/);
    assert.ok(read('lost').gone, 'the mark is saved in the store');
    const text = await cli('status');
    assert.match(text.out, /lost: gone, framework no-such-framework-0000[\s\S]*Free the name with "flink-mesos session forget lost"/);

    const start = await cli('start', '-m', master(), '--flink-home', cluster.flinkHome, '--name', 'lost');
    assert.equal(start.code, 5);
    assert.match(start.err, /already exists .*gone: .*Free the name with "flink-mesos session forget lost"/);

    const forget = await cli('forget', 'lost', '--json');
    assert.equal(forget.code, 0, forget.err);
    const f = JSON.parse(forget.out) as { why: string; tasksMayRun: boolean; message: string };
    assert.equal(f.why, 'unknown');
    assert.equal(f.tasksMayRun, false);
    assert.match(f.message, /no task of it runs on that master/);
    assert.equal(fs.existsSync(file('lost')), false);
  });

  test('no master answers: forget says so and that the tasks may still run until the failover timeout', async () => {
    write(synthetic('far', '127.0.0.1:1', 'fw-far-0000'));
    const forget = await cli('forget', 'far');
    assert.equal(forget.code, 0, forget.err);
    assert.match(forget.out, /Forgot session far: No Mesos master at 127\.0\.0\.1:1 answered \(.*\)\. Forgetting removes only the saved record: if that cluster comes back, framework fw-far-0000 and its 1 task\(s\) \(jobmanager-far\) may still run there until its failover timeout \(604800 s\) passes/);
    assert.equal(fs.existsSync(file('far')), false);
    const again = await cli('forget', 'far');
    assert.equal(again.code, 4);
    const usage = await cli('forget');
    assert.equal(usage.code, 2);
  });

  test('forget refuses a session the master still knows, and one that was torn down is gone', async () => {
    const live = await startDetached('live');
    const refused = await cli('forget', 'live');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /still knows framework .* \(2 task\(s\) running\).*Stop it with "flink-mesos session stop --name live"/);
    assert.ok(fs.existsSync(file('live')), 'the record stays');
    assert.equal((await liveTasks(cluster, live.frameworkId)).length, 2);

    const torn = await startDetached('torn');
    await cluster.operator({ type: 'TEARDOWN', teardown: { framework_id: { value: torn.frameworkId } } });
    const status = await cli('status', '--name', 'torn', '--json');
    assert.match((JSON.parse(status.out) as { gone?: { reason: string } }).gone?.reason ?? '', /removed framework/);
    const forget = await cli('forget', '--name', 'torn', '--json');
    assert.equal(forget.code, 0, forget.err);
    assert.equal((JSON.parse(forget.out) as { why: string }).why, 'removed');
  });

  test('status --watch follows a session read-only (tasks from the operator API, Flink from REST) until its record goes', async () => {
    const saved = await startDetached('watched');
    const io = bufferIo(env());
    const watching = runCli(['session', 'status', '--name', 'watched', '--watch', '--interval', '0.3', '--json', '--store', store], io);
    const deadline = Date.now() + 15000;
    while (!/"phase":"running"/.test(io.stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const first = JSON.parse(io.stdout.split('\n')[0]) as { phase: string; master: string; masterTasks: { state: string }[]; flink: { reachable: boolean; taskManagers: number }; driven: boolean };
    assert.equal(first.phase, 'running');
    assert.equal(first.master, 'registered');
    assert.equal(first.masterTasks.filter((t) => t.state === 'TASK_RUNNING').length, 2);
    assert.equal(first.flink.reachable, true);
    assert.equal(first.flink.taskManagers, 1);
    const fws = await cluster.operator<{ get_frameworks: { frameworks?: { connected: boolean; framework_info: { id: { value: string } } }[] } }>({ type: 'GET_FRAMEWORKS' });
    assert.equal(fws.get_frameworks.frameworks?.find((f) => f.framework_info.id.value === saved.frameworkId)?.connected, false, 'the watcher never subscribed');
    assert.equal((await cli('stop', '--name', 'watched')).code, 0);
    assert.equal(await watching, 0);
    assert.match(io.stdout.trim().split('\n').pop() ?? '', /"ended":true/);
  });

  test('a stop no master answers keeps the phase and records "stop pending"; a later attach completes the stop', async () => {
    const saved = await startDetached('pend');
    assert.equal(saved.phase, 'running');
    // As after the failed stop: the session was stopping when its master went away.
    write({ ...saved, phase: 'stopping', masters: '127.0.0.1:1', leaderUrl: undefined });
    const stop = await cli('stop', '--name', 'pend', '--timeout', '2');
    assert.equal(stop.code, 3, stop.err);
    assert.match(stop.err, /No Mesos master answered for session "pend".*nothing was stopped\. The stop is recorded as pending \(phase still stopping\)/);
    const after = read('pend');
    assert.equal(after.phase, 'stopping', 'the failed stop left the phase as it was');
    assert.equal(typeof after.stopPending, 'number');
    assert.equal(after.owner, undefined);
    const status = await cli('status', '--name', 'pend');
    assert.match(status.out, /pend: stopping \(stop pending: no master answered the stop; stop or attach again to complete it\)/);
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 2, 'nothing was stopped yet');

    // The master is back (here: the address fixed): attaching completes the pending stop.
    write({ ...read('pend'), masters: saved.masters, leaderUrl: saved.leaderUrl });
    const attach = await cli('attach', '--name', 'pend', '--detach');
    assert.equal(attach.code, 0, attach.err);
    assert.match(attach.err, /Session stopped\./);
    assert.deepEqual(await liveTasks(cluster, saved.frameworkId), []);
    assert.equal(fs.existsSync(file('pend')), false);
  });
});
