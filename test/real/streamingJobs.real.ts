// Acceptance of issue 14 against a real Apache Flink 2.3.0 (run: node --test out/test/real/streamingJobs.real.js).
// Uses the distribution and the shared test jobs the real-Flink provisioning builds (~/.cache/flink-on-mesos:
// flink-2.3.0 and test-jobs/flink-2.3.0-*/streaming.jar, failing.jar); a standalone JobManager and TaskManager on
// loopback ports. Not a *.test.ts: the node suite does not run it; scripts/test.sh's real-Flink step may.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/core/cli/cli';
import { runSavepointCommand } from '../../src/core/cli/savepointCommands';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { StreamingJobViews } from '../../src/session/streamingJobViews';
import { bufferIo } from '../helpers/bufferIo';
import { freePort } from '../helpers/freePort';

const CACHE = process.env.FLINK_MESOS_CACHE ?? path.join(os.homedir(), '.cache', 'flink-on-mesos');
const FLINK_HOME = path.join(CACHE, 'flink-2.3.0');
const JAVA_HOME = process.env.FLINK_TEST_JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';

function sharedJobs(): { streaming: string; failing: string } {
  if (!fs.existsSync(path.join(FLINK_HOME, '.provisioned'))) throw new Error(`Flink 2.3.0 is not provisioned in ${FLINK_HOME}: run the real-Flink provisioning (npm run provision:flink).`);
  const dirs = fs.existsSync(path.join(CACHE, 'test-jobs')) ? fs.readdirSync(path.join(CACHE, 'test-jobs')).filter((d) => d.startsWith('flink-2.3.0-')) : [];
  const dir = dirs.map((d) => path.join(CACHE, 'test-jobs', d)).find((d) => fs.existsSync(path.join(d, 'streaming.jar')) && fs.existsSync(path.join(d, 'failing.jar')));
  if (!dir) throw new Error(`The shared test jobs for Flink 2.3.0 are not built in ${path.join(CACHE, 'test-jobs')}: run the real-Flink tests once (they build them).`);
  return { streaming: path.join(dir, 'streaming.jar'), failing: path.join(dir, 'failing.jar') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** The highest count each key's log shows, and whether any line after `fromLine` starts over at 1. */
function counts(outputDir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of fs.existsSync(outputDir) ? fs.readdirSync(outputDir) : []) {
    const m = /^count-(\d+)\.log$/.exec(f);
    if (!m) continue;
    out.set(m[1], fs.readFileSync(path.join(outputDir, f), 'utf8').trim().split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1])));
  }
  return out;
}

describe('streaming jobs on real Flink 2.3.0: graph, checkpoints, savepoints, upgrade and rollback', { timeout: 600000 }, () => {
  let work: string;
  let url: string;
  let client: FlinkRestClient;
  let jobs: { streaming: string; failing: string };
  const procs: ChildProcess[] = [];
  let env: Record<string, string>;
  const output = (): string => path.join(work, 'counts');

  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env);
    const code = await runCli(args, io);
    return { code, out: io.stdout, err: io.stderr };
  };
  const upgrade = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env);
    const code = await runSavepointCommand(['upgrade', '-m', url, '--json', ...args], io, async () => { throw new Error('no sessions'); }, path.join(work, 'home', 'sessions'));
    return { code, out: io.stdout, err: io.stderr };
  };

  before(async () => {
    jobs = sharedJobs();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'real-streaming-'));
    env = { FLINK_MESOS_HOME: path.join(work, 'home') };
    const [rest, rpc, blob, tmRpc, tmData] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const common = [
      `rest.port=${rest}`, 'rest.address=127.0.0.1', 'rest.bind-address=127.0.0.1', `jobmanager.rpc.port=${rpc}`, 'jobmanager.rpc.address=127.0.0.1', `blob.server.port=${blob}`,
      `state.savepoints.dir=file://${path.join(work, 'savepoints')}`, `execution.checkpointing.dir=file://${path.join(work, 'checkpoints')}`,
      'execution.checkpointing.externalized-checkpoint-retention=RETAIN_ON_CANCELLATION', 'restart-strategy.type=none',
    ];
    const start = (script: string, extra: string[], name: string): void => {
      const args = ['start-foreground', ...[...common, ...extra].flatMap((kv) => ['-D', kv])];
      const log = fs.openSync(path.join(work, `${name}.out`), 'w');
      const p = spawn(path.join(FLINK_HOME, 'bin', script), args, { env: { ...process.env, JAVA_HOME, FLINK_LOG_DIR: path.join(work, 'log') }, stdio: ['ignore', log, log], detached: true });
      procs.push(p);
    };
    start('jobmanager.sh', ['jobmanager.memory.process.size=1024m', 'jobmanager.bind-host=127.0.0.1'], 'jm');
    start('taskmanager.sh', ['taskmanager.memory.process.size=1280m', 'taskmanager.numberOfTaskSlots=4', `taskmanager.rpc.port=${tmRpc}`, `taskmanager.data.port=${tmData}`, 'taskmanager.host=127.0.0.1', 'taskmanager.bind-host=127.0.0.1'], 'tm');
    url = `http://127.0.0.1:${rest}`;
    client = new FlinkRestClient(url, { timeoutMs: 10000 });
    await until('the TaskManager to register', 120000, async () => ((await client.overview()).taskmanagers === 1 ? true : undefined));
  });

  after(async () => {
    await client?.close();
    for (const p of procs) if (p.pid) { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ } }
    await sleep(2000);
    for (const p of procs) if (p.pid) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(work, { recursive: true, force: true });
  });

  let jobId = '';

  test('the panel data: the graph with live rates and a checkpoint history that grows', async () => {
    const run = await cli(['run', '-m', url, '-d', '--json', '-p', '2', jobs.streaming, '--output', output(), '--checkpoint-ms', '500', '--interval-ms', '20']);
    assert.equal(run.code, 0, run.err);
    jobId = (JSON.parse(run.out) as { jobId: string }).jobId;
    const views = new StreamingJobViews();
    const graph = await until('live rates in the graph', 90000, async () => {
      const g = await views.graph(client, await client.job(jobId));
      return g.vertices.some((v) => (v.recordsInPerSecond ?? 0) > 0 || (v.recordsOutPerSecond ?? 0) > 0) ? g : undefined;
    });
    assert.ok(graph.vertices.length >= 2, `${graph.vertices.length} vertices`);
    assert.ok(graph.edges.length >= 1);
    assert.ok(graph.edges.some((e) => e.shipStrategy === 'HASH'), 'the keyBy edge is HASH');
    const first = await until('a completed checkpoint', 60000, async () => {
      const c = await views.checkpoints(client, await client.job(jobId));
      return c && c.counts.completed > 0 ? c : undefined;
    });
    const later = await until('more checkpoints', 60000, async () => {
      const c = await views.checkpoints(client, await client.job(jobId));
      return c && c.counts.completed > first.counts.completed + 1 ? c : undefined;
    });
    assert.ok(later.history.length > first.history.length || later.latest!.id > first.latest!.id);
    assert.equal(later.retainedOnCancel, true);
    assert.equal(later.warning, undefined);
  });

  test('a savepoint is triggered and appears in the history (flink-mesos savepoint / savepoints)', async () => {
    const r = await cli(['savepoint', '-m', url, '--json', jobId]);
    assert.equal(r.code, 0, r.err);
    const { savepoint } = JSON.parse(r.out) as { savepoint: string };
    const list = JSON.parse((await cli(['savepoints', '-m', url, '--json', jobId])).out) as { path: string; kind: string }[];
    assert.deepEqual(list.map((e) => [e.kind, e.path]), [['savepoint', savepoint]]);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
  });

  test('an upgrade to a changed job restores state: the counter continues instead of starting at 1', async () => {
    await sleep(1500);
    const before = counts(output());
    const maxBefore = Math.max(...[...before.values()].map((c) => c[c.length - 1]));
    const linesBefore = new Map([...before].map(([k, c]) => [k, c.length]));
    const changed = path.join(work, 'streaming-v2.jar');
    fs.copyFileSync(jobs.streaming, changed);
    const r = await upgrade(['--stable-seconds', '5', jobId, changed, '--output', output(), '--checkpoint-ms', '500', '--interval-ms', '20', '--name', 'StreamingCounter v2']);
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as { outcome: string; runningJobId: string; statePath: string };
    assert.equal(result.outcome, 'upgraded');
    assert.equal((await client.job(result.runningJobId)).name, 'StreamingCounter v2');
    await sleep(1500);
    const after = counts(output());
    for (const [key, c] of after) {
      const fresh = c.slice(linesBefore.get(key) ?? 0);
      assert.ok(fresh.length > 0, `key ${key} counted after the upgrade`);
      assert.ok(!fresh.includes(1), `key ${key} did not start over at 1 after the upgrade`);
    }
    assert.ok(Math.max(...[...after.values()].map((c) => c[c.length - 1])) > maxBefore);
    jobId = result.runningJobId;
  });

  test('an upgrade to a jar that fails rolls back: the old job runs again from the savepoint (exit 6)', async () => {
    const before = new Map([...counts(output())].map(([k, c]) => [k, c.length]));
    const r = await upgrade(['--stable-seconds', '5', '--allow-non-restored-state', jobId, jobs.failing, '--at', '5']);
    assert.equal(r.code, 6, `${r.out}\n${r.err}`);
    const result = JSON.parse(r.out) as { outcome: string; runningJobId: string; failedJobId?: string; reason: string };
    assert.equal(result.outcome, 'rolledBack');
    const restored = await client.job(result.runningJobId);
    assert.equal(restored.state, 'RUNNING');
    assert.equal(restored.name, 'StreamingCounter v2', 'the previous jar with its previous arguments');
    await sleep(1500);
    for (const [key, c] of counts(output())) {
      const fresh = c.slice(before.get(key) ?? 0);
      assert.ok(fresh.length > 0 && !fresh.includes(1), `key ${key} continues from the savepoint after the rollback`);
    }
    jobId = result.runningJobId;
  });

  test('bad inputs: an unwritable savepoint folder, a finished job, a path without a savepoint; the job keeps running', async () => {
    const blocked = path.join(work, 'blocked');
    fs.writeFileSync(blocked, 'a file');
    const sp = await cli(['savepoint', '-m', url, '--json', jobId, `file://${blocked}/sp`]);
    assert.equal(sp.code, 1);
    assert.match(sp.err, /savepoint .* failed/i);
    const old = (await client.jobsOverview()).find((j) => j.state === 'FINISHED');
    assert.ok(old);
    const finished = await upgrade([old.jid, jobs.streaming, '--output', output()]);
    assert.equal(finished.code, 2);
    assert.match(finished.err, /FINISHED, not RUNNING/);
    const empty = fs.mkdtempSync(path.join(work, 'empty-'));
    const restore = await cli(['run', '-m', url, '-d', '-s', empty, jobs.streaming, '--output', path.join(work, 'other')]);
    assert.equal(restore.code, 1);
    assert.match(restore.err, /_metadata|savepoint/i);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    await client.cancelJob(jobId);
  });
});
