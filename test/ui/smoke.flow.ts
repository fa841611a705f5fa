// Smoke: the extension's container, its welcome view and the explorer's "Submit to Flink" entry on a jar.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { writeWordCountJar } from '../harness/sampleJar';
import type { FlowContext } from '../harness/uiFlow';

export const name = 'smoke';

export async function setup(workspace: string): Promise<void> {
  await writeWordCountJar(path.join(workspace, 'sample.jar'));
}

export async function run({ page, helpers, workspace, screenshot, log }: FlowContext): Promise<void> {
  await helpers.openViewContainer(page, 'Flink on Mesos');
  const welcome = await helpers.readWelcomeView(page, 'Sessions');
  log(`welcome buttons: ${welcome.buttons.join(' | ')}`);
  // The issue asks for "start a session" and "attach to a JobManager" (the label may name sessions too).
  for (const button of [/^Start a Session$/, /^Attach to (a )?(Session or )?JobManager$/]) {
    assert.ok(welcome.buttons.some((b) => button.test(b)), `the Sessions welcome view lacks a button ${button}; it has: ${welcome.buttons.join(', ')}`);
  }
  await page.mouse.move(700, 450); // no hover tooltip in the picture
  await helpers.waitForQuiet(page);
  await screenshot('sessions-welcome');

  await helpers.openViewContainer(page, 'Explorer');
  const rows = await helpers.readTreeRows(page, path.basename(workspace));
  assert.ok(rows.some((r) => r.label === 'sample.jar'), `the explorer lacks sample.jar; rows: ${rows.map((r) => r.label).join(', ')}`);
  await helpers.rightClickExplorerFile(page, 'sample.jar');
  const entries = await helpers.readContextMenu(page);
  log(`context menu: ${entries.join(' | ')}`);
  assert.ok(entries.includes('Submit to Flink'), `the jar's context menu lacks "Submit to Flink"; it has: ${entries.join(', ')}`);
  await screenshot('explorer-jar-context-menu');
  await helpers.closeContextMenu(page);
}
