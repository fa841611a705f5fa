// A foreground "flink-mesos session start" without HA whose JobManager dies: the failure says so plainly, says jobs are not
// recovered without --ha, prints the one command that starts the session again with the same options, and that command works.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { runCli } from '../../../src/core/cli/cli';
import { MesosCluster } from '../../standin/mesos/MesosCluster';
import { FAST, startCluster, liveTasks, eventually } from '../session/sessionHarness';
import { FileSessionStore } from '../../../src/core/session/SessionStore';
import { bufferIo } from '../../helpers/bufferIo';

const MAIN = path.resolve(__dirname, '../../../src/core/cli/main.js');

describe('flink-mesos session start: the JobManager dies without HA', { timeout: 120000 }, () => {
  let cluster: MesosCluster;
  let store: string;
  const children: ChildProcess[] = [];
  const env = (): Record<string, string> => ({ ...process.env as Record<string, string>, FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });

  before(async () => {
    cluster = await startCluster({ agents: 2 });
    store = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-jm-lost-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cluster.stop();
    fs.rmSync(store, { recursive: true, force: true });
  });

  function run(args: string[]): { done: Promise<{ code: number | null; out: string }>; out: () => string } {
    const child = spawn(process.execPath, [MAIN, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    return { done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, out }))), out: () => out };
  }

  test('the failure, "not recovered without HA", and a restart command that starts the same session again', async () => {
    const master = cluster.masterUrls[0].replace(/^http:\/\//, '');
    const first = run(['session', 'start', '-m', master, '-n', '1', '-tm', '1024', '-jm', '1024', '-D', 'web.refresh-interval=4321',
      '--flink-home', cluster.flinkHome, '--name', 'lost', '--store', store]);
    const record = await eventually('the session running', async () => {
      const r = await new FileSessionStore(store).load('lost');
      return r?.phase === 'running' ? r : undefined;
    }, 60000, 200);
    cluster.faults.killTask(record.tasks.find((t) => t.kind === 'jobmanager')!.taskId, 'SIGKILL');
    const r = await first.done;
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /session lost failed: The JobManager task ended: TASK_FAILED .*Without high availability \(--ha\) its jobs are not recovered/);
    const line = /Restart it with the same options .*:\n {2}(flink-mesos session start .*)\n/.exec(r.out);
    assert.ok(line, r.out);
    assert.match(line[1], /-D web\.refresh-interval=4321/);
    assert.match(line[1], new RegExp(`--store ${store.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    await eventually('no task left', async () => (await liveTasks(cluster, record.frameworkId)).length === 0, 20000, 200);

    // The printed command, as it is (its words are plain here), starts the same session again.
    const again = run([...line[1].split(' ').slice(1), '--detach']);
    const second = await again.done;
    assert.equal(second.code, 0, second.out);
    const saved = await new FileSessionStore(store).load('lost');
    assert.equal(saved?.phase, 'running');
    assert.deepEqual(saved?.options, record.options, 'the same options');
    const io = bufferIo({ FLINK_MESOS_TIMINGS: JSON.stringify(FAST) });
    assert.equal(await runCli(['session', 'stop', '--name', 'lost', '--store', store], io), 0, io.stderr);
  });
});
