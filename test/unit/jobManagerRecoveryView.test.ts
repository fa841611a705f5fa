// What the editor shows while a session with high availability relaunches its JobManager: the tree's phase and the
// status bar say "JobManager recovering" (the real recovery itself is tested in test/real/jobManagerHaSuite.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installVscodeShim } from '../bench/vscodeShim';

installVscodeShim();
/* eslint-disable @typescript-eslint/no-require-imports */
const { emptySessionView } = require('../../src/session/sessionViews') as typeof import('../../src/session/sessionViews');
const { phaseLabel } = require('../../src/tree/SessionTreeDataProvider') as typeof import('../../src/tree/SessionTreeDataProvider');
const { statusText } = require('../../src/statusBar/SessionStatusBar') as typeof import('../../src/statusBar/SessionStatusBar');
/* eslint-enable @typescript-eslint/no-require-imports */

test('a JobManager being relaunched shows as "JobManager recovering" in the tree and the status bar, with a spinner', () => {
  const view = emptySessionView('ha', { phase: 'recoveringJobManager', taskManagersWanted: 2, slotsTotal: 4, slotsFree: 4 });
  assert.equal(phaseLabel(view), 'JobManager recovering');
  assert.equal(statusText(view), '$(loading~spin) ha: JobManager recovering · TM 0/2 · slots 4/4');
});
