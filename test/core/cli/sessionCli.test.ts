// The flink-mesos session commands: bad input in-process; start/kill/attach/scale/stop with the CLI as a child process against the stand-ins.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { runCli } from '../../../src/core/cli/cli';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, liveTasks, eventually } from '../session/sessionHarness';
import { bufferIo } from '../../helpers/bufferIo';

const MAIN = path.resolve(__dirname, '../../../src/core/cli/main.js');


describe('flink-mesos session: bad input', () => {
  const cases: [string, RegExp][] = [
    ['session start --flink-home /opt/flink', /-m: the Mesos master address is missing/],
    ['session start -m mesos --flink-home /opt/flink', /"mesos" in "mesos" is not HOST:PORT/],
    ['session start -m zk://zk1:2181 --flink-home /opt/flink', /not a ZooKeeper address/],
    ['session start -m m:5050 --flink-home /opt/flink -n 0', /-n: 0 is not a valid value/],
    ['session start -m m:5050 --flink-home /opt/flink -s 0', /-s: 0 is not a valid value for slots/],
    ['session start -m m:5050 --flink-home /opt/flink -tm -1', /-tm: -1 is not a valid value/],
    ['session start -m m:5050 --flink-home /opt/flink -tm 256', /below the 1024 MB Flink needs/],
    ['session start -m m:5050 --flink-home /opt/flink -D novalue', /-D: "novalue" has no "="/],
    ['session start -m m:5050 --flink-home /opt/flink -c /nonexistent/conf', /cannot be read \(it does not exist\)/],
    ['session start -m m:5050 --flink-home /opt/flink --bogus', /Unknown argument for session start: --bogus/],
    ['session frobnicate', /Unknown session command "frobnicate"/],
    ['session scale --name x', /needs the number of TaskManagers/],
    ['session logs --log bogus', /--log: "bogus" is not one of flink, flink-stdout, sandbox-stdout, sandbox-stderr\./],
    ['session logs --bytes 0', /--bytes needs a whole number of bytes above 0\./],
    ['session logs --tail 5', /Unknown argument for session logs: --tail/],
  ];
  for (const [args, expected] of cases) {
    test(args, async () => {
      const io = bufferIo({ FLINK_MESOS_HOME: os.tmpdir() });
      const code = await runCli(args.split(' '), io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, expected);
    });
  }

  test('--help prints the overview; no command is a usage error', async () => {
    const io = bufferIo();
    assert.equal(await runCli(['--help'], io), 0);
    assert.match(io.stdout, /flink-mesos session start -m HOST:PORT \[-n N\] \[-s S\] \[-tm MB\]/);
    assert.match(io.stdout, /flink-mesos run/);
    assert.equal(await runCli([], bufferIo()), 2);
  });

  test('unknown saved session: exit 4', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-store-'));
    try {
      const io = bufferIo();
      assert.equal(await runCli(['session', 'stop', '--name', 'nope', '--store', store], io), 4);
      assert.match(io.stderr, /No session named "nope" is saved/);
      const status = bufferIo();
      assert.equal(await runCli(['session', 'status', '--store', store, '--json'], status), 0);
      assert.deepEqual(JSON.parse(status.stdout), []);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  test('an unreachable master: exit 3 quickly with a clear message', async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-store-'));
    try {
      const io = bufferIo({ FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
      const t0 = Date.now();
      assert.equal(await runCli(['session', 'start', '-m', '127.0.0.1:1', '--flink-home', '/opt/flink', '-n', '1', '--store', store], io), 3);
      assert.match(io.stderr, /connection to http:\/\/127\.0\.0\.1:1 refused.*Check the master address/);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});

describe('flink-mesos session against the stand-ins', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  let store: string;
  const children: ChildProcess[] = [];
  const env = (): Record<string, string> => ({ ...process.env as Record<string, string>, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
  const master = (): string => cluster.masterUrls[0].replace(/^http:\/\//, '');

  before(async () => {
    cluster = await MesosCluster.start({ agents: 3, heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000, killGracePeriodMs: 500 });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-store-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await runCli(['session', 'stop', '--name', 'k1', '--store', store], bufferIo(env())).catch(() => undefined);
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  function startChild(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [MAIN, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  test('the client is killed, then reattached: no duplicates, nothing orphaned; status, scale and stop', async () => {
    const run = startChild(['session', 'start', '-m', master(), '-n', '2', '-s', '2', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', 'k1', '--store', store]);
    await eventually('running in the foreground', async () => /JobManager: http:\/\//.test(run.output()), 60000);
    assert.match(run.output(), /Flink web UI: http:\/\/.*\nMesos UI: http:\/\/.*#\/frameworks\//);
    const saved = JSON.parse(fs.readFileSync(path.join(store, 'k1.json'), 'utf8')) as { frameworkId: string; tasks: { taskId: string }[] };
    assert.equal(saved.tasks.length, 3);
    // A second client asks the first one, which drives the session, to scale; the answer comes back to it.
    const rival = bufferIo(env());
    assert.equal(await runCli(['session', 'scale', '3', '--name', 'k1', '--store', store], rival), 0, rival.stderr);
    assert.match(rival.stderr, /driven by pid \d+ .*asking it to scale to 3/);
    assert.match(rival.stdout, /Session k1 has 3 TaskManager\(s\)/);
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 4, 'the driving client launched the third TaskManager');
    assert.match(run.output(), /TaskManagers: 3 of 3 registered/, 'the foreground client shows the scale it was asked for');
    const scaled = JSON.parse(fs.readFileSync(path.join(store, 'k1.json'), 'utf8')) as { tasks: { taskId: string }[] };

    run.child.kill('SIGKILL');
    await run.exited;
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 4, 'the session outlives its client');

    const attach = bufferIo(env());
    assert.equal(await runCli(['session', 'attach', '--name', 'k1', '--detach', '--json', '--store', store], attach), 0, attach.stdout + attach.stderr);
    const doc = JSON.parse(attach.stdout) as { frameworkId: string; phase: string; tasks: { taskId: string }[] };
    assert.equal(doc.frameworkId, saved.frameworkId);
    assert.deepEqual(doc.tasks.map((t) => t.taskId).sort(), scaled.tasks.map((t) => t.taskId).sort());
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 4, 'no duplicate');

    const status = bufferIo(env());
    assert.equal(await runCli(['session', 'status', '--name', 'k1', '--json', '--store', store], status), 0);
    const st = JSON.parse(status.stdout) as { flink: { reachable: boolean; taskManagers: number }; owner?: unknown };
    assert.equal(st.flink.reachable, true);
    assert.equal(st.flink.taskManagers, 3);
    assert.equal(st.owner, undefined);

    const scale = bufferIo(env());
    assert.equal(await runCli(['session', 'scale', '2', '--name', 'k1', '--json', '--store', store], scale), 0, scale.stderr);
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 3);

    const stop = bufferIo(env());
    assert.equal(await runCli(['session', 'stop', '--name', 'k1', '--json', '--store', store], stop), 0, stop.stderr);
    assert.deepEqual((JSON.parse(stop.stdout) as { leftTasks: string[] }).leftTasks, []);
    assert.equal((await liveTasks(cluster, saved.frameworkId)).length, 0);
    assert.equal(fs.existsSync(path.join(store, 'k1.json')), false);
  });

  test('Ctrl-C in the foreground stops the session: exit 130 and no task left', async () => {
    const run = startChild(['session', 'start', '-m', master(), '-n', '1', '-tm', '1024', '-jm', '1024', '--flink-home', cluster.flinkHome, '--name', 'c1', '--store', store, '--json']);
    await eventually('running', async () => /"phase":"running"/.test(run.output()), 60000);
    const doc = JSON.parse(run.output().split('\n').find((l) => l.includes('"phase":"running"'))!) as { frameworkId: string };
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.output());
    assert.equal((await liveTasks(cluster, doc.frameworkId)).length, 0);
  });
});
