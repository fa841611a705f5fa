// Workbench helpers for the side bar, the palette and menus: activity bar, views and trees, welcome content,
// command palette and quick inputs, the explorer and context menus.
import type { Locator, Page } from 'playwright-core';
import { readNotifications } from './workbenchMessages';
import { DEFAULT_TIMEOUT_MS, cssString, escapeRegex, exact, list, short } from './workbenchText';

// ---------- activity bar and views ----------

async function activityBarLabels(page: Page): Promise<string[]> {
  return page.locator('.part.activitybar .action-item .action-label').evaluateAll(
    (els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? '').filter((s) => s.length > 0));
}

/** The activity bar entry for a view container (its aria-label starts with the title; keybindings may follow). */
export async function activityBarItem(page: Page, title: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Locator> {
  const item = page.locator('.part.activitybar .action-item').filter({
    has: page.locator(`.action-label[aria-label="${cssString(title)}"], .action-label[aria-label^="${cssString(title)} ("]`),
  }).first();
  try {
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no "${title}" in the activity bar within ${timeoutMs} ms; it shows: ${list(await activityBarLabels(page))}`);
  }
  return item;
}

/** Opens a view container from the activity bar (does not toggle it closed when already open). */
export async function openViewContainer(page: Page, title: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const item = await activityBarItem(page, title, timeoutMs);
  // The side bar's title, or '' while the side bar is hidden (its DOM stays, so visibility must be checked).
  const shownTitle = (): Promise<string> => page.evaluate(() => {
    const bar = document.querySelector('.part.sidebar') as HTMLElement | null;
    if (!bar || bar.offsetParent === null || getComputedStyle(bar).visibility === 'hidden') return '';
    return bar.querySelector('.composite.title .title-label')?.textContent ?? '';
  });
  const shown = async (): Promise<boolean> => (await shownTitle()).toLowerCase().includes(title.toLowerCase());
  const deadline = Date.now() + timeoutMs;
  let clicks = 0;
  while (Date.now() < deadline) {
    if (await shown()) return;
    // Clicking the active container's icon hides the side bar, so click only when it is not shown, then give the
    // workbench time to show it before looking again. The icon's hover would cover the next click: move away.
    if (clicks < 3) {
      await item.click();
      clicks++;
      await page.mouse.move(700, 500);
      const settle = Date.now() + 3000;
      while (Date.now() < settle && !(await shown())) await page.waitForTimeout(150);
    } else {
      await page.waitForTimeout(250);
    }
  }
  const last = await shownTitle().catch(() => '');
  throw new Error(`clicked "${title}" in the activity bar ${clicks} times but the side bar shows ${last ? `"${last}"` : 'nothing (hidden)'}`);
}

/** The pane of a view in the side bar (by its title), or the only pane when the title is omitted or merged into the container title. */
async function viewPane(page: Page, viewTitle: string | undefined, timeoutMs: number): Promise<Locator> {
  const panes = page.locator('.part.sidebar .pane');
  await panes.first().waitFor({ state: 'attached', timeout: timeoutMs }).catch(() => undefined);
  if (viewTitle) {
    const byHeader = panes.filter({ has: page.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRegex(viewTitle)}$`, 'i') }) });
    if (await byHeader.count() > 0) return byHeader.first();
  }
  if (await panes.count() === 1) return panes.first();
  const titles = await page.locator('.part.sidebar .pane-header .title').allInnerTexts();
  throw new Error(`no view "${viewTitle ?? '(any)'}" in the side bar; it has the views ${list(titles)}`);
}

export interface TreeRow {
  label: string;
  description: string;
  ariaLabel: string;
  level: number;
  expanded?: boolean;
}

/** The visible rows of a tree view (waits for at least one row unless `allowEmpty`). */
export async function readTreeRows(page: Page, viewTitle?: string, opts: { timeoutMs?: number; allowEmpty?: boolean } = {}): Promise<TreeRow[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pane = await viewPane(page, viewTitle, timeoutMs);
  const rows = pane.locator('.pane-body .monaco-list-row');
  if (!opts.allowEmpty) {
    try {
      await rows.first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const body = await pane.locator('.pane-body').innerText({ timeout: 1000 }).catch(() => '');
      throw new Error(`the view "${viewTitle ?? '(only view)'}" shows no tree rows within ${timeoutMs} ms; it shows: ${short(body, 300) || '(nothing)'}`);
    }
  }
  return rows.evaluateAll((els) => els.map((e) => {
    const text = (sel: string): string => (e.querySelector(sel)?.textContent ?? '').trim();
    const expandedAttr = e.getAttribute('aria-expanded');
    return {
      label: text('.label-name') || text('.monaco-highlighted-label') || (e.textContent ?? '').trim(),
      description: text('.label-description'),
      ariaLabel: e.getAttribute('aria-label') ?? '',
      level: Number(e.getAttribute('aria-level') ?? '1'),
      expanded: expandedAttr === null ? undefined : expandedAttr === 'true',
    };
  }));
}

/** Clicks a tree row by its label (exact, or matching the RegExp). */
export async function clickTreeRow(page: Page, label: string | RegExp, viewTitle?: string, opts: { button?: 'left' | 'right'; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pane = await viewPane(page, viewTitle, timeoutMs);
  const row = pane.locator('.pane-body .monaco-list-row').filter({ has: page.locator('.label-name, .monaco-highlighted-label', { hasText: exact(label) }) }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const rows = await readTreeRows(page, viewTitle, { timeoutMs: 1000, allowEmpty: true }).catch(() => []);
    throw new Error(`no row ${String(label)} in the view "${viewTitle ?? '(only view)'}"; rows: ${list(rows.map((r) => r.label))}`);
  }
  await row.click({ button: opts.button ?? 'left' });
}

export interface WelcomeView { text: string; buttons: string[] }

/** The welcome content of the view (shown while its tree is empty). */
export async function readWelcomeView(page: Page, viewTitle?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WelcomeView> {
  const pane = await viewPane(page, viewTitle, timeoutMs);
  const welcome = pane.locator('.welcome-view-content');
  try {
    await welcome.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const body = await pane.innerText({ timeout: 1000 }).catch(() => '');
    throw new Error(`the view "${viewTitle ?? '(only view)'}" shows no welcome content within ${timeoutMs} ms; it shows: ${short(body, 300) || '(nothing)'}`);
  }
  const buttons = (await welcome.locator('.monaco-button').allInnerTexts()).map((s) => s.trim());
  return { text: (await welcome.innerText()).trim(), buttons };
}

export async function clickWelcomeButton(page: Page, label: string, viewTitle?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const { buttons } = await readWelcomeView(page, viewTitle, timeoutMs);
  if (!buttons.includes(label)) throw new Error(`no welcome button "${label}"; the buttons are ${list(buttons)}`);
  const pane = await viewPane(page, viewTitle, timeoutMs);
  await pane.locator('.welcome-view-content .monaco-button', { hasText: exact(label) }).first().click();
}

// ---------- command palette ----------

async function quickInputRows(page: Page): Promise<string[]> {
  return page.locator('.quick-input-widget .monaco-list-row').evaluateAll(
    (els) => els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()));
}

/** Runs a command from the palette by its title ("Category: Title" or just "Title"). */
export async function runPaletteCommand(page: Page, title: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, trial: true }).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = widget.locator('input.input');
  try {
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`the command palette did not open (F1) within ${timeoutMs} ms`);
  }
  await input.fill(`>${title}`);
  // Rows are "Category: Title" (with keybinding text); accept an exact title or "<category>: <title>".
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await quickInputRows(page);
    const labels = await widget.locator('.monaco-list-row .quick-input-list-label .label-name').evaluateAll(
      (els) => els.map((e) => (e.textContent ?? '').trim()));
    const index = labels.findIndex((l) => l === title || l.endsWith(`: ${title}`));
    if (index >= 0) {
      await widget.locator('.monaco-list-row').nth(index).click();
      await widget.waitFor({ state: 'hidden', timeout: timeoutMs }).catch(() => undefined);
      return;
    }
    await page.waitForTimeout(150);
  }
  await page.keyboard.press('Escape');
  throw new Error(`no command "${title}" in the palette within ${timeoutMs} ms; it offered ${list(seen)}`);
}

/** Answers an open quick pick / input box: types the text (if any) and accepts it, or picks a row by label. */
export async function answerQuickInput(page: Page, answer: { type?: string; pick?: string | RegExp }, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  try {
    await widget.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const notes = await readNotifications(page).catch(() => []);
    const dialog = await page.locator('.monaco-dialog-box').isVisible().catch(() => false);
    throw new Error(`no quick pick or input box opened within ${timeoutMs} ms${dialog ? '; a modal dialog is open instead' : ''}; ` +
      `notifications shown: ${list(notes.map((n) => n.message))}`);
  }
  const before = await quickInputStep(page);
  if (answer.type !== undefined) await widget.locator('input.input').fill(answer.type);
  if (answer.pick !== undefined) {
    const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact(answer.pick) }) }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new Error(`no quick pick entry ${String(answer.pick)}; it offers ${list(await quickInputRows(page))}`);
    }
    await row.click();
  } else {
    await page.keyboard.press('Enter');
  }
  // Return once this step has gone (closed, or the next step shows): a caller that answers the next step right away
  // must not find this one still open and answer it twice (which shifts every later answer by one step).
  const deadline = Date.now() + STEP_GONE_MS;
  while (Date.now() < deadline && (await quickInputStep(page)) === before) await page.waitForTimeout(100);
}

/** How long an answered step may stay before the caller is left to deal with it (a wizard may retry its Enter). */
const STEP_GONE_MS = 5000;

/** What identifies the open quick input's current step: its title, message and placeholder. */
async function quickInputStep(page: Page): Promise<string | undefined> {
  const widget = page.locator('.quick-input-widget');
  if (!(await widget.isVisible().catch(() => false))) return undefined;
  const parts = await Promise.all([
    widget.locator('.quick-input-title').innerText().catch(() => ''),
    widget.locator('.quick-input-message').innerText().catch(() => ''),
    widget.locator('input.input').getAttribute('placeholder').catch(() => ''),
  ]);
  return parts.join('|');
}

/**
 * Answers a multi-step wizard one step at a time, each only once the previous step has really gone: under load an
 * Enter pressed while a step still validates is dropped, so a step that stays is accepted again.
 */
export async function answerWizardSteps(page: Page, steps: number, answers: Record<number, string> = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await page.locator('.quick-input-widget').waitFor({ state: 'visible', timeout: timeoutMs });
    const step = await quickInputStep(page);
    await answerQuickInput(page, answers[i] !== undefined ? { type: answers[i] } : {}, timeoutMs);
    const deadline = Date.now() + timeoutMs;
    let lastEnter = Date.now();
    for (;;) {
      const now = await quickInputStep(page);
      if (now !== step) break;
      if (Date.now() > deadline) throw new Error(`wizard step ${i + 1} of ${steps} (${step}) did not advance within ${timeoutMs} ms`);
      if (Date.now() - lastEnter > 3000) {
        await page.keyboard.press('Enter');
        lastEnter = Date.now();
      }
      await page.waitForTimeout(100);
    }
  }
}

// ---------- explorer and context menus ----------

async function openExplorer(page: Page, timeoutMs: number): Promise<void> {
  const explorer = page.locator('.part.sidebar .explorer-folders-view');
  if (await explorer.isVisible().catch(() => false)) return;
  await openViewContainer(page, 'Explorer', timeoutMs);
  await explorer.waitFor({ state: 'visible', timeout: timeoutMs });
}

export async function readExplorerFiles(page: Page): Promise<string[]> {
  return page.locator('.explorer-folders-view .monaco-list-row .label-name').allInnerTexts();
}

/** Right-clicks a file in the explorer (top level of the workspace folder) and waits for the context menu. */
export async function rightClickExplorerFile(page: Page, name: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  await openExplorer(page, timeoutMs);
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: exact(name) }),
  }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`no "${name}" in the explorer within ${timeoutMs} ms; it shows ${list(await readExplorerFiles(page))}`);
  }
  await row.click({ button: 'right' });
  try {
    await contextMenu(page).waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new Error(`right-clicking "${name}" in the explorer opened no context menu within ${timeoutMs} ms`);
  }
}

function contextMenu(page: Page): Locator {
  return page.locator('.context-view .monaco-menu').first();
}

/** The labels of the open context menu's entries (separators left out). */
export async function readContextMenu(page: Page, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
  await contextMenu(page).waitFor({ state: 'visible', timeout: timeoutMs });
  const labels = await page.locator('.context-view .monaco-menu .action-item:not(.disabled) .action-label:not(.separator)').evaluateAll(
    (els) => els.map((e) => (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()).filter((s) => s.length > 0));
  return labels;
}

export async function pickContextMenuEntry(page: Page, label: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const labels = await readContextMenu(page, timeoutMs);
  if (!labels.includes(label)) {
    await page.keyboard.press('Escape');
    throw new Error(`no "${label}" in the context menu; it holds ${list(labels)}`);
  }
  const entry = page.locator('.context-view .monaco-menu .action-item .action-label', { hasText: exact(label) }).first();
  await entry.hover();
  await entry.click();
  // Under load the workbench sometimes highlights the entry but drops the click; the menu then stays open.
  // The highlighted entry has the keyboard focus, so Enter runs it the way a person would retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await contextMenu(page).waitFor({ state: 'hidden', timeout: 1500 }).then(() => true, () => false)) return;
    await entry.hover().catch(() => undefined);
    await page.keyboard.press('Enter');
  }
  if (await contextMenu(page).isVisible().catch(() => false)) {
    throw new Error(`clicked "${label}" in the context menu, but the menu stayed open`);
  }
}

export async function closeContextMenu(page: Page): Promise<void> {
  if (await contextMenu(page).isVisible().catch(() => false)) await page.keyboard.press('Escape');
}

export async function clearNotifications(page: Page): Promise<void> {
  await runPaletteCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
}
