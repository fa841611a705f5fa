// What the editor shows of maintenance: a TaskManager on an agent wanted back (a window from an inverse offer, or a
// drain) is marked so in the tree (description, icon, tooltip words), and Session Resources lists the agents under
// maintenance with their window and what the session does. From the core's task record to the words shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installVscodeShim } from '../bench/vscodeShim';
import type { TaskRecord } from '../../src/core/session/SessionStore';

installVscodeShim();
/* eslint-disable @typescript-eslint/no-require-imports */
const { taskManagerView } = require('../../src/session/FlinkSessionHandle') as typeof import('../../src/session/FlinkSessionHandle');
const { taskManagerDescription } = require('../../src/tree/sessionTreeItems') as typeof import('../../src/tree/sessionTreeItems');
const { maintenanceRows } = require('../../src/webviews/maintenanceRows') as typeof import('../../src/webviews/maintenanceRows');
/* eslint-enable @typescript-eslint/no-require-imports */

const FROM = Date.parse('2026-12-02T04:00:00Z');
const record = (extra: Partial<TaskRecord>): TaskRecord => ({
  taskId: 'taskmanager-s-00001', kind: 'taskmanager', agentId: 'a1', hostname: 'agent1', ports: {}, state: 'TASK_RUNNING', launchedAt: 1, updatedAt: 1, ...extra,
});

test('a TaskManager on an agent under maintenance says so, and names its replacement once it took over', () => {
  const moving = taskManagerView(record({ maintenanceFrom: FROM, maintenanceUntil: FROM + 3600000 }), []);
  assert.deepEqual(moving.maintenance, { from: FROM, until: FROM + 3600000, draining: false, movedTo: undefined });
  assert.equal(taskManagerDescription({ ...moving, registered: true }, 0), 'TASK_RUNNING · registered · agent under maintenance from 2026-12-02T04:00:00Z · moving elsewhere first');
  const moved = taskManagerView(record({ maintenanceFrom: FROM, movedTo: 'taskmanager-s-00003', killRequested: true, state: 'TASK_KILLING' }), []);
  assert.equal(taskManagerDescription(moved, 0), 'TASK_KILLING · not registered · agent under maintenance from 2026-12-02T04:00:00Z · replaced by taskmanager-s-00003');
  const draining = taskManagerView(record({ draining: true, state: 'TASK_KILLING' }), []);
  assert.equal(taskManagerDescription(draining, 0), 'TASK_KILLING · not registered · agent draining: Mesos kills it, replaced elsewhere');
  const plain = taskManagerView(record({}), []);
  assert.equal(plain.maintenance, undefined);
  assert.equal(taskManagerDescription({ ...plain, registered: true }, 0), 'TASK_RUNNING · registered');
});

test('Session Resources lists the agents under maintenance: window start and end, draining, and the session\'s answer', () => {
  assert.deepEqual(maintenanceRows([
    { agentId: 'a2', hostname: 'agent2', draining: true },
    { agentId: 'a1', hostname: 'agent1', from: FROM, until: FROM + 60000, draining: false, answer: 'accepted' },
    { agentId: 'a3', hostname: 'agent3', from: FROM, until: FROM + 60000, draining: false, answer: 'pending' },
    { agentId: 'a4', hostname: 'agent4', from: FROM, draining: false, answer: 'declined' },
  ]), [
    ['agent1', '2026-12-02T04:00:00Z', '2026-12-02T04:01:00Z', 'nothing of this session left there (inverse offer accepted)'],
    ['agent2', 'now (drain)', '', 'draining: Mesos kills its tasks; TaskManagers are replaced elsewhere'],
    ['agent3', '2026-12-02T04:00:00Z', '2026-12-02T04:01:00Z', 'moving TaskManagers elsewhere before the window'],
    ['agent4', '2026-12-02T04:00:00Z', '', 'the session cannot leave it yet (inverse offer declined)'],
  ]);
});
