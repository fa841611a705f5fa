// What a foreground flink-mesos session start or attach reports and leaves behind (issue 20, points 1, 3 and 4), as a child
// process against the stand-ins: a session that only partly fits (--on-partial-fit), --timeout, the framework user with
// $USER unset, and an attach that reports running only once every TaskManager is registered. Every failed start is checked
// through GET_TASKS and GET_FRAMEWORKS: nothing of it may be left on the master.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { runCli } from '../../../src/core/cli/cli';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, startCluster, liveTasks, eventually, flinkGet, nothingLeftOnMaster, sessionFrameworks } from '../session/sessionHarness';
import { bufferIo } from '../../helpers/bufferIo';

const MAIN = path.resolve(__dirname, '../../../src/core/cli/main.js');

interface Summary { phase: string; frameworkId: string; user: string; jobManagerUrl: string; taskManagers: { wanted: number | null; registered: number; launched: number }; tasks: { taskId: string; kind: string }[] }

describe('flink-mesos session in the foreground', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  let store: string;
  const children: ChildProcess[] = [];
  const baseEnv = (): Record<string, string> => ({ ...process.env as Record<string, string>, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
  const master = (): string => cluster.masterUrls[0].replace(/^http:\/\//, '');

  // Two agents of 8192 MB, as in the report: -n 3 -tm 7000 places the JobManager and one TaskManager, never the other two.
  before(async () => {
    cluster = await startCluster({ agents: [{ cpus: 4, mem: 8192 }, { cpus: 4, mem: 8192 }] });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-foreground-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  function run(args: string[], env = baseEnv()): Promise<{ code: number | null; out: string; stdout: string }> {
    const child = spawn(process.execPath, [MAIN, 'session', ...args, '--store', store], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, stdout })));
  }
  const partlyFitting = (name: string): string[] => ['start', '-m', master(), '-n', '3', '-tm', '7000', '-jm', '1600', '--fit-timeout', '2', '--flink-home', cluster.flinkHome, '--name', name];
  const small = (name: string, n = '1'): string[] => ['start', '-m', master(), '-n', n, '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', name];
  const stop = async (name: string): Promise<void> => {
    const io = bufferIo({ FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
    assert.equal(await runCli(['session', 'stop', '--name', name, '--store', store], io), 0, io.stderr);
  };

  test('only part fits: the fit timeout fires, the default stops the session and all it started, exit 1, nothing left', async () => {
    const r = await run(partlyFitting('fg-stop'));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Only 1 of 3 TaskManagers fit within 2 s\. The session needs 7000 MB .* still waits for 2 of 3 TaskManagers; the offers now/);
    assert.match(r.out, /Stopping the session and everything it started \(pass --on-partial-fit keep to keep a smaller session instead\)/);
    assert.match(r.out, /flink-mesos: session fg-stop failed: Gave up after 2 s waiting for offers that fit: only 1 of 3 TaskManagers were placed/);
    assert.doesNotMatch(r.out, /keeps going|not reached within/);
    assert.equal((await nothingLeftOnMaster(cluster, 'fg-stop')).length, 1, 'GET_FRAMEWORKS: its one framework is removed; GET_TASKS: no task of it is live');
    assert.equal(fs.existsSync(path.join(store, 'fg-stop.json')), false);
  });

  test('--on-partial-fit keep: the session runs with the TaskManagers that fit', async () => {
    const r = await run([...partlyFitting('fg-keep'), '--on-partial-fit', 'keep', '--detach', '--json']);
    assert.equal(r.code, 0, r.out);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!) as Summary;
    assert.equal(doc.phase, 'running');
    assert.deepEqual([doc.taskManagers.wanted, doc.taskManagers.registered], [1, 1]);
    assert.equal((await flinkGet<{ taskmanagers: number }>(doc.jobManagerUrl, '/overview')).taskmanagers, 1);
    assert.equal((await liveTasks(cluster, doc.frameworkId)).length, 2);
    await stop('fg-keep');
    await nothingLeftOnMaster(cluster, 'fg-keep');
  });

  test('--timeout passes before the session runs: the start stops what it started (no orphan for a week), exit 1', async () => {
    const r = await run([...small('fg-timeout'), '-tm', '65536', '--fit-timeout', '300', '--timeout', '3']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /not reached within 3000 ms .*Stopping the session and everything it started/);
    assert.match(r.out, /Session stopped: no task is left on Mesos\./);
    assert.equal((await nothingLeftOnMaster(cluster, 'fg-timeout')).length, 1, 'the JobManager was launched, then torn down with the framework');
    assert.equal(fs.existsSync(path.join(store, 'fg-timeout.json')), false);
  });

  test('a bad --on-partial-fit value is a usage error that names the choices', async () => {
    const io = bufferIo();
    assert.equal(await runCli(['session', ...small('fg-bad'), '--on-partial-fit', 'maybe', '--store', store], io), 2);
    assert.match(io.stderr, /--on-partial-fit needs "stop" .* or "keep" .*, not "maybe"/);
  });

  test('$USER and $LOGNAME unset: the tasks run as the operating-system user, shown by status; --user overrides it', async () => {
    const env = baseEnv();
    delete env.USER;
    delete env.LOGNAME;
    const me = os.userInfo().username;
    const r = await run([...small('fg-user'), '--detach', '--json'], env);
    assert.equal(r.code, 0, r.out);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!) as Summary;
    assert.equal(doc.user, me);
    const fw = (await sessionFrameworks(cluster, 'fg-user')).registered;
    assert.deepEqual(fw.map((f) => f.framework_info.user), [me], 'GET_FRAMEWORKS: the framework user Mesos runs the tasks as');
    const status = bufferIo();
    assert.equal(await runCli(['session', 'status', '--name', 'fg-user', '--store', store], status), 0);
    assert.match(status.stdout, new RegExp(`fg-user: running, .*, tasks run as user ${me}\\n`));
    const statusJson = bufferIo();
    assert.equal(await runCli(['session', 'status', '--name', 'fg-user', '--json', '--store', store], statusJson), 0);
    assert.equal((JSON.parse(statusJson.stdout) as { user: string }).user, me);
    await stop('fg-user');

    const other = await run([...small('fg-user2'), '--user', 'flinkrunner', '--detach', '--json'], env);
    assert.equal(other.code, 0, other.out);
    assert.deepEqual((await sessionFrameworks(cluster, 'fg-user2')).registered.map((f) => f.framework_info.user), ['flinkrunner']);
    await stop('fg-user2');
    await nothingLeftOnMaster(cluster, 'fg-user');
    await nothingLeftOnMaster(cluster, 'fg-user2');
  });

  test('attach after a TaskManager died reports running only once its replacement is registered in Flink, as start does', async () => {
    const r = await run([...small('fg-attach', '2'), '--detach', '--json']);
    assert.equal(r.code, 0, r.out);
    const started = JSON.parse(r.stdout.trim().split('\n').pop()!) as Summary;
    const victim = started.tasks.find((t) => t.kind === 'taskmanager')!.taskId;
    cluster.faults.killTask(victim, 'SIGKILL');
    await eventually('the master sees the TaskManager gone', async () => !(await liveTasks(cluster, started.frameworkId)).some((t) => t.task_id.value === victim), 20000);

    const attach = bufferIo({ FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
    assert.equal(await runCli(['session', 'attach', '--name', 'fg-attach', '--detach', '--json', '--store', store], attach), 0, attach.stderr);
    const doc = JSON.parse(attach.stdout.trim().split('\n').pop()!) as Summary;
    assert.equal(doc.phase, 'running');
    assert.deepEqual([doc.taskManagers.wanted, doc.taskManagers.registered], [2, 2], attach.stdout);
    const tms = doc.tasks.filter((t) => t.kind === 'taskmanager').map((t) => t.taskId);
    assert.ok(!tms.includes(victim), 'the dead TaskManager is not reported');
    const inFlink = (await flinkGet<{ taskmanagers: { id: string }[] }>(doc.jobManagerUrl, '/taskmanagers')).taskmanagers.map((t) => t.id);
    for (const id of tms) assert.ok(inFlink.includes(id), `${id} is registered in Flink when attach says running (Flink lists ${inFlink.join(', ')})`);
    await stop('fg-attach');
    await nothingLeftOnMaster(cluster, 'fg-attach');
  });
});
