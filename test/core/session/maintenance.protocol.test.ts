// Maintenance at the protocol level (RecordingScheduler plays the master, a scripted Flink lists the registered
// TaskManagers): an agent whose offers carry unavailability gets no new task; an inverse offer for an agent with a
// TaskManager moves it (replacement launched, running and registered first, then the old one killed; one at a time);
// the inverse offer is accepted once nothing of ours is left there, declined while the JobManager is; a drain's kill
// is replaced at once and is no failure.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions } from '../../../src/core/session/SessionOptions';
import type { Offer } from '../../../src/core/mesos/types';
import { RecordingScheduler, until } from './recordingScheduler';
import { offer } from './offers';

const open: FlinkSession[] = [];
afterEach(async () => { for (const s of open.splice(0)) await s.stop().catch(() => undefined); });

const flink: FlinkClusterApi = { overview: async () => ({ taskmanagers: 0, 'slots-total': 0, 'slots-available': 0 }), taskManagers: async () => [] };
const WINDOW = Date.parse('2026-12-02T03:00:00Z');
// The shape of the recording's M1.24 offer of the scheduled agent.
const scheduled = (o: Offer): Offer => ({ ...o, unavailability: { start: { nanoseconds: WINDOW * 1e6 }, duration: { nanoseconds: 60e9 } } });

test('no new task goes to an agent scheduled for maintenance; its decline says so', async () => {
  const m = new RecordingScheduler();
  const s = await FlinkSession.create(validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'mt', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, user: 'flink',
  }), {
    store: new MemorySessionStore(), timings: { tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
    createScheduler: () => m as unknown as SchedulerApi, createFlinkApi: () => flink, createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  m.subscribe();
  m.offers([scheduled(offer({ agent: 'a1' })), offer({ agent: 'a2', cpus: 3 })]);
  await until('the launch', () => m.launched().length === 3);
  assert.ok(m.launched().every((t) => t.agent_id.value === 'a2'), m.launched().map((t) => `${t.task_id.value}@${t.agent_id.value}`).join(', '));
  const declined = s.snapshot().declinedOffers.find((d) => d.agentId === 'a1');
  assert.equal(declined?.reason, 'its machine is scheduled for maintenance from 2026-12-02T03:00:00.000Z: no new task goes there');

  // Only the scheduled agent left: nothing is placed, and the offers now name the window.
  await s.scale(3);
  m.offers([scheduled(offer({ agent: 'a1' }))]);
  await until('the diagnosis', () => /maintenance/.test(s.snapshot().diagnosis ?? ''));
  assert.equal(m.launched().length, 3);
  assert.match(s.snapshot().offersNow.find((o) => o.agentId === 'a1')?.reason ?? '', /scheduled for maintenance from 2026-12-02T03:00:00.000Z/);
});

/** A running session: the JobManager on `jmAgent` (an offer that fits only it), the TaskManagers on the other offers. */
async function running(tmOffers: Offer[], opts: { ha?: boolean } = {}): Promise<{ s: FlinkSession; m: RecordingScheduler; registered: Set<string>; warnings: string[]; activeMax: () => number }> {
  const m = new RecordingScheduler();
  const registered = new Set<string>();
  const api: FlinkClusterApi = {
    overview: async () => ({ taskmanagers: registered.size, 'slots-total': registered.size, 'slots-available': 0 }),
    taskManagers: async () => [...registered].map((id) => ({ id, slotsNumber: 1, freeSlots: 0 })),
  };
  const s = await FlinkSession.create(validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'mv', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024, user: 'flink',
    ...(opts.ha ? { ha: 'zk://127.0.0.1:1/flink' } : {}),
  }), {
    store: new MemorySessionStore(), timings: { tickMs: 60000, flinkPollMs: 10, runningPollMs: 10, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100, zookeeperProbeMs: 1 },
    createScheduler: () => m as unknown as SchedulerApi, createFlinkApi: () => api, createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  const warnings: string[] = [];
  s.on('warning', (w) => warnings.push(w));
  // The most TaskManagers alive at once (launched, not yet ended), checked on every change.
  let most = 0;
  const ended = new Set<string>();
  const alive = (): number => m.launched().filter((t) => t.task_id.value.startsWith('taskmanager-') && !ended.has(t.task_id.value)).length;
  s.on('task', (t) => { if (['TASK_KILLED', 'TASK_LOST', 'TASK_FAILED', 'TASK_FINISHED'].includes(t.state)) ended.add(t.taskId); });
  s.on('changed', () => { most = Math.max(most, alive()); });
  await s.start();
  m.subscribe();
  m.offers([offer({ agent: 'a0', cpus: 1, mem: 1024 }), ...tmOffers]);
  await until('the launch', () => m.launched().length === 3);
  for (const t of m.launched()) {
    m.update(t.task_id.value, 'TASK_RUNNING', { agentId: t.agent_id.value });
    if (t.task_id.value.startsWith('taskmanager-')) registered.add(t.task_id.value);
  }
  await s.waitFor((x) => x.phase === 'running', 3000, 'running');
  return { s, m, registered, warnings, activeMax: () => Math.max(most, alive()) };
}

test('an inverse offer moves the TaskManager: the replacement runs and registers in Flink first, then the old one is killed; then ACCEPT', async () => {
  const { s, m, registered, warnings, activeMax } = await running([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
  const onA1 = s.snapshot().taskManagers.find((t) => t.agentId === 'a1')!;
  assert.ok(onA1, 'a TaskManager on a1');
  assert.equal(s.snapshot().jobManager?.agentId, 'a0');
  const start = Date.now() + 60000;
  const io = m.inverseOffer('a1', start, 120000);
  await until('the move asked for offers', () => warnings.some((w) => /Mesos wants agent a1\.example back for maintenance/.test(w)));
  assert.equal(s.snapshot().taskManagers.find((t) => t.taskId === onA1.taskId)?.maintenanceFrom, start);
  assert.deepEqual(s.snapshot().agentsUnderMaintenance.map((a) => [a.agentId, a.from, a.until, a.draining, a.answer]), [['a1', start, start + 120000, false, 'pending']]);
  assert.equal(m.of('ACCEPT_INVERSE_OFFERS').length + m.of('DECLINE_INVERSE_OFFERS').length, 0, 'kept while the TaskManager moves');

  // The scheduled agent's offer is declined; the replacement goes elsewhere, one only.
  const scheduledA1: Offer = { ...offer({ agent: 'a1' }), unavailability: { start: { nanoseconds: start * 1e6 }, duration: { nanoseconds: 120e9 } } };
  m.offers([scheduledA1, offer({ agent: 'a3' }), offer({ agent: 'a4' })]);
  await until('the replacement', () => m.launched().length === 4);
  const replacement = m.launched()[3];
  assert.ok(['a3', 'a4'].includes(replacement.agent_id.value), replacement.agent_id.value);
  m.update(replacement.task_id.value, 'TASK_RUNNING', { agentId: replacement.agent_id.value });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(m.of('KILL').length, 0, 'running but not registered in Flink: the old one stays');

  const registeredAt = Date.now();
  registered.add(replacement.task_id.value);
  await until('the old one killed', () => m.of('KILL').some((k) => k.taskId === onA1.taskId));
  assert.ok(m.of('KILL')[0].at >= registeredAt, 'killed after the replacement registered');
  await until('accepted', () => m.of('ACCEPT_INVERSE_OFFERS').length === 1);
  assert.deepEqual(m.of('ACCEPT_INVERSE_OFFERS')[0].ids, [io]);
  assert.equal(s.snapshot().agentsUnderMaintenance[0].answer, 'accepted');
  assert.equal(s.snapshot().taskManagers.find((t) => t.taskId === onA1.taskId)?.movedTo, replacement.task_id.value);

  // Its end is no failure: nothing else is launched.
  registered.delete(onA1.taskId);
  m.update(onA1.taskId, 'TASK_KILLED', { agentId: 'a1' });
  await until('gone', () => !s.snapshot().taskManagers.some((t) => t.taskId === onA1.taskId));
  await new Promise((r) => setTimeout(r, 50));
  m.offers([offer({ agent: 'a5' })]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.launched().length, 4);
  assert.ok(!warnings.some((w) => /ended: TASK_KILLED/.test(w)), warnings.join('\n'));
  assert.equal(s.snapshot().taskManagers.length, 2);
  assert.ok(activeMax() <= 3, `at most one TaskManager more than asked (saw ${activeMax()})`);
});

test('two TaskManagers on the scheduled agent move one at a time: never more than one extra', async () => {
  const { s, m, registered, activeMax } = await running([offer({ agent: 'a1' })]);
  const onA1 = s.snapshot().taskManagers.filter((t) => t.agentId === 'a1').map((t) => t.taskId).sort();
  assert.equal(onA1.length, 2);
  m.inverseOffer('a1', Date.now() + 60000);
  for (let i = 0; i < 2; i++) {
    m.offers([offer({ agent: `b${i}` }), offer({ agent: `c${i}` })]);
    await until(`replacement ${i + 1}`, () => m.launched().length === 3 + i + 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(m.launched().length, 3 + i + 1, 'one replacement at a time');
    const r = m.launched()[3 + i];
    m.update(r.task_id.value, 'TASK_RUNNING', { agentId: r.agent_id.value });
    registered.add(r.task_id.value);
    await until(`old ${i + 1} killed`, () => m.of('KILL').length === i + 1).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(s.snapshot().taskManagers.map((t) => [t.taskId, t.agentId, t.state, t.launchedAt, t.killRequested, t.maintenanceFrom]))} ${JSON.stringify([...registered])}`); });
    assert.equal(m.of('KILL')[i].taskId, onA1[i]);
    registered.delete(onA1[i]);
    m.update(onA1[i], 'TASK_KILLED', { agentId: 'a1' });
  }
  await until('accepted', () => m.of('ACCEPT_INVERSE_OFFERS').length === 1);
  assert.equal(s.snapshot().taskManagers.length, 2);
  assert.ok(s.snapshot().taskManagers.every((t) => t.agentId !== 'a1'));
  assert.ok(activeMax() <= 3, `at most one TaskManager more than asked (saw ${activeMax()})`);
});

test('the JobManager on the scheduled agent is not killed: a plain warning, the snapshot names it, the inverse offer is declined', async () => {
  const { s, m, warnings } = await running([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
  const io = m.inverseOffer('a0', Date.now() + 60000);
  await until('declined', () => m.of('DECLINE_INVERSE_OFFERS').length === 1);
  assert.deepEqual(m.of('DECLINE_INVERSE_OFFERS')[0].ids, [io]);
  assert.ok((m.of('DECLINE_INVERSE_OFFERS')[0].filters?.refuse_seconds ?? 0) > 0);
  assert.ok(warnings.some((w) => /The JobManager jobmanager-mv runs on a0\.example.*Without high availability \(--ha\) it cannot be moved without losing its jobs/.test(w)), warnings.join('\n'));
  assert.match(s.snapshot().maintenanceProblem ?? '', /jobmanager-mv.*cannot be moved without losing its jobs/);
  assert.equal(m.of('KILL').length, 0);
  assert.equal(m.launched().length, 3, 'no TaskManager was on a0: nothing moves');
});

test('a drain kills a TaskManager at once (REASON_AGENT_DRAINING): replaced, not counted as a failure, marked draining', async () => {
  const { s, m, warnings } = await running([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
  const onA1 = s.snapshot().taskManagers.find((t) => t.agentId === 'a1')!;
  m.update(onA1.taskId, 'TASK_KILLING', { agentId: 'a1', reason: 'REASON_AGENT_DRAINING' });
  await until('draining', () => s.snapshot().taskManagers.find((t) => t.taskId === onA1.taskId)?.draining === true);
  assert.ok(warnings.some((w) => /Agent a1\.example is being drained \(DRAIN_AGENT\)/.test(w)), warnings.join('\n'));
  assert.deepEqual(s.snapshot().agentsUnderMaintenance.map((a) => [a.agentId, a.draining]), [['a1', true]]);
  m.offers([offer({ agent: 'a3' })]);
  await until('the replacement', () => m.launched().length === 4);
  assert.equal(m.launched()[3].agent_id.value, 'a3');
  m.update(onA1.taskId, 'TASK_KILLED', { agentId: 'a1', reason: 'REASON_AGENT_DRAINING' });
  await until('gone', () => !s.snapshot().taskManagers.some((t) => t.taskId === onA1.taskId));
  assert.ok(!warnings.some((w) => /ended: TASK_KILLED/.test(w)), 'no failure');
  assert.equal(s.snapshot().replacementBlocked, false);
});

test('the window cancelled during the move (the agent offered without unavailability): the old TaskManager stays, the replacement goes', async () => {
  const { s, m, registered, warnings } = await running([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
  const onA1 = s.snapshot().taskManagers.find((t) => t.agentId === 'a1')!;
  m.inverseOffer('a1', Date.now() + 60000);
  m.offers([offer({ agent: 'a3' })]);
  await until('the replacement', () => m.launched().length === 4);
  const replacement = m.launched()[3].task_id.value;
  m.update(replacement, 'TASK_RUNNING', { agentId: 'a3' });
  // The operator emptied the schedule: a1 is offered plainly again, before the replacement registered.
  m.offers([offer({ agent: 'a1', cpus: 1, mem: 512 })]);
  await until('the replacement killed', () => m.of('KILL').some((k) => k.taskId === replacement));
  assert.ok(!m.of('KILL').some((k) => k.taskId === onA1.taskId), 'the old one stays');
  assert.ok(warnings.some((w) => /Agent a1\.example is offered again without a maintenance window/.test(w)), warnings.join('\n'));
  assert.deepEqual(s.snapshot().agentsUnderMaintenance, []);
  assert.equal(s.snapshot().taskManagers.find((t) => t.taskId === onA1.taskId)?.maintenanceFrom, undefined);
  registered.add(replacement);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(!m.of('KILL').some((k) => k.taskId === onA1.taskId), 'still nothing killed on a1 once the replacement registers');
  m.update(replacement, 'TASK_KILLED', { agentId: 'a3' });
  registered.delete(replacement);
  await until('two left', () => s.snapshot().taskManagers.length === 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.launched().length, 4, 'no replacement for the killed extra');
});
