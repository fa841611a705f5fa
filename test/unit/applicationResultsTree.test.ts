// The tree's kept application results (issue 17): read from the shared store's applications/ folder, so they outlive
// the window that followed the application; a session of the same name hides its result; Remove deletes the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installVscodeShim } from '../bench/vscodeShim';
import type { ApplicationResult } from '../../src/core/application/ApplicationResultStore';

installVscodeShim();
/* eslint-disable @typescript-eslint/no-require-imports */
const { ApplicationResultsModel } = require('../../src/session/ApplicationResultsModel') as typeof import('../../src/session/ApplicationResultsModel');
const { SessionModel } = require('../../src/session/SessionModel') as typeof import('../../src/session/SessionModel');
const { SessionTreeDataProvider } = require('../../src/tree/SessionTreeDataProvider') as typeof import('../../src/tree/SessionTreeDataProvider');
const { emptySessionView } = require('../../src/session/sessionViews') as typeof import('../../src/session/sessionViews');
/* eslint-enable @typescript-eslint/no-require-imports */

function result(name: string, outcome: ApplicationResult['outcome'], jobState: string): ApplicationResult {
  return { version: 1, name, outcome, jobState, jobId: 'a'.repeat(32), jar: `/jars/${name}.jar`, startedAt: 1, endedAt: 2, leftTasks: [],
    reason: outcome === 'failed' ? 'The job FAILED: boom' : 'The job finished.', rootException: outcome === 'failed' ? { message: 'boom', stacktrace: '' } : undefined };
}

test('kept results show at the root after a "reload" (a new model on the same store), hidden by a session of the same name, removed with their file', async () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'app-results-tree-'));
  try {
    fs.mkdirSync(path.join(store, 'applications'));
    for (const r of [result('wordcount', 'succeeded', 'FINISHED'), result('failing', 'failed', 'FAILED')]) {
      fs.writeFileSync(path.join(store, 'applications', `${r.name}.json`), JSON.stringify(r));
    }
    const model = new SessionModel();
    const results = new ApplicationResultsModel(store);
    const tree = new SessionTreeDataProvider(model, results);
    let fired = 0;
    tree.onDidChangeTreeData(() => { fired++; });
    assert.deepEqual(tree.getChildren(), [], 'nothing before the store is read');
    await results.reload();
    assert.equal(fired, 1, 'reading the results refreshes the tree');
    const shown = (): string[] => tree.getChildren().map((n) => {
      const item = tree.getTreeItem(n);
      return `${n.kind} ${String(item.label)} [${String(item.description).replace(/ · [^·]*$/, '')}] ${item.contextValue ?? ''}`;
    });
    assert.deepEqual(shown(), ['applicationResult failing [application failed · job FAILED] applicationResult',
      'applicationResult wordcount [application succeeded · job FINISHED] applicationResult']);
    const failing = tree.getChildren().find((n) => n.session === 'failing')!;
    const tip = tree.resolveTreeItem(tree.getTreeItem(failing), failing).tooltip as { value: string };
    assert.match(tip.value, /Root cause/);
    assert.match(tip.value, /boom/);

    // A session of that name (a new run) is shown instead of the old result.
    model.set(emptySessionView('wordcount', { phase: 'running', taskManagersWanted: 1, slotsTotal: 2, slotsFree: 2 }));
    assert.deepEqual(tree.getChildren().map((n) => `${n.kind} ${n.session}`), ['session wordcount', 'applicationResult failing']);

    await results.remove('failing');
    assert.ok(!fs.existsSync(path.join(store, 'applications', 'failing.json')), 'the file is deleted');
    assert.deepEqual(tree.getChildren().map((n) => `${n.kind} ${n.session}`), ['session wordcount']);
    tree.dispose();
    results.dispose();
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
});

test('an ended application in the tree is its result: no children, its job\'s final state beside its outcome', () => {
  const model = new SessionModel();
  const tree = new SessionTreeDataProvider(model);
  model.set(emptySessionView('app', {
    phase: 'stopped', taskManagersWanted: 1, slotsTotal: 0, slotsFree: 0,
    application: { jar: '/j.jar', jobId: 'b'.repeat(32), jobState: 'FINISHED', outcome: 'succeeded' },
  }));
  const [node] = tree.getChildren();
  const item = tree.getTreeItem(node);
  assert.match(String(item.description), /^application succeeded · job FINISHED · stopped/);
  assert.equal(item.contextValue, 'session.stopped.application');
  assert.deepEqual(tree.getChildren(node), []);
  tree.dispose();
});
