// The task options end to end on the stand-ins (real processes, the stand-in fetcher and shell): fetcher URIs,
// environment, bootstrap command, port assignments, several roles; and the bad inputs that must launch nothing:
// GPUs no agent has, an unknown role. Containers are protocol-tested only (taskOptions.protocol.test.ts).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { request } from 'undici';
import type { MesosCluster } from '../../standin/mesos/MesosCluster';
import type { FlinkSession, TaskRecord } from '../../../src/core/session/FlinkSession';
import { startCluster, tempDir, newSession, liveTasks } from './sessionHarness';

/** A file of a task's sandbox, read through its agent's /files/read as the product reads logs. */
async function sandboxFile(task: TaskRecord, frameworkId: string, file: string): Promise<string> {
  const p = `/frameworks/${frameworkId}/executors/${task.taskId}/runs/latest/${file}`;
  const res = await request(`${task.agentUrl}/files/read?path=${encodeURIComponent(p)}&offset=0&length=65536`, { signal: AbortSignal.timeout(5000) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${p}: ${res.statusCode}`);
  return (JSON.parse(text) as { data: string }).data;
}

describe('task options on the stand-ins', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  const dirs: string[] = [];
  const sessions: FlinkSession[] = [];
  const store = (): string => { const d = tempDir('flink-session-store-'); dirs.push(d); return d; };

  before(async () => { cluster = await startCluster({ agents: 2 }); });
  after(async () => {
    for (const s of sessions) await s.stop().catch(() => undefined);
    await cluster.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('every task fetches the extra file (executable), gets the variables, runs the bootstrap command first; assigned ports come from the offer', async () => {
    const dir = store();
    const script = path.join(dir, 'greet.sh');
    fs.writeFileSync(script, '#!/bin/sh\necho "greeting $GREETING from $MESOS_TASK_ID"\n');
    const session = await newSession(cluster, dir, {
      name: 'opts1', taskManagers: 2, uris: [`${script},executable,no-extract`], environment: ['GREETING=hello world'],
      bootstrapCommand: '"$MESOS_SANDBOX/greet.sh" > "$MESOS_SANDBOX/bootstrap.txt" && test -n "$FLINK_HOME"',
      portAssignments: ['metrics.reporter.prom.port'],
    });
    sessions.push(session);
    await session.start();
    const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    const tasks = [snap.jobManager!, ...snap.taskManagers];
    assert.equal(tasks.length, 3);
    const live = await liveTasks(cluster, session.frameworkId);
    for (const t of tasks) {
      assert.equal(await sandboxFile(t, session.frameworkId!, 'bootstrap.txt'), `greeting hello world from ${t.taskId}\n`);
      const port = t.ports['metrics.reporter.prom.port'];
      const ranges = live.find((l) => l.task_id.value === t.taskId)?.resources.filter((r) => r.name === 'ports').flatMap((r) => r.ranges?.range ?? []) ?? [];
      assert.ok(ranges.some((r) => r.begin <= port && port <= r.end), `${t.taskId}: the master lists the assigned port ${port} among its ports ${JSON.stringify(ranges)}`);
    }
    await session.stop();
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('a bootstrap command that fails: Flink does not start, the task fails with its status, the session ends with nothing left', async () => {
    const session = await newSession(cluster, store(), { name: 'opts2', taskManagers: 1, bootstrapCommand: 'echo preparing; exit 7' });
    sessions.push(session);
    const jobManager: TaskRecord[] = [];
    session.on('task', (t) => { if (t.kind === 'jobmanager') jobManager.push(t); });
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.match(session.snapshot().reason ?? '', /The JobManager task ended: TASK_FAILED/);
    const failed = jobManager.find((t) => t.state === 'TASK_FAILED') as TaskRecord;
    assert.match(await sandboxFile(failed, session.frameworkId!, 'stderr'), /flink-mesos: the bootstrap command failed with exit status 7/);
    assert.doesNotMatch(await sandboxFile(failed, session.frameworkId!, 'stdout'), /Starting|StandaloneSessionClusterEntrypoint/, 'Flink never started');
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('more GPUs than any agent has: no TaskManager is launched, the diagnosis names GPUs, the session gives up with nothing left', async () => {
    const session = await newSession(cluster, store(), { name: 'opts3', taskManagers: 1, taskManagerGpus: 2, fitTimeoutSeconds: 2 });
    sessions.push(session);
    const diagnoses: string[] = [];
    const launched: string[] = [];
    session.on('diagnosis', (d) => diagnoses.push(d));
    session.on('task', (t) => launched.push(t.taskId));
    await session.start();
    await session.whenEnded();
    assert.equal(session.phase, 'failed');
    assert.ok(!launched.some((id) => id.startsWith('taskmanager-')), `no TaskManager: ${launched.join(', ')}`);
    assert.match(diagnoses[0], /2 GPUs and 2 ports per TaskManager/);
    assert.match(diagnoses[0], /No agent offers 2 GPUs: lower --task-manager-gpus/);
    assert.match(session.snapshot().reason ?? '', /Gave up after 2 s .*GPUs/);
    assert.equal((await liveTasks(cluster, session.frameworkId)).length, 0);
  });

  test('several roles: the session runs on offers of both, each task\'s resources carry one role\'s allocation info', async () => {
    const session = await newSession(cluster, store(), { name: 'opts4', taskManagers: 2, roles: ['dev', 'ops'] });
    sessions.push(session);
    await session.start();
    await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    const answer = await cluster.operator<{ get_tasks: { tasks?: { task_id: { value: string }; framework_id: { value: string }; resources: { allocation_info?: { role?: string } }[] }[] } }>({ type: 'GET_TASKS' });
    const ours = (answer.get_tasks.tasks ?? []).filter((t) => t.framework_id.value === session.frameworkId);
    assert.equal(ours.length, 3);
    for (const t of ours) {
      const roles = new Set(t.resources.map((r) => r.allocation_info?.role));
      assert.equal(roles.size, 1, `${t.task_id.value}: ${[...roles].join(',')}`);
      assert.ok(['dev', 'ops'].includes([...roles][0] as string));
    }
    await session.stop();
  });

  test('an unknown role (not in the master\'s --roles): a clear error, nothing launched', async () => {
    const strict = await startCluster({ agents: 1, roleWhitelist: ['flink'] });
    try {
      const session = await newSession(strict, store(), { name: 'opts5', taskManagers: 1, role: 'analytics' });
      const launched: string[] = [];
      session.on('task', (t) => launched.push(t.taskId));
      await session.start();
      await session.whenEnded();
      assert.equal(session.phase, 'failed');
      assert.match(session.snapshot().reason ?? '', /The master refused the framework's role \(ERROR "Roles \{ analytics \} are not present in master's --roles"\)/);
      assert.match(session.snapshot().reason ?? '', /Use a role the master allows/);
      assert.deepEqual(launched, []);
      const tasks = await strict.operator<{ get_tasks: { tasks?: unknown[] } }>({ type: 'GET_TASKS' });
      assert.equal((tasks.get_tasks.tasks ?? []).length, 0);
    } finally {
      await strict.stop();
    }
  });
});
