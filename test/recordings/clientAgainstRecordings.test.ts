// The client's run, plan, stop, savepoint, cancel, exceptions and TaskManager reads against what real JobManagers sent,
// version by version: a replay server answers each request with the recorded answer of the chosen step.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { FlinkRestError } from '../../src/core/flink/FlinkRestError';
import { JobWatcher } from '../../src/core/flink/JobWatcher';
import { readRecording, recordedVersions } from './fixtureStore';
import type { RecordedCall } from './restCall';
import { ReplayServer } from './replayServer';
import { RECORDING_TASK_MANAGER_ID } from './standinReplay';

const jarIdOf = (c: RecordedCall): string => path.basename((c.body as { filename: string }).filename);
const jobIdOf = (c: RecordedCall): string => (c.body as { jobid: string }).jobid;
const bodyOf = <T>(c: RecordedCall): T => c.request as T;
const pathIdOf = (c: RecordedCall): string => c.path.split('?')[0].split('/')[2];

async function rejection(p: Promise<unknown>): Promise<FlinkRestError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof FlinkRestError, `expected a FlinkRestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

for (const version of recordedVersions()) {
  describe(`FlinkRestClient against the recorded answers of Flink ${version}`, () => {
    let server: ReplayServer;
    let client: FlinkRestClient;
    const calls = readRecording(version);
    const major = Number(version.split('.')[0]);
    before(async () => {
      server = new ReplayServer(calls);
      await server.start();
      client = new FlinkRestClient(server.url, { retries: 0, timeoutMs: 5000 });
    });
    after(async () => {
      await client.close();
      await server.stop();
    });
    const sent = (method: string, suffix: string): { body: string } => {
      const r = [...server.requests].reverse().find((x) => x.method === method && x.path.split('?')[0].endsWith(suffix));
      assert.ok(r, `no ${method} ...${suffix} was sent`);
      return r;
    };

    it('run: sends programArgsList (never programArgs) and reads the job id', async () => {
      const run = server.step('run');
      server.use('run');
      const args = bodyOf<{ programArgsList: string[] }>(run).programArgsList;
      const answer = await client.runJar(pathIdOf(run), { parallelism: 1, programArgsList: args });
      assert.equal(answer.jobid, jobIdOf(run));
      const body = JSON.parse(sent('POST', '/run').body) as Record<string, unknown>;
      assert.deepEqual(body.programArgsList, args);
      assert.equal('programArgs' in body, false);
    });

    it('run failures: a missing jar is recognised (so the submitter uploads again), a missing main class and entry class are shown plainly', async () => {
      server.use('run-unknown-jar');
      const missing = await rejection(client.runJar(pathIdOf(server.step('run-unknown-jar')), { parallelism: 1 }));
      assert.equal(missing.isJarMissing, true, missing.message);
      assert.match(missing.message, /does not exist/);
      server.use('run-no-main-class');
      const noMain = await rejection(client.runJar(pathIdOf(server.step('run-no-main-class')), { parallelism: 1 }));
      assert.match(noMain.message, /Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file\./);
      assert.equal(noMain.isJarMissing, false);
      server.use('run-missing-entry-class');
      const entry = await rejection(client.runJar(pathIdOf(server.step('run-missing-entry-class')), { parallelism: 1, entryClass: 'no.such.Main' }));
      assert.match(entry.message, /no\.such\.Main/);
      assert.equal(entry.isJarMissing, false);
      server.use('run-main-throws');
      const main = await rejection(client.runJar(pathIdOf(server.step('run-main-throws')), { parallelism: 1, programArgsList: ['--input', '/nowhere'] }));
      assert.match(main.message, /Could not execute application|no-such-input/);
    });

    it('plan: the job graph of the jar (POST)', async () => {
      server.use('plan');
      const plan = await client.planJar(pathIdOf(server.step('plan')), { parallelism: 1, programArgsList: ['--input', 'a', '--output', 'b'] });
      assert.ok(plan.nodes.length > 0);
      for (const n of plan.nodes) assert.equal(typeof n.id, 'string');
    });

    it('jobs: finished, failed, running and cancelled details parse, with their plans', async () => {
      for (const [step, state] of [['job-finished', 'FINISHED'], ['job-failed', 'FAILED'], ['job-running', 'RUNNING'], ['job-cancelled', 'CANCELED'], ['job-stopped', 'FINISHED']] as const) {
        server.use(step);
        const job = await client.job(pathIdOf(server.step(step)));
        assert.equal(job.state, state, step);
        assert.ok(job.vertices.length > 0, step);
        assert.ok(job.plan && Array.isArray(job.plan.nodes) && job.plan.nodes.length > 0, `${step}: the plan`);
      }
      server.use('jobs-overview');
      assert.ok((await client.jobsOverview()).length >= 4);
    });

    it('exceptions: the failed job\'s root cause is found in every version\'s shape', async () => {
      const failed = pathIdOf(server.step('job-failed'));
      server.use('job-failed', 'job-failed-exceptions');
      const result = await new JobWatcher(client, failed, { minIntervalMs: 10, maxIntervalMs: 20 }).result();
      assert.equal(result.state, 'FAILED');
      assert.match(result.rootException?.stacktrace ?? '', /recorded failure/);
      assert.match(result.rootException?.message ?? '', /recorded failure/);
      const exceptions = await client.jobExceptions(failed);
      if (major >= 2) assert.equal('root-exception' in exceptions, false, '2.x has no top-level root-exception');
      // The deprecated root-exception holds only Flink's wrapper; the task's exception is in the history's concurrentExceptions.
      else assert.match(exceptions['root-exception'] ?? '', /Recovery is suppressed by NoRestartBackoffTimeStrategy/);
    });

    it('savepoint: triggered and awaited until its location', async () => {
      server.use('savepoint', 'savepoint-status');
      const location = await client.savepoint(pathIdOf(server.step('savepoint')), { targetDirectory: '/tmp/savepoints' }, { pollIntervalMs: 10 });
      assert.match(location, /savepoint-/);
    });

    it('stop with a savepoint: triggered and awaited until its location', async () => {
      server.use('stop', 'stop-status');
      const location = await client.stopWithSavepoint(pathIdOf(server.step('stop')), { targetDirectory: '/tmp/savepoints', drain: false }, { pollIntervalMs: 10 });
      assert.match(location, /savepoint-/);
      assert.deepEqual(JSON.parse(sent('POST', '/stop').body), { targetDirectory: '/tmp/savepoints', drain: false });
    });

    it('cancel: accepted for a running job; a job that is gone or unknown is reported plainly', async () => {
      server.use('cancel');
      await client.cancelJob(pathIdOf(server.step('cancel')));
      server.use('cancel-unknown');
      const unknown = await rejection(client.cancelJob(pathIdOf(server.step('cancel-unknown'))));
      assert.equal(unknown.kind, 'http');
      assert.ok(unknown.status === 404, unknown.message);
    });

    it('TaskManagers: the list, one TaskManager with its metrics, metric values, logs and a log', async () => {
      const tms = await client.taskManagers();
      assert.deepEqual(tms.map((t) => t.id), [RECORDING_TASK_MANAGER_ID]);
      // Right after registering, a TaskManager may still show 0 slots (recorded in 1.20): count them while a job runs.
      server.use('taskmanagers-running');
      assert.equal((await client.taskManagers())[0].slotsNumber, 2);
      const tm = await client.taskManager(RECORDING_TASK_MANAGER_ID);
      assert.equal(typeof tm.metrics?.heapUsed, 'number');
      assert.equal(typeof tm.hardware?.cpuCores, 'number');
      const metrics = await client.taskManagerMetrics(RECORDING_TASK_MANAGER_ID, ['Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.CPU.Load']);
      assert.ok(metrics.length > 0 && metrics.every((m) => typeof m.id === 'string' && typeof m.value === 'string'));
      assert.ok((await client.taskManagerLogList(RECORDING_TASK_MANAGER_ID)).logs.length > 0);
      assert.ok((await client.taskManagerLog(RECORDING_TASK_MANAGER_ID)).length > 0);
      server.use('taskmanager-running');
      // 1.13 lists no allocated slots even while a job runs (recorded).
      assert.equal(((await client.taskManager(RECORDING_TASK_MANAGER_ID)).allocatedSlots ?? []).length > 0, version !== '1.13.6');
    });

    it('cluster: version, overview, jars', async () => {
      assert.equal(await client.flinkVersion(), version);
      assert.equal((await client.overview()).taskmanagers, 1);
      server.use('jars');
      const jars = await client.jars();
      // The fixture keeps one jar of each shape.
      assert.ok(jars.files.length > 0 && jars.files.every((f) => f.id.endsWith('.jar') && Array.isArray(f.entry)));
      assert.match(jarIdOf(server.step('upload')), /^[0-9a-f-]{36}_wordCount\.jar$/);
    });
  });
}
