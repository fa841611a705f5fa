// Proves the UI helpers this project's flows rely on, with VS Code's own features (independent of the extension):
// the palette, a tree click, a notification with its button, and reading a webview (the Markdown preview).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlowContext } from '../harness/uiFlow';

export const name = 'harness';

export async function setup(workspace: string): Promise<void> {
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'plain text without a formatter\n');
  fs.writeFileSync(path.join(workspace, 'README.md'), '# Harness heading\n\nA paragraph the webview must show.\n');
}

export async function run({ page, helpers, workspace, screenshot }: FlowContext): Promise<void> {
  const folder = path.basename(workspace);
  await helpers.openViewContainer(page, 'Explorer');

  // A modal dialog: formatting a file type that has no formatter.
  await helpers.clickTreeRow(page, 'notes.txt', folder);
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ state: 'visible' });
  await helpers.runPaletteCommand(page, 'Format Document');
  const dialog = await helpers.readDialog(page);
  assert.match(dialog.message, /no formatter for 'plaintext' files/i);
  await screenshot('harness-dialog');
  await helpers.answerDialog(page, 'Cancel');

  // A notification with buttons: saving over a file that changed on disk meanwhile.
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' edited in the editor');
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'changed on disk\n');
  await page.waitForTimeout(1500); // let the file watcher see the change
  await helpers.runPaletteCommand(page, 'File: Save');
  const note = await helpers.waitForNotification(page, /newer/i, undefined, { button: 'Overwrite' });
  assert.match(note.message, /Failed to save 'notes\.txt'/);
  await screenshot('harness-notification');
  await helpers.clickNotificationButton(page, /newer/i, 'Overwrite');
  for (let i = 0; i < 50 && !fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8').includes('edited in the editor'); i++) await page.waitForTimeout(100);
  assert.match(fs.readFileSync(path.join(workspace, 'notes.txt'), 'utf8'), /edited in the editor/, 'Overwrite did not save the editor text');

  // A webview: the Markdown preview renders the heading and paragraph in nested iframes.
  await helpers.clickTreeRow(page, 'README.md', folder);
  await helpers.runPaletteCommand(page, 'Markdown: Open Preview');
  const heading = await helpers.readWebviewText(page, 'h1');
  assert.equal(heading.trim(), 'Harness heading');
  const body = await helpers.readWebviewText(page, 'body');
  assert.match(body, /A paragraph the webview must show\./);
  await screenshot('harness-webview');

  // Failures name what was there instead.
  await assert.rejects(helpers.runPaletteCommand(page, 'No Such Command Anywhere', 2000), /no command "No Such Command Anywhere" in the palette/);
  await assert.rejects(helpers.readWebviewText(page, '#no-such-element', 1000), /no webview titled or holding "#no-such-element"/);
}
