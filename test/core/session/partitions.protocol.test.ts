// Partition-aware task states at the protocol level (RecordingScheduler plays the master): TASK_GONE,
// TASK_GONE_BY_OPERATOR and TASK_DROPPED end a TaskManager and it is replaced; TASK_UNKNOWN (the master knows nothing of
// the task) too, with a KILL in case it still runs; TASK_UNREACHABLE is not an end. And the stand-in's partition answers
// against the recorded Mesos 1.12 master.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import type { TaskState } from '../../../src/core/mesos/types';
import { RecordingScheduler, until } from './recordingScheduler';
import { offer } from './offers';
import { startCluster, newSession, tempDir } from './sessionHarness';
import { repoRoot } from '../../repoRoot';

const open: FlinkSession[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.stop().catch(() => undefined); });

const flink: FlinkClusterApi = { overview: async () => ({ taskmanagers: 0, 'slots-total': 0, 'slots-available': 0 }), taskManagers: async () => [] };

async function running(): Promise<{ s: FlinkSession; m: RecordingScheduler }> {
  const m = new RecordingScheduler();
  const s = await FlinkSession.create(validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'pa', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, user: 'flink',
  }), {
    store: new MemorySessionStore(), timings: { tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100, reconcileInitialMs: 20 },
    createScheduler: () => m as unknown as SchedulerApi, createFlinkApi: () => flink, createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  m.subscribe();
  m.offers([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
  await until('the launch', () => m.launched().length === 3);
  for (const t of m.launched()) m.update(t.task_id.value, 'TASK_RUNNING', { agentId: t.agent_id.value });
  await until('running tasks', () => s.snapshot().taskManagers.every((t) => t.state === 'TASK_RUNNING'));
  return { s, m };
}

describe('partition-aware task states', () => {
  for (const state of ['TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_DROPPED', 'TASK_UNKNOWN'] as TaskState[]) {
    test(`${state} ends the TaskManager and a replacement is asked for${state === 'TASK_UNKNOWN' ? ', with a KILL in case it still runs' : ''}`, async () => {
      const { s, m } = await running();
      const revives = m.of('REVIVE').length;
      const tm = 'taskmanager-pa-00002';
      m.update(tm, state, { agentId: 'a2', uuid: false });
      await until('the replacement asked for', () => m.of('REVIVE').length > revives);
      assert.ok(!s.snapshot().taskManagers.some((t) => t.taskId === tm), 'gone from the session');
      assert.equal(m.of('KILL').some((k) => k.taskId === tm), state === 'TASK_UNKNOWN');
      m.offers([offer({ agent: 'a3' })]);
      await until('the replacement launched', () => m.launched().some((t) => t.task_id.value === 'taskmanager-pa-00003'));
    });
  }

  test('TASK_UNREACHABLE is not an end: nothing is replaced within the grace period', async () => {
    const { s, m } = await running();
    const revives = m.of('REVIVE').length;
    m.update('taskmanager-pa-00002', 'TASK_UNREACHABLE', { agentId: 'a2', uuid: false, reason: 'REASON_AGENT_REMOVED', message: 'health check timed out' });
    await until('unreachable', () => s.snapshot().taskManagers.some((t) => t.state === 'TASK_UNREACHABLE'));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(m.of('REVIVE').length, revives);
    assert.equal(s.snapshot().progress.launched, 2);
    assert.ok(typeof s.snapshot().taskManagers.find((t) => t.taskId === 'taskmanager-pa-00002')?.unreachableSince === 'number');
  });
});

describe('the stand-in\'s partition answers match the recorded Mesos 1.12 master', () => {
  // A copy of /work/shared/data's recording, kept beside the stand-in (as mesos-1.12-master-answers.json is).
  const recorded = path.join(repoRoot(), 'test/standin/mesos/mesos-1.12-partition-maintenance-answers.json');
  test('TASK_UNREACHABLE then, after re-registration, TASK_RUNNING: the same fields, message, source and reason', async () => {
    const probes = JSON.parse(fs.readFileSync(recorded, 'utf8')) as { probe: string; events?: { type: string; verbatim?: { update?: { status: Record<string, unknown> } } }[] }[];
    const statusOf = (prefix: string): Record<string, unknown> => probes.find((p) => p.probe.startsWith(prefix))?.events?.find((e) => e.type === 'UPDATE')?.verbatim?.update?.status as Record<string, unknown>;
    const recordedUnreachable = statusOf('P1.05');
    const recordedBack = statusOf('P1.18');
    const cluster = await startCluster({ agents: 2, agentPingTimeoutMs: 300 });
    const dir = tempDir('flink-session-store-');
    try {
      const session = await newSession(cluster, dir, { name: 'rec', taskManagers: 1, unreachableGraceSeconds: 60 });
      open.push(session);
      const statuses: Record<string, unknown>[] = [];
      const seen = (s: { state: string }): void => { statuses.push(s as unknown as Record<string, unknown>); };
      await session.start();
      const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
      const tm = snap.taskManagers[0];
      // The raw updates, as the scheduler client received them.
      const client = (session as unknown as { scheduler: { on(e: 'update', f: (s: { state: string }) => void): void } }).scheduler;
      client.on('update', seen);
      cluster.faults.partitionAgent(tm.agentId);
      await session.waitFor((s) => s.taskManagers[0]?.state === 'TASK_UNREACHABLE', 10000, 'unreachable');
      cluster.faults.healAgent(tm.agentId);
      await session.waitFor((s) => s.taskManagers[0]?.state === 'TASK_RUNNING', 10000, 'back');
      const unreachable = statuses.find((s) => s.state === 'TASK_UNREACHABLE') as Record<string, unknown>;
      const back = statuses.find((s) => s.state === 'TASK_RUNNING' && s.reason === 'REASON_AGENT_REREGISTERED') as Record<string, unknown>;
      for (const [ours, theirs] of [[unreachable, recordedUnreachable], [back, recordedBack]]) {
        assert.deepEqual(Object.keys(ours).filter((k) => k !== 'container_status').sort(), Object.keys(theirs).filter((k) => k !== 'container_status').sort());
        for (const k of ['state', 'message', 'source', 'reason']) assert.equal(ours[k], theirs[k], k);
        assert.equal(ours.uuid, undefined, 'master-generated: no uuid');
      }
      await session.stop();
    } finally {
      await cluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
