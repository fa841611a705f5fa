// Network partitions end to end on the stand-ins (the stand-in master marks a cut-off agent unreachable after its ping
// timeout and re-registers it when it heals, as the recorded Mesos 1.12 master does): a TaskManager cut off and back
// within the grace period is not replaced; after it, it is replaced and the surplus is killed when it comes back; never
// more TaskManagers than asked, checked through GET_TASKS on every update the session receives.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import type { MesosCluster } from '../../standin/mesos/MesosCluster';
import type { FlinkSession } from '../../../src/core/session/FlinkSession';
import { startCluster, tempDir, newSession, eventually } from './sessionHarness';

interface OperatorTask { task_id: { value: string }; framework_id: { value: string }; state: string }
const ENDED = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);

describe('partitions on the stand-ins', { timeout: 180000 }, () => {
  let cluster: MesosCluster;
  const dirs: string[] = [];
  const sessions: FlinkSession[] = [];
  const store = (): string => { const d = tempDir('flink-session-store-'); dirs.push(d); return d; };

  before(async () => { cluster = await startCluster({ agents: 3, agentPingTimeoutMs: 600 }); });
  after(async () => {
    for (const s of sessions) await s.stop().catch(() => undefined);
    await cluster.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** On every task update: the reachable TaskManagers the master lists that the session has not asked to kill, at most `wanted`. */
  function watchCount(session: FlinkSession, wanted: number): { checks: Promise<string | undefined>[] } {
    const out = { checks: [] as Promise<string | undefined>[] };
    session.on('task', () => {
      out.checks.push((async () => {
        const answer = await cluster.operator<{ get_tasks: { tasks?: OperatorTask[] } }>({ type: 'GET_TASKS' });
        const dropped = new Set(session.snapshot().taskManagers.filter((t) => t.killRequested).map((t) => t.taskId));
        const live = (answer.get_tasks.tasks ?? []).filter((t) => t.framework_id.value === session.frameworkId && t.task_id.value.startsWith('taskmanager-')
          && !ENDED.has(t.state) && !dropped.has(t.task_id.value));
        return live.length > wanted ? `${live.length} TaskManagers reachable: ${live.map((t) => `${t.task_id.value} ${t.state}`).join(', ')}` : undefined;
      })());
    });
    return out;
  }

  async function runningSession(name: string, graceSeconds: number): Promise<{ session: FlinkSession; warnings: string[]; count: { checks: Promise<string | undefined>[] }; victim: string; victimAgent: string }> {
    const session = await newSession(cluster, store(), { name, taskManagers: 2, unreachableGraceSeconds: graceSeconds });
    sessions.push(session);
    const warnings: string[] = [];
    session.on('warning', (w) => warnings.push(w));
    const count = watchCount(session, 2);
    await session.start();
    const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    // A TaskManager on another agent than the JobManager's.
    const tm = snap.taskManagers.find((t) => t.agentId !== snap.jobManager?.agentId);
    assert.ok(tm, `a TaskManager away from the JobManager: ${JSON.stringify(snap.taskManagers.map((t) => t.agentId))}`);
    return { session, warnings, count, victim: tm.taskId, victimAgent: tm.agentId };
  }

  test('cut off and back within the grace period: TASK_UNREACHABLE, then RUNNING again; nothing replaced', async () => {
    const { session, warnings, count, victim, victimAgent } = await runningSession('part1', 30);
    const before = session.snapshot().taskManagers.map((t) => t.taskId).sort();
    cluster.faults.partitionAgent(victimAgent);
    await session.waitFor((s) => s.taskManagers.some((t) => t.taskId === victim && t.state === 'TASK_UNREACHABLE'), 10000, 'unreachable');
    const answer = await cluster.operator<{ get_tasks: { unreachable_tasks?: OperatorTask[] } }>({ type: 'GET_TASKS' });
    assert.ok((answer.get_tasks.unreachable_tasks ?? []).some((t) => t.task_id.value === victim), 'the master lists it under unreachable_tasks');
    assert.ok(warnings.some((w) => w.includes(`TaskManager ${victim}`) && /is unreachable .*replaced if it stays so for 30 s/.test(w)), warnings.join('\n'));
    cluster.faults.healAgent(victimAgent);
    await session.waitFor((s) => s.taskManagers.some((t) => t.taskId === victim && t.state === 'TASK_RUNNING'), 10000, 'reachable again');
    assert.deepEqual(session.snapshot().taskManagers.map((t) => t.taskId).sort(), before, 'the same TaskManagers, none added');
    assert.ok(warnings.some((w) => /is reachable again; nothing was replaced/.test(w)), warnings.join('\n'));
    for (const problem of await Promise.all(count.checks)) assert.equal(problem, undefined);
    assert.ok(count.checks.length >= 2, `checked on ${count.checks.length} updates`);
    await session.stop();
  });

  test('cut off longer than the grace period: a replacement runs; the old one is killed when it comes back; never more than asked', async () => {
    const { session, warnings, count, victim, victimAgent } = await runningSession('part2', 1.5);
    cluster.faults.partitionAgent(victimAgent);
    const replaced = await session.waitFor((s) => s.phase === 'running' && s.taskManagers.filter((t) => !t.killRequested && t.state === 'TASK_RUNNING' && t.taskId !== victim).length === 2,
      30000, 'a replacement running and registered');
    assert.ok(warnings.some((w) => w.includes(`TaskManager ${victim}`) && /longer than the grace period of 1.5 s/.test(w)), warnings.join('\n'));
    assert.equal(replaced.taskManagers.find((t) => t.taskId === victim)?.replaced, true);
    cluster.faults.healAgent(victimAgent);
    await eventually('the surplus killed', async () => {
      const answer = await cluster.operator<{ get_tasks: { tasks?: OperatorTask[]; completed_tasks?: OperatorTask[] } }>({ type: 'GET_TASKS' });
      return (answer.get_tasks.completed_tasks ?? []).some((t) => t.task_id.value === victim && t.state === 'TASK_KILLED');
    }, 20000);
    assert.ok(warnings.some((w) => w.includes(`TaskManager ${victim}`) && /reachable again after its replacement: killing it/.test(w)), warnings.join('\n'));
    await session.waitFor((s) => !s.taskManagers.some((t) => t.taskId === victim), 10000, 'the old one gone from the session');
    assert.equal(session.snapshot().taskManagers.length, 2);
    for (const problem of await Promise.all(count.checks)) assert.equal(problem, undefined);
    await session.stop();
  });
});
