// Maintenance with real Apache Flink 2.3.0 on the stand-in Mesos: while the streaming test job runs, the operator
// schedules a window for the machine of one TaskManager's agent. Before the window starts a replacement runs on another
// agent and is registered in Flink, the old TaskManager is gone (killed by the session, not a failure), and the job is
// RUNNING again with its counter going on from its checkpoint (no key starts over).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import type { FlinkSession } from '../../src/core/session/FlinkSession';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { eventually, flinkGet, liveTasks, tempDir } from '../core/session/sessionHarness';
import { cli, counts, newRealSession, realFlink, startRealCluster, type RealFlink } from './realFlinkHarness';

const VERSION = '2.3.0';

describe(`maintenance with real Flink ${VERSION}`, { timeout: 240000 }, () => {
  let flink: RealFlink;
  let cluster: MesosCluster;
  let session: FlinkSession | undefined;
  let client: FlinkRestClient | undefined;
  const work = tempDir(`real-flink-maintenance-${VERSION}-`);

  before(async () => {
    flink = realFlink(VERSION);
    cluster = await startRealCluster(flink);
  });
  after(async () => {
    await client?.close();
    await session?.stop().catch(() => undefined);
    await cluster?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a window for a TaskManager\'s machine while the streaming job runs: replaced and registered first, the old one gone, the job counts on', async (t) => {
    const started = Date.now();
    const s = await newRealSession(cluster, path.join(work, 'store'), {
      name: 'maint', taskManagers: 2, slotsPerTaskManager: 1,
      dynamicProperties: [
        'heartbeat.timeout=20000',
        `execution.checkpointing.dir=file://${path.join(work, 'checkpoints')}`,
        'restart-strategy.type=fixed-delay', 'restart-strategy.fixed-delay.attempts=100', 'restart-strategy.fixed-delay.delay=1s',
      ],
    });
    session = s;
    const warnings: string[] = [];
    s.on('warning', (w) => warnings.push(w));
    await s.start();
    const snap = await s.waitFor((x) => x.phase === 'running' && x.progress.registered === 2, 120000, 'running with 2 TaskManagers');
    const url = snap.jobManagerUrl!;
    client = new FlinkRestClient(url, { timeoutMs: 10000 });
    const output = path.join(work, 'counts');
    const run = await cli(['run', '--session', 'maint', '--store', path.join(work, 'store'), '-d', '--json', '-p', '2', flink.jobs.streaming,
      '--output', output, '--checkpoint-ms', '500', '--interval-ms', '20']);
    assert.equal(run.code, 0, run.stderr);
    const jobId = (JSON.parse(run.stdout) as { jobId: string }).jobId;
    await eventually('a completed checkpoint', async () => {
      const c = await flinkGet<{ counts: { completed: number } }>(url, `/jobs/${jobId}/checkpoints`);
      return c.counts.completed > 0;
    }, 60000, 500);

    const victim = snap.taskManagers.find((x) => x.agentId !== snap.jobManager?.agentId) ?? snap.taskManagers[0];
    assert.notEqual(victim.agentId, snap.jobManager?.agentId, 'a TaskManager away from the JobManager');
    const agent = cluster.agents.find((a) => a.id === victim.agentId)!;
    const before = new Map([...counts(output)].map(([k, c]) => [k, c.length]));

    // Flink must list at least the 2 TaskManagers asked for at every task update during the move.
    const fewest: number[] = [];
    s.on('task', () => { void flinkGet<{ taskmanagers: unknown[] }>(url, '/taskmanagers').then((r) => fewest.push(r.taskmanagers.length), () => undefined); });

    const start = Date.now() + 45000;
    await cluster.operator({
      type: 'UPDATE_MAINTENANCE_SCHEDULE',
      update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: agent.hostname, ip: agent.ip }], unavailability: { start: { nanoseconds: start * 1e6 }, duration: { nanoseconds: 60e9 } } }] } },
    });
    const moved = await s.waitFor((x) => x.taskManagers.length === 2 && x.taskManagers.every((tm) => tm.agentId !== agent.id && tm.state === 'TASK_RUNNING'), 40000, 'moved off the agent');
    assert.ok(Date.now() < start, 'moved before the window starts');
    const replacement = moved.taskManagers.find((x) => x.replacing === victim.taskId);
    assert.ok(replacement, JSON.stringify(moved.taskManagers));
    await eventually('the old task gone from Mesos', async () => !(await liveTasks(cluster, s.frameworkId)).some((x) => x.task_id.value === victim.taskId), 20000, 300);
    const listed = (await flinkGet<{ taskmanagers: { id: string }[] }>(url, '/taskmanagers')).taskmanagers.map((x) => x.id);
    assert.ok(listed.includes(replacement.taskId), `the replacement is registered in Flink: ${listed.join(', ')}`);
    assert.ok(!warnings.some((w) => /ended: TASK_KILLED/.test(w)), 'the kill is no failure');

    // The job: RUNNING again on the remaining slots, every key counting on from its checkpoint.
    await eventually('RUNNING after the move', async () => (await client!.job(jobId)).state === 'RUNNING', 60000, 500);
    await eventually('counting on', async () => [...counts(output)].every(([k, c]) => c.length > (before.get(k) ?? 0) + 20), 60000, 500);
    for (const [key, c] of counts(output)) {
      assert.ok(!c.slice(before.get(key) ?? 0).includes(1), `key ${key} goes on, it does not start over`);
    }
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    assert.ok(fewest.length > 0 && Math.min(...fewest) >= 2, `Flink listed at least 2 TaskManagers at every update: ${fewest.join(', ')}`);
    t.diagnostic(`replacement running ${Math.round((replacement.updatedAt - started) / 1000)} s after the test began; test ${Math.round((Date.now() - started) / 1000)} s`);
    await client.cancelJob(jobId);
  });
});
