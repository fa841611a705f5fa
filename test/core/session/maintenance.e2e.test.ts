// Maintenance end to end on the stand-ins: the operator schedules a window for the machine of one TaskManager's agent
// (UPDATE_MAINTENANCE_SCHEDULE on the stand-in master, which then sends inverse offers as a Mesos 1.12 master does).
// Before the window starts, a replacement runs elsewhere and is registered in Flink, the old one is gone and the
// inverse offer is accepted; Flink never lists fewer TaskManagers than asked and Mesos never runs more than one extra
// (checked on every task update); the machine then goes DOWN without touching the session.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import type { MesosCluster } from '../../standin/mesos/MesosCluster';
import type { FlinkSession } from '../../../src/core/session/FlinkSession';
import { startCluster, tempDir, newSession, eventually, flinkGet, liveTasks } from './sessionHarness';

describe('maintenance on the stand-ins', { timeout: 120000 }, () => {
  let cluster: MesosCluster;
  const dirs: string[] = [];
  const sessions: FlinkSession[] = [];

  before(async () => { cluster = await startCluster({ agents: 3 }); });
  after(async () => {
    for (const s of sessions) await s.stop().catch(() => undefined);
    await cluster.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('a window for a TaskManager\'s machine: replaced and registered before it starts, then the old one killed; ACCEPT; DOWN changes nothing', async () => {
    const dir = tempDir('flink-session-store-');
    dirs.push(dir);
    const session = await newSession(cluster, dir, { name: 'maint', taskManagers: 2 });
    sessions.push(session);
    const warnings: string[] = [];
    session.on('warning', (w) => warnings.push(w));
    await session.start();
    const snap = await session.waitFor((s) => s.phase === 'running', 60000, 'running');
    const victim = snap.taskManagers.find((t) => t.agentId !== snap.jobManager?.agentId);
    assert.ok(victim, `a TaskManager away from the JobManager: ${JSON.stringify(snap.taskManagers.map((t) => t.agentId))}`);
    const agent = cluster.agents.find((a) => a.id === victim.agentId)!;

    // On every task update: Flink lists at least 2 of ours, Mesos runs at most 3 TaskManagers of ours.
    const problems: Promise<string | undefined>[] = [];
    session.on('task', () => {
      problems.push((async () => {
        const [tms, live] = await Promise.all([
          flinkGet<{ taskmanagers: { id: string }[] }>(session.jobManagerUrl!, '/taskmanagers'), liveTasks(cluster, session.frameworkId),
        ]);
        const running = live.filter((t) => t.task_id.value.startsWith('taskmanager-'));
        if (tms.taskmanagers.length < 2) return `Flink listed ${tms.taskmanagers.length} TaskManagers`;
        if (running.length > 3) return `${running.length} TaskManagers live on Mesos: ${running.map((t) => t.task_id.value).join(', ')}`;
        return undefined;
      })().catch((err: Error) => `check failed: ${err.message}`));
    });

    const start = Date.now() + 30000;
    await cluster.operator({
      type: 'UPDATE_MAINTENANCE_SCHEDULE',
      update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: agent.hostname, ip: agent.ip }], unavailability: { start: { nanoseconds: start * 1e6 }, duration: { nanoseconds: 60e9 } } }] } },
    });
    const moved = await session.waitFor((s) => s.phase === 'running' && s.taskManagers.length === 2 && s.taskManagers.every((t) => t.agentId !== agent.id && t.state === 'TASK_RUNNING'), 25000, 'moved');
    const replacement = moved.taskManagers.find((t) => t.replacing === victim.taskId);
    assert.ok(replacement, `the replacement names what it replaced: ${JSON.stringify(moved.taskManagers)}`);
    const registered = await flinkGet<{ taskmanagers: { id: string }[] }>(session.jobManagerUrl!, '/taskmanagers');
    assert.ok(registered.taskmanagers.some((t) => t.id === replacement.taskId), 'the replacement is registered in Flink');
    await eventually('the old task ended on Mesos', async () => !(await liveTasks(cluster, session.frameworkId)).some((t) => t.task_id.value === victim.taskId), 10000);
    const status = await eventually('accepted', async () => {
      const s = await cluster.operator<{ get_maintenance_status: { status: { draining_machines?: { statuses?: { status: string; framework_id: { value: string } }[] }[] } } }>({ type: 'GET_MAINTENANCE_STATUS' });
      const answer = s.get_maintenance_status.status.draining_machines?.[0]?.statuses?.find((x) => x.framework_id.value === session.frameworkId);
      return answer?.status === 'ACCEPT' ? answer : undefined;
    }, 10000);
    assert.equal(status.status, 'ACCEPT');
    assert.ok(Date.now() < start, 'all of it before the window starts');
    assert.ok(warnings.some((w) => w.includes(`in place of ${victim.taskId}`)), warnings.join('\n'));
    assert.ok(!warnings.some((w) => /ended: TASK_KILLED/.test(w)), 'the kill is no failure');
    assert.deepEqual(session.snapshot().agentsUnderMaintenance.map((a) => [a.agentId, a.from, a.answer]), [[agent.id, start, 'accepted']]);

    // Machine DOWN: nothing of ours was there any more.
    await cluster.operator({ type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: agent.hostname, ip: agent.ip }] } });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(session.snapshot().taskManagers.length, 2);
    assert.ok(session.snapshot().taskManagers.every((t) => t.state === 'TASK_RUNNING'));
    assert.equal(session.snapshot().phase, 'running');
    await cluster.operator({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: agent.hostname, ip: agent.ip }] } });
    const found = (await Promise.all(problems)).filter((p): p is string => p !== undefined);
    assert.deepEqual(found, []);
    assert.ok(problems.length >= 3, `checked on ${problems.length} updates`);
    await session.stop();
  });
});
