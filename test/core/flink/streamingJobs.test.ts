// Streaming jobs against the Flink stand-in: the panel's graph and checkpoints, savepoints without stopping, and
// upgrades in the three modes with rollback; and the views built from a real Flink 2.3.0's recorded answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { JarInspectionError } from '../../../src/core/flink/jarInspector';
import { JarSubmitter, MemoryJarUploadStore } from '../../../src/core/flink/JarSubmitter';
import { JobUpgrader, UpgradeError, resumeCommand, takeSavepoint } from '../../../src/core/flink/JobUpgrader';
import type { JobDetails } from '../../../src/core/flink/flinkRestTypes';
import type { CheckpointConfig, CheckpointingStatistics } from '../../../src/core/flink/streamingRestTypes';
import { checkpointWarning, checkpointsOf, jobGraphOf, StreamingJobViews, vertexFiguresOf } from '../../../src/session/streamingJobViews';
import { FAILING_CLASS, STREAMING_CLASS, WORDCOUNT_CLASS, buildJar } from '../../fixtures/jars';
import { repoRoot } from '../../repoRoot';
import { InProcessCluster, startInProcessCluster, waitFor } from '../../standin/flink/standinHarness';

const RECORDINGS = path.join(repoRoot(), 'test', 'fixtures', 'flink-rest-streaming', '2.3.0');
const rec = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(RECORDINGS, name), 'utf8')) as T;

describe('streaming views from a real Flink 2.3.0 (recorded answers)', () => {
  test('the graph has both vertices and the HASH edge from the plan; figures from the aggregated metrics', () => {
    const details = rec<JobDetails & { plan: unknown }>('job-running.json');
    const metrics = new Map(rec<{ id: string; sum: number; max: number }[]>('vertex-subtask-metrics.json').map((m) => [m.id, m]));
    const sink = details.vertices[1].id;
    const graph = jobGraphOf(details, new Map([[sink, vertexFiguresOf(metrics)!]]));
    assert.equal(graph.vertices.length, 2);
    assert.deepEqual(graph.edges, [{ from: details.vertices[0].id, to: sink, shipStrategy: 'HASH' }]);
    assert.ok(graph.vertices[1].recordsInPerSecond! > 0);
    assert.equal(graph.vertices[0].recordsInPerSecond, undefined);
  });

  test('checkpoints: counts, latest, restored path and history; a failed savepoint is not a checkpoint warning', () => {
    const stats = rec<CheckpointingStatistics>('checkpoints-with-failure.json');
    const config = rec<CheckpointConfig>('checkpoints-config.json');
    const now = stats.latest.completed!.latest_ack_timestamp + 100;
    const c = checkpointsOf(stats, config, stats.latest.completed!.trigger_timestamp - 60000, now);
    assert.equal(c.enabled, true);
    assert.equal(c.retainedOnCancel, true);
    assert.equal(c.counts.completed, stats.counts.completed);
    assert.equal(c.latest?.id, stats.latest.completed!.id);
    assert.match(c.latest?.path ?? '', /chk-\d+$/);
    assert.equal(c.latestFailure?.savepoint, true);
    assert.equal(c.history.length, stats.history.length);
    assert.equal(c.warning, undefined);
  });

  test('checkpoint warnings: a failed checkpoint newer than the last completed one, and checkpoints that stopped', () => {
    const stats = rec<CheckpointingStatistics>('checkpoints.json');
    const config = rec<CheckpointConfig>('checkpoints-config.json');
    const done = stats.latest.completed!;
    const failed = { ...done, id: done.id + 1, status: 'FAILED' as const, is_savepoint: false, trigger_timestamp: done.trigger_timestamp + 2000, failure_timestamp: done.trigger_timestamp + 2500, failure_message: 'Checkpoint expired before completing.' };
    const failing = { ...stats, latest: { ...stats.latest, failed }, history: [failed, ...stats.history] };
    assert.match(checkpointWarning(failing, config, undefined, done.trigger_timestamp + 3000) ?? '', /Checkpoint \d+ failed: Checkpoint expired/);
    assert.equal(checkpointWarning(stats, config, undefined, done.latest_ack_timestamp + 29000), undefined);
    assert.match(checkpointWarning(stats, config, undefined, done.latest_ack_timestamp + 31000) ?? '', /No checkpoint completed for 31 s/);
    const disabled = rec<CheckpointConfig>('checkpoints-config-disabled.json');
    assert.equal(checkpointsOf(rec<CheckpointingStatistics>('checkpoints-disabled.json'), disabled, 1, 10 ** 13).enabled, false);
    assert.equal(checkpointWarning(rec<CheckpointingStatistics>('checkpoints-disabled.json'), disabled, 1, 10 ** 13), undefined);
  });
});

describe('streaming jobs on the stand-in: panel data, savepoints, upgrades', () => {
  let c: InProcessCluster;
  let client: FlinkRestClient;
  let submitter: JarSubmitter;
  let work: string;
  let streamingJar: string;
  let failingJar: string;
  let noEntryJar: string;
  let batchJar: string;
  const v1 = (): { jarPath: string; programArgs: string[] } => ({ jarPath: streamingJar, programArgs: [] });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'streaming-jobs-'));
    c = await startInProcessCluster({
      taskManagers: 1,
      conf: {
        'standin.flink-version': '2.3.0', 'standin.checkpoint-interval-ms': '100', 'standin.savepoint-delay-ms': '50', 'standin.failing-job-delay-ms': '100',
        'state.savepoints.dir': `file://${path.join(work, 'savepoints')}`, 'state.checkpoints.dir': `file://${path.join(work, 'checkpoints')}`,
        'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION', 'standin.job-duration-ms': '50',
      },
      tmConf: { 'taskmanager.numberOfTaskSlots': '4' },
    });
    client = new FlinkRestClient(c.url, { timeoutMs: 5000 });
    submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
    streamingJar = await buildJar(path.join(work, 'streaming v1.jar'), { mainClass: STREAMING_CLASS });
    failingJar = await buildJar(path.join(work, 'fails at start.jar'), { mainClass: FAILING_CLASS });
    noEntryJar = await buildJar(path.join(work, 'no entry.jar'), { classes: [STREAMING_CLASS] });
    batchJar = await buildJar(path.join(work, 'batch.jar'), { mainClass: WORDCOUNT_CLASS });
  });
  after(async () => {
    await client?.close();
    await c?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function runningJob(jar = streamingJar, savepointPath?: string): Promise<string> {
    const r = await submitter.run(jar, { parallelism: 1, savepointPath });
    await waitFor(async () => (await client.job(r.jobId)).vertices.every((v) => v.status === 'RUNNING'), 5000, 'the job to run');
    return r.jobId;
  }

  /** The program's record count as the stand-in wrote it into a savepoint (its "counter in state"). */
  function recordsIn(location: string): number {
    return (JSON.parse(fs.readFileSync(path.join(location.replace(/^file:/, ''), '_metadata'), 'utf8')) as { state: { records: number } }).state.records;
  }

  test('the Job panel data of a running streaming job: live rates, a watermark, and a checkpoint history that grows', async () => {
    const jobId = await runningJob();
    const views = new StreamingJobViews();
    await new Promise((r) => setTimeout(r, 250));
    const details = await client.job(jobId);
    const graph = await views.graph(client, details);
    assert.equal(graph.vertices.length, 3);
    assert.equal(graph.edges.length, 2);
    assert.ok(graph.vertices[0].recordsOutPerSecond! > 0, 'the source has an output rate');
    assert.ok(graph.vertices[1].recordsInPerSecond! > 0, 'the flat map has an input rate');
    assert.ok(graph.vertices[1].busyMsPerSecond! > 0);
    assert.ok(graph.vertices[1].lowWatermark! > Date.now() - 60000, 'the flat map has a low watermark');
    const first = await views.checkpoints(client, details);
    await new Promise((r) => setTimeout(r, 300));
    const later = await views.checkpoints(client, await client.job(jobId));
    assert.ok(first && later && later.counts.completed > first.counts.completed, `${later?.counts.completed} > ${first?.counts.completed}`);
    assert.ok(later.history.length > 0 && later.latest);
    await client.cancelJob(jobId);
  });

  test('a savepoint without stopping: progress reported, the path returned, the job keeps running', async () => {
    const jobId = await runningJob();
    const seen: number[] = [];
    const location = await takeSavepoint(client, jobId, { pollMs: 10, onProgress: (p) => seen.push(p.elapsedMs) });
    assert.ok(seen.length > 0, 'progress was reported');
    assert.ok(fs.existsSync(path.join(location.replace(/^file:/, ''), '_metadata')));
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    await client.cancelJob(jobId);
  });

  test('bad input: a savepoint folder the JobManager cannot write is a clear error and the job keeps running', async () => {
    const jobId = await runningJob();
    const blocked = path.join(work, 'not-a-folder');
    fs.writeFileSync(blocked, 'a file where the folder should be');
    await assert.rejects(takeSavepoint(client, jobId, { targetDirectory: `file://${blocked}/sp`, pollMs: 10 }), /savepoint of job .* failed: An Exception occurred while triggering the checkpoint\. IO-problem detected\. \(cause: Failed to create savepoint directory at file:.*not-a-folder\/sp: FileAlreadyExistsException: .*not-a-folder\)/);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    await client.cancelJob(jobId);
  });

  test('upgrade (savepoint mode): the new jar runs from the stop-with-savepoint and the counter continues', async () => {
    const jobId = await runningJob();
    await new Promise((r) => setTimeout(r, 300));
    const v2 = await buildJar(path.join(work, 'streaming v2.jar'), { mainClass: STREAMING_CLASS });
    const states: string[] = [];
    const result = await new JobUpgrader(client, submitter).upgrade({ jobId, next: { jarPath: v2, programArgs: [] }, previous: v1(), stableMs: 200, pollMs: 20, onState: (s) => { states.push(s.kind); } });
    assert.equal(result.outcome, 'upgraded');
    assert.deepEqual(states, ['stop-with-savepoint']);
    assert.equal((await client.job(jobId)).state, 'FINISHED');
    assert.equal((await client.job(result.runningJobId)).state, 'RUNNING');
    const before = recordsIn(result.statePath!);
    assert.ok(before > 0);
    await new Promise((r) => setTimeout(r, 200));
    const after = recordsIn(await takeSavepoint(client, result.runningJobId, { pollMs: 10 }));
    assert.ok(after > before, `the counter continued from ${before} (now ${after}) instead of starting over`);
    await client.cancelJob(result.runningJobId);
  });

  test('upgrade to a jar that fails at start rolls back: the previous jar runs again from the same savepoint', async () => {
    const jobId = await runningJob();
    await new Promise((r) => setTimeout(r, 200));
    const steps: string[] = [];
    const result = await new JobUpgrader(client, submitter).upgrade({ jobId, next: { jarPath: failingJar, programArgs: [] }, previous: v1(), stableMs: 400, pollMs: 20, onProgress: (s) => steps.push(s) });
    assert.equal(result.outcome, 'rolledBack');
    assert.match(result.reason ?? '', /FAILED|failed/);
    assert.equal((await client.job(result.failedJobId!)).state, 'FAILED');
    assert.equal((await client.job(result.runningJobId)).state, 'RUNNING');
    const checkpoints = await new StreamingJobViews().checkpoints(client, await client.job(result.runningJobId));
    assert.equal(checkpoints?.restoredFrom, result.statePath, 'the rolled-back job was started from the upgrade savepoint');
    assert.ok(steps.some((s) => /rolling back/.test(s)));
    await client.cancelJob(result.runningJobId);
  });

  test('upgrade in last-state mode starts from the latest retained checkpoint without a savepoint', async () => {
    const jobId = await runningJob();
    await new Promise((r) => setTimeout(r, 300));
    const result = await new JobUpgrader(client, submitter).upgrade({ jobId, next: v1(), previous: v1(), mode: 'last-state', stableMs: 200, pollMs: 20 });
    assert.equal(result.outcome, 'upgraded');
    assert.match(result.statePath ?? '', /\/chk-\d+$/);
    assert.equal((await client.job(jobId)).state, 'CANCELED');
    assert.ok(recordsIn(result.statePath!) > 0);
    await client.cancelJob(result.runningJobId);
  });

  test('upgrade in stateless mode starts empty', async () => {
    const jobId = await runningJob();
    const result = await new JobUpgrader(client, submitter).upgrade({ jobId, next: v1(), previous: v1(), mode: 'stateless', stableMs: 100, pollMs: 20 });
    assert.equal(result.outcome, 'upgraded');
    assert.equal(result.statePath, undefined);
    assert.equal((await new StreamingJobViews().checkpoints(client, await client.job(result.runningJobId)))?.restoredFrom, undefined);
    await client.cancelJob(result.runningJobId);
  });

  test('bad inputs are refused before anything stops: a finished job, a new jar without entry class, unknown previous jar', async () => {
    const batch = (await submitter.run(batchJar, { parallelism: 1 })).jobId;
    await waitFor(async () => (await client.job(batch)).state === 'FINISHED', 5000, 'the batch job to finish');
    await assert.rejects(new JobUpgrader(client, submitter).upgrade({ jobId: batch, next: v1(), previous: v1() }),
      (e: unknown) => e instanceof UpgradeError && e.kind === 'notRunning' && /is FINISHED, not RUNNING: there is nothing to upgrade/.test(e.message));
    const jobId = await runningJob();
    await assert.rejects(new JobUpgrader(client, submitter).upgrade({ jobId, next: { jarPath: noEntryJar, programArgs: [] }, previous: v1() }),
      (e: unknown) => e instanceof JarInspectionError && /names no entry class/.test(e.message));
    await assert.rejects(new JobUpgrader(client, submitter).upgrade({ jobId, next: v1() }),
      (e: unknown) => e instanceof UpgradeError && e.kind === 'badInput' && /--previous-jar|--no-rollback/.test(e.message));
    assert.equal((await client.job(jobId)).state, 'RUNNING', 'the running job was never touched');
    await client.cancelJob(jobId);
  });

  test('bad input: restoring from a folder that holds no savepoint fails with Flink\'s clear cause', async () => {
    const empty = fs.mkdtempSync(path.join(work, 'empty-'));
    await assert.rejects(
      (async () => { const j = await submitter.run(streamingJar, { parallelism: 1, savepointPath: empty }); await waitFor(async () => (await client.job(j.jobId)).state === 'FAILED', 5000, 'fail'); throw new Error((await client.jobExceptions(j.jobId)).exceptionHistory?.entries?.[0]?.stacktrace ?? ''); })(),
      /Cannot find checkpoint or savepoint file\/directory/);
  });

  test('when the rollback fails too, the error names the savepoint and the exact command to resume', async () => {
    const jobId = await runningJob();
    const result = new JobUpgrader(client, submitter).upgrade({ jobId, next: { jarPath: failingJar, programArgs: [] }, previous: { jarPath: failingJar, programArgs: ['--message', 'also broken'] }, stableMs: 300, pollMs: 20 });
    await assert.rejects(result, (e: unknown) => e instanceof UpgradeError && e.kind === 'rollbackFailed' && !!e.statePath && e.resumeCommand === resumeCommand({ jarPath: failingJar, programArgs: ['--message', 'also broken'] }, e.statePath) && e.message.includes(e.resumeCommand!));
    assert.match(resumeCommand({ jarPath: '/x/my job.jar', entryClass: 'a.B', programArgs: ['--in', 'it\'s'] }, 'file:/sp/1'), /^flink-mesos run -s file:\/sp\/1 -c a\.B '\/x\/my job\.jar' /);
  });
});
