// Streaming jobs against one real Flink version, in the session of the real-Flink suite (realFlinkSuite.ts): the Job
// panel's graph with live rates and a growing checkpoint history, a savepoint in the history, periodic savepoints
// (retired beyond keep, disposed only when asked), an upgrade to a changed job whose counter goes on, an upgrade that
// rolls back, and the bad inputs of issue 14; the running job is never lost.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import type { FlinkSession } from '../../src/core/session/FlinkSession';
import { runPeriodicSavepoints, type PeriodicSavepointRunner } from '../../src/core/session/periodicSavepoints';
import type { SavepointEntry, SavepointSchedule } from '../../src/core/session/SavepointHistoryStore';
import { StreamingJobViews } from '../../src/session/streamingJobViews';
import { buildJar } from '../fixtures/jars';
import { eventually } from '../core/session/sessionHarness';
import { cli, counts, type RealFlink } from './realFlinkHarness';

export interface StreamingContext {
  flink: () => RealFlink;
  session: () => FlinkSession;
  url: () => string;
  /** The session's store folder and name: the savepoint history and its schedules live beside it. */
  storeDir: string;
  name: string;
  work: string;
}

/** Whether the real-Flink suite runs the streaming tests in its session (FLINK_MESOS_REAL_STREAMING=1). */
export const REAL_STREAMING = process.env.FLINK_MESOS_REAL_STREAMING === '1';

const onDisk = (location: string): boolean => fs.existsSync(path.join(location.replace(/^file:/, ''), '_metadata'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function streamingJobsTests(ctx: StreamingContext): void {
  describe('streaming jobs: graph, checkpoints, savepoints, periodic savepoints, upgrade and rollback', () => {
    let client: FlinkRestClient;
    let jobId = '';
    let runner: PeriodicSavepointRunner | undefined;
    const output = (): string => path.join(ctx.work, 'streaming-upgrades');
    const target = (): string[] => ['--session', ctx.name, '--store', ctx.storeDir];
    const upgrade = (args: string[]): ReturnType<typeof cli> => cli(['upgrade', ...target(), '--json', ...args]);
    const periodic = async (id: string): Promise<SavepointEntry[]> =>
      (JSON.parse((await cli(['savepoints', ...target(), '--json', id])).stdout) as SavepointEntry[]).filter((e) => e.kind === 'periodic');
    const schedules = async (): Promise<SavepointSchedule[]> =>
      (JSON.parse((await cli(['savepoint-schedule', ...target(), '--json'])).stdout) as { schedules: SavepointSchedule[] }).schedules;
    const state = async (id: string): Promise<string> => (await client.job(id)).state;
    const streamingArgs = (): string[] => ['--output', output(), '--checkpoint-ms', '500', '--interval-ms', '20'];

    after(async () => {
      await runner?.stop();
      await client?.close();
    });

    test('the panel data: the graph with live rates and a checkpoint history that grows', async () => {
      client = new FlinkRestClient(ctx.url(), { timeoutMs: 10000 });
      const run = await cli(['run', ...target(), '-d', '--json', '-p', '2', ctx.flink().jobs.streaming, ...streamingArgs()]);
      assert.equal(run.code, 0, run.stderr);
      jobId = (JSON.parse(run.stdout) as { jobId: string }).jobId;
      const views = new StreamingJobViews();
      const graph = await eventually('live rates in the graph', async () => {
        const g = await views.graph(client, await client.job(jobId));
        return g.vertices.some((v) => (v.recordsInPerSecond ?? 0) > 0 || (v.recordsOutPerSecond ?? 0) > 0) ? g : undefined;
      }, 90000, 1000);
      assert.ok(graph.vertices.length >= 2, `${graph.vertices.length} vertices`);
      assert.ok(graph.edges.some((e) => e.shipStrategy === 'HASH'), `the keyBy edge is HASH: ${JSON.stringify(graph.edges)}`);
      const first = await eventually('a completed checkpoint', async () => {
        const c = await views.checkpoints(client, await client.job(jobId));
        return c && c.counts.completed > 0 ? c : undefined;
      }, 60000, 500);
      const later = await eventually('more checkpoints', async () => {
        const c = await views.checkpoints(client, await client.job(jobId));
        return c && c.counts.completed > first.counts.completed + 1 ? c : undefined;
      }, 60000, 500);
      assert.ok(later.latest!.id > first.latest!.id);
      assert.equal(later.retainedOnCancel, true, 'the session retains checkpoints on cancellation');
      assert.equal(later.warning, undefined);
    });

    test('a savepoint is triggered and appears in the history (flink-mesos savepoint / savepoints)', async () => {
      const r = await cli(['savepoint', ...target(), '--json', jobId]);
      assert.equal(r.code, 0, r.stderr);
      const { savepoint } = JSON.parse(r.stdout) as { savepoint: string };
      assert.ok(onDisk(savepoint), `${savepoint} on disk`);
      const list = JSON.parse((await cli(['savepoints', ...target(), '--json', jobId])).stdout) as { path: string; kind: string }[];
      assert.deepEqual(list.map((e) => [e.kind, e.path]), [['savepoint', savepoint]]);
      assert.equal(await state(jobId), 'RUNNING');
    });

    test('periodic savepoints: taken by the driving process, retired beyond keep without deletion, disposed by Flink only with --dispose-old', async () => {
      // This test process drives the session, as the editor or a foreground flink-mesos session start would.
      runner = runPeriodicSavepoints(ctx.session(), ctx.storeDir, undefined, { checkMs: 500 });
      const set = await cli(['savepoint-schedule', ...target(), '--json', jobId, '--interval', '2s', '--keep', '2']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal((JSON.parse(set.stdout) as { driven: boolean }).driven, true, 'the session has a driving process');
      const four = await eventually('4 periodic savepoints', async () => { const p = await periodic(jobId); return p.length >= 4 ? p : undefined; }, 90000, 500);
      assert.deepEqual(four.slice(0, 2).map((e) => e.retiredAt === undefined), [true, true], 'the newest two are kept');
      assert.ok(four.slice(2).every((e) => e.retiredAt !== undefined && e.disposedAt === undefined), 'older ones retired, not disposed');
      assert.ok(four.every((e) => onDisk(e.path)), 'every periodic savepoint is still on disk');
      const dispose = await cli(['savepoint-schedule', ...target(), '--json', jobId, '--interval', '2s', '--keep', '1', '--dispose-old']);
      assert.equal(dispose.code, 0, dispose.stderr);
      const disposed = await eventually('the retired ones disposed by Flink', async () => {
        const p = await periodic(jobId);
        return p.length >= 5 && p.slice(1).every((e) => e.disposedAt !== undefined) ? p : undefined;
      }, 90000, 500);
      assert.ok(onDisk(disposed[0].path), 'the newest stays');
      for (const e of disposed.slice(1)) assert.ok(!onDisk(e.path), `${e.path} is gone from disk`);
      const cleared = await cli(['savepoint-schedule', ...target(), '--json', jobId, '--clear']);
      assert.equal(cleared.code, 0, cleared.stderr);
      await sleep(3000); // one that was being taken completes
      const n = (await periodic(jobId)).length;
      await sleep(3000);
      assert.equal((await periodic(jobId)).length, n, 'no more after --clear');
      assert.equal(await state(jobId), 'RUNNING');
    });

    test('an upgrade to a changed job (StreamingCounterV2, same operator uids) restores state: the counter goes on in v2 lines', async () => {
      // A schedule goes with the job through the upgrade.
      assert.equal((await cli(['savepoint-schedule', ...target(), jobId, '--interval', '1h'])).code, 0);
      await sleep(1000);
      const linesBefore = new Map([...counts(output())].map(([k, c]) => [k, c.length]));
      const r = await upgrade(['--stable-seconds', '5', jobId, ctx.flink().jobs.streamingV2, ...streamingArgs(), '--name', 'StreamingCounter v2']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const result = JSON.parse(r.stdout) as { outcome: string; runningJobId: string; statePath: string };
      assert.equal(result.outcome, 'upgraded');
      assert.equal((await client.job(result.runningJobId)).name, 'StreamingCounter v2');
      await eventually('v2 counts', async () => [...counts(output()).entries()].every(([k, c]) => c.length > (linesBefore.get(k) ?? 0) + 2), 60000, 500);
      for (const key of counts(output()).keys()) {
        const lines = fs.readFileSync(path.join(output(), `count-${key}.log`), 'utf8').trim().split('\n');
        const at = lines.findIndex((l) => l.endsWith(' v2'));
        assert.ok(at > 0, `key ${key} has v1 lines, then v2 lines`);
        const last = Number(lines[at - 1].split(' ')[1]);
        const firstV2 = Number(lines[at].split(' ')[1]);
        // Going on from the savepoint, not from 1 (Flink 1.13's legacy source may hand on a tick after the barrier).
        assert.ok(firstV2 > 1 && firstV2 >= last - 2 && firstV2 <= last + 3, `key ${key}: first v2 count ${firstV2} after v1's last ${last}`);
      }
      const lines = fs.readFileSync(path.join(output(), 'count-0.log'), 'utf8').trim().split('\n');
      assert.match(lines[lines.length - 1], /^0 \d+ v2$/, 'the new code writes the lines now');
      assert.deepEqual((await schedules()).map((s) => s.jobId), [result.runningJobId], 'the schedule moved to the new job');
      jobId = result.runningJobId;
    });

    test('an upgrade to a jar that fails rolls back: the v2 job runs again from the savepoint (exit 6)', async () => {
      const before = new Map([...counts(output())].map(([k, c]) => [k, c.length]));
      const r = await upgrade(['--stable-seconds', '5', '--allow-non-restored-state', jobId, ctx.flink().jobs.failing, '--at', '5']);
      assert.equal(r.code, 6, `${r.stdout}\n${r.stderr}`);
      const result = JSON.parse(r.stdout) as { outcome: string; runningJobId: string; reason: string };
      assert.equal(result.outcome, 'rolledBack');
      assert.equal(await state(result.runningJobId), 'RUNNING');
      assert.equal((await client.job(result.runningJobId)).name, 'StreamingCounter v2', 'the previous jar with its previous arguments');
      await eventually('counting again', async () => [...counts(output()).entries()].every(([k, c]) => c.length > (before.get(k) ?? 0) + 2), 60000, 500);
      for (const [key, c] of counts(output())) {
        const fresh = c.slice(before.get(key) ?? 0);
        assert.ok(!fresh.includes(1), `key ${key} continues from the savepoint after the rollback`);
      }
      jobId = result.runningJobId;
    });

    test('bad inputs: an unwritable savepoint folder, a finished job, a path without a savepoint, a jar without an entry class; the job keeps running', async (t) => {
      const blocked = path.join(ctx.work, 'blocked');
      fs.writeFileSync(blocked, 'a file, not a folder');
      const sp = await cli(['savepoint', ...target(), '--json', jobId, `file://${blocked}/sp`]);
      assert.equal(sp.code, 1, sp.stderr);
      t.diagnostic(`unwritable folder: ${sp.stderr.trim()}`);
      assert.match(sp.stderr, new RegExp(`The savepoint of job [0-9a-f]{32} into file://${blocked}/sp failed: .*\\(cause: .*\\w+(Exception|Error): .*\\n.*savepoint directory .* writable`));
      assert.equal(await state(jobId), 'RUNNING');

      const finished = (await client.jobsOverview()).find((j) => j.state === 'FINISHED');
      assert.ok(finished, 'the suite left a finished job');
      const up = await upgrade([finished.jid, ctx.flink().jobs.streamingV2, ...streamingArgs()]);
      assert.equal(up.code, 2, up.stderr);
      t.diagnostic(`finished job: ${up.stderr.trim()}`);
      assert.match(up.stderr, /is FINISHED, not RUNNING: there is nothing to upgrade\. Start the new jar on its own \(flink-mesos run -s SAVEPOINT/);

      const noEntry = await buildJar(path.join(ctx.work, 'no-entry.jar'), { classes: ['flinkmesos.testjobs.Nothing'] });
      const ne = await upgrade([jobId, noEntry]);
      assert.equal(ne.code, 2, ne.stderr);
      t.diagnostic(`no entry class: ${ne.stderr.trim().split('\n')[0]}`);
      assert.match(ne.stderr, /no entry class|Main-Class|program-class/i);
      assert.equal(await state(jobId), 'RUNNING', 'the job was never stopped');

      assert.equal((await cli(['savepoint-schedule', ...target(), jobId, '--clear'])).code, 0);
      await client.cancelJob(jobId);
      await eventually('CANCELED', async () => (await state(jobId)) === 'CANCELED', 60000, 300);

      // Last, once the slots are free again (the suite's session may be down to one TaskManager by now).
      const empty = fs.mkdtempSync(path.join(ctx.work, 'no-savepoint-'));
      const restore = await cli(['run', ...target(), '-d', '-p', '2', '-s', empty, ctx.flink().jobs.streaming, '--output', path.join(ctx.work, 'other')]);
      assert.equal(restore.code, 1, restore.stderr);
      t.diagnostic(`no savepoint at the path: ${restore.stderr.trim()}`);
      assert.match(restore.stderr, new RegExp(`${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*(no savepoint|_metadata)`, 's'));
      assert.match(restore.stderr, /flink-mesos savepoints/, 'says where the savepoints are listed');
      const live = (await client.jobsOverview()).filter((j) => !['FAILED', 'CANCELED', 'FINISHED'].includes(j.state));
      assert.deepEqual(live, [], 'no job left running or waiting from it');
    });
  });
}
