// What the editor shows of a session that was torn down (failed or stopped): Flink's last answers are history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installVscodeShim } from '../bench/vscodeShim';

installVscodeShim();
/* eslint-disable @typescript-eslint/no-require-imports */
const { emptySessionView, registeredCount } = require('../../src/session/sessionViews') as typeof import('../../src/session/sessionViews');
const { mergeMesos, LOST_JOB_STATE } = require('../../src/session/sessionViewMerge') as typeof import('../../src/session/sessionViewMerge');
const { statusText } = require('../../src/statusBar/SessionStatusBar') as typeof import('../../src/statusBar/SessionStatusBar');
/* eslint-enable @typescript-eslint/no-require-imports */

const tm = { id: 'taskmanager-s-00001', stateHistory: [], lost: false, hasSandbox: true, registered: true, slotsTotal: 4, slotsFree: 3, heartbeatAgoMs: 100 };

test('a failed session: no TaskManager registered, no slots, and the job that ran shows as lost; ended jobs keep their state', () => {
  const polled = emptySessionView('s', {
    phase: 'running', taskManagersWanted: 1, slotsTotal: 4, slotsFree: 3, flinkReachable: true, taskManagers: [tm],
    jobs: [{ id: 'a', name: 'stream', state: 'RUNNING' }, { id: 'b', name: 'batch', state: 'FINISHED' }],
  });
  const failed = mergeMesos(polled, { phase: 'failed', taskManagers: [{ ...tm, registered: false, mesosState: 'TASK_KILLED' }] });
  assert.equal(registeredCount(failed), 0);
  assert.deepEqual(failed.jobs.map(j => `${j.id}:${j.state}`), [`a:${LOST_JOB_STATE}`, 'b:FINISHED']);
  assert.equal(statusText(failed), '$(error) s: failed · TM 0/1 · slots 0/0');
  // A running session keeps Flink's side.
  const running = mergeMesos(polled, { phase: 'running', taskManagers: [{ ...tm, registered: false }] });
  assert.equal(registeredCount(running), 1);
  assert.equal(running.jobs[0].state, 'RUNNING');
});
