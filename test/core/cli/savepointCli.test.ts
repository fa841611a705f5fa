// flink-mesos savepoint | savepoints | upgrade against the Flink stand-in: --json documents, exit codes, and a
// savepoint history that survives the command line's restart (every runCli call is a fresh process's worth of state).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/core/cli/cli';
import { ExitCode } from '../../../src/core/cli/cliIo';
import { runSavepointCommand } from '../../../src/core/cli/savepointCommands';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { FAILING_CLASS, STREAMING_CLASS, WORDCOUNT_CLASS, buildJar } from '../../fixtures/jars';
import { bufferIo } from '../../helpers/bufferIo';
import { InProcessCluster, startInProcessCluster, waitFor } from '../../standin/flink/standinHarness';

describe('flink-mesos savepoint, savepoints, upgrade', () => {
  let c: InProcessCluster;
  let client: FlinkRestClient;
  let home: string;
  let env: Record<string, string>;
  let streamingJar: string;
  let failingJar: string;
  let noEntryJar: string;
  let batchJar: string;
  const noSession = async (name: string): Promise<string> => { throw new Error(`No session named "${name}".`); };
  const sessionsDir = (): string => path.join(home, 'sessions');
  /** The upgrade command with fast polling (the real CLI polls every 500 ms). */
  const upgrade = (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env);
    return runSavepointCommand(['upgrade', '-m', c.url, '--json', ...args], io, noSession, sessionsDir(), { pollMs: 20 }).then((code) => ({ code, out: io.stdout, err: io.stderr }));
  };
  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env);
    const code = await runCli(args, io);
    return { code, out: io.stdout, err: io.stderr };
  };
  async function running(jar = streamingJar): Promise<string> {
    const r = await cli(['run', '-m', c.url, '-d', '--json', '-p', '1', jar]);
    assert.equal(r.code, 0, r.err);
    const jobId = (JSON.parse(r.out) as { jobId: string }).jobId;
    await waitFor(async () => (await client.job(jobId)).vertices.every((v) => v.status === 'RUNNING'), 5000, 'the job to run');
    return jobId;
  }

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'savepoint-cli-'));
    env = { FLINK_MESOS_HOME: home };
    c = await startInProcessCluster({
      taskManagers: 1,
      conf: { 'standin.flink-version': '2.3.0', 'standin.savepoint-delay-ms': '50', 'standin.failing-job-delay-ms': '100', 'state.savepoints.dir': `file://${path.join(home, 'sp')}`, 'standin.job-duration-ms': '50' },
      tmConf: { 'taskmanager.numberOfTaskSlots': '4' },
    });
    client = new FlinkRestClient(c.url, { timeoutMs: 5000 });
    streamingJar = await buildJar(path.join(home, 'streaming.jar'), { mainClass: STREAMING_CLASS });
    failingJar = await buildJar(path.join(home, 'failing.jar'), { mainClass: FAILING_CLASS });
    noEntryJar = await buildJar(path.join(home, 'no-entry.jar'), { classes: [STREAMING_CLASS] });
    batchJar = await buildJar(path.join(home, 'batch.jar'), { mainClass: WORDCOUNT_CLASS });
  });
  after(async () => {
    await client?.close();
    await c?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('savepoint --json prints the path (exit 0); savepoints lists it from disk in a later run, with the jar it belongs to', async () => {
    const jobId = await running();
    const r = await cli(['savepoint', '-m', c.url, '--json', jobId]);
    assert.equal(r.code, ExitCode.ok, r.err);
    const { savepoint } = JSON.parse(r.out) as { savepoint: string };
    assert.ok(fs.existsSync(path.join(savepoint.replace(/^file:/, ''), '_metadata')));
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    const list = await cli(['savepoints', '-m', c.url, '--json']);
    assert.equal(list.code, ExitCode.ok);
    const entries = JSON.parse(list.out) as { path: string; kind: string; jobId: string; jarPath?: string; entryClass?: string }[];
    const mine = entries.find((e) => e.path === savepoint);
    assert.ok(mine, list.out);
    assert.equal(mine.kind, 'savepoint');
    assert.equal(mine.jarPath, streamingJar);
    assert.equal(mine.entryClass, STREAMING_CLASS);
    const text = await cli(['savepoints', '-m', c.url, jobId]);
    assert.match(text.out, /TIME\s+KIND\s+JOB ID/);
    assert.ok(text.out.includes(savepoint));
    await client.cancelJob(jobId);
  });

  test('savepoint into a folder the JobManager cannot write: exit 1, the cause and the fix; the job keeps running', async () => {
    const jobId = await running();
    const blocked = path.join(home, 'blocked');
    fs.writeFileSync(blocked, 'not a folder');
    const r = await cli(['savepoint', '-m', c.url, '--json', jobId, `file://${blocked}/x`]);
    assert.equal(r.code, ExitCode.failed);
    assert.match((JSON.parse(r.out) as { error: string }).error, /Failed to create savepoint directory/);
    assert.match(r.err, /writable/);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    await client.cancelJob(jobId);
  });

  test('upgrade --json: exit 0 and the new job runs; the previous jar is known from run, so no option is needed', async () => {
    const jobId = await running();
    const r = await upgrade(['--stable-seconds', '0', jobId, streamingJar, '--some', 'arg']);
    assert.equal(r.code, ExitCode.ok, r.err);
    const result = JSON.parse(r.out) as { outcome: string; runningJobId: string; statePath: string };
    assert.equal(result.outcome, 'upgraded');
    assert.equal((await client.job(result.runningJobId)).state, 'RUNNING');
    const history = JSON.parse((await cli(['savepoints', '-m', c.url, '--json', jobId])).out) as { kind: string; path: string }[];
    assert.deepEqual(history.map((h) => [h.kind, h.path]), [['stop-with-savepoint', result.statePath]]);
    await client.cancelJob(result.runningJobId);
  });

  test('upgrade to a jar that fails at start: exit 6 (rolled back), the old jar runs again from the savepoint', async () => {
    const jobId = await running();
    const r = await upgrade(['--stable-seconds', '1', jobId, failingJar]);
    assert.equal(r.code, ExitCode.rolledBack, r.err);
    const result = JSON.parse(r.out) as { outcome: string; runningJobId: string; failedJobId: string };
    assert.equal(result.outcome, 'rolledBack');
    assert.equal((await client.job(result.failedJobId)).state, 'FAILED');
    assert.equal((await client.job(result.runningJobId)).state, 'RUNNING');
    await client.cancelJob(result.runningJobId);
  });

  test('bad inputs: exit 2 with a clear error and the job untouched (finished job, jar without entry class, bad mode, last-state without retained checkpoints)', async () => {
    const batch = JSON.parse((await cli(['run', '-m', c.url, '-d', '--json', '-p', '1', batchJar])).out) as { jobId: string };
    await waitFor(async () => (await client.job(batch.jobId)).state === 'FINISHED', 5000, 'the batch job');
    const finished = await upgrade([batch.jobId, streamingJar]);
    assert.equal(finished.code, ExitCode.usage);
    assert.match((JSON.parse(finished.out) as { error: string }).error, /FINISHED, not RUNNING/);
    const jobId = await running();
    const noEntry = await upgrade([jobId, noEntryJar]);
    assert.equal(noEntry.code, ExitCode.usage);
    assert.match(noEntry.err, /names no entry class/);
    const mode = await upgrade(['--mode', 'bogus', jobId, streamingJar]);
    assert.equal(mode.code, ExitCode.usage);
    assert.match(mode.err, /--mode must be one of savepoint, last-state, stateless/);
    const lastState = await upgrade(['--mode', 'last-state', jobId, streamingJar]);
    assert.equal(lastState.code, ExitCode.usage);
    assert.match(lastState.err, /deletes its checkpoints when cancelled|RETAIN_ON_CANCELLATION/);
    assert.equal((await cli(['upgrade', '-m', c.url])).code, ExitCode.usage);
    assert.equal((await client.job(jobId)).state, 'RUNNING', 'every refusal left the job running');
    await client.cancelJob(jobId);
  });

  test('an unknown job is exit 4', async () => {
    const r = await cli(['savepoint', '-m', c.url, '--json', 'a'.repeat(32)]);
    assert.equal(r.code, ExitCode.notFound, r.err);
  });
});
