// Playwright helpers that drive the VS Code web workbench (served by code-server) in Debian's Chromium,
// the way a person would: activity bar, palette, trees, explorer context menu, webviews, notifications.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { repoRoot } from '../repoRoot';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Default wait for UI elements; raise with HARNESS_TIMEOUT_MS on a slow machine. */
export const DEFAULT_TIMEOUT_MS = Number(process.env.HARNESS_TIMEOUT_MS ?? 30_000);

export async function launchBrowser(opts: { headless?: boolean } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with "sudo apt-get install -y chromium" or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: opts.headless ?? true, args: CHROMIUM_FLAGS });
}

/**
 * The extension folder the runners load: the repository, or EXTENSION_UNDER_TEST (an absolute folder holding
 * package.json and its bundle, e.g. an unpacked .vsix). Checks that the bundle is built.
 */
export function extensionUnderTest(root: string = repoRoot(__dirname)): string {
  const dir = process.env.EXTENSION_UNDER_TEST || root;
  if (!path.isAbsolute(dir)) throw new Error(`EXTENSION_UNDER_TEST must be an absolute folder, not "${dir}"`);
  const manifestFile = path.join(dir, 'package.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`no package.json in ${dir} (EXTENSION_UNDER_TEST)`);
  const main = (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { main?: string }).main;
  if (main && !fs.existsSync(path.resolve(dir, main)) && !fs.existsSync(path.resolve(dir, `${main}.js`))) {
    throw new Error(`the extension bundle ${path.resolve(dir, main)} is missing: run "npm run build" first`);
  }
  return dir;
}

export interface WorkbenchUrlOptions {
  serverUrl: string;                   // http://127.0.0.1:PORT
  workspace: string;                   // absolute folder on the server
  extensionDevelopmentPath?: string;   // absolute folder on the server (the repo root)
  extensionTestsPath?: string;         // absolute path of the compiled mocha entry (out/test/suite/index.js)
}

/** The workbench address with the extension under development (and tests) passed in the payload, as VS Code's browser tests do. */
export function workbenchUrl(opts: WorkbenchUrlOptions): string {
  const server = new URL(opts.serverUrl);
  const remote = (p: string): string => {
    if (!path.isAbsolute(p)) throw new Error(`"${p}" must be an absolute path on the code-server machine`);
    return `vscode-remote://${server.host}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
  };
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  return `${server.origin}/?folder=${encodeURIComponent(opts.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface OpenWorkbenchOptions extends WorkbenchUrlOptions {
  browser?: Browser;                   // default: a new one, closed by close()
  viewport?: { width: number; height: number };
  /** Called before navigation, e.g. to expose codeAutomationExit / codeAutomationLog. */
  beforeNavigate?: (page: Page) => Promise<void>;
  /** Wait for the activity bar (default true). */
  waitForReady?: boolean;
  /** Browser console messages (errors by default go nowhere). */
  onConsole?: (type: string, text: string) => void;
}

export interface Workbench {
  browser: Browser;
  page: Page;
  url: string;
  close(): Promise<void>;
}

export async function openWorkbench(opts: OpenWorkbenchOptions): Promise<Workbench> {
  const ownBrowser = !opts.browser;
  const browser = opts.browser ?? await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
    if (opts.onConsole) {
      const onConsole = opts.onConsole;
      page.on('console', (msg) => onConsole(msg.type(), msg.text()));
    }
    if (opts.beforeNavigate) await opts.beforeNavigate(page);
    const url = workbenchUrl(opts);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: DEFAULT_TIMEOUT_MS * 2 });
    if (opts.waitForReady ?? true) await waitForWorkbench(page);
    return {
      browser, page, url,
      close: async () => {
        await context.close().catch(() => undefined);
        if (ownBrowser) await browser.close().catch(() => undefined);
      },
    };
  } catch (err) {
    if (ownBrowser) await browser.close().catch(() => undefined);
    throw err;
  }
}

/** Waits until the workbench has rendered its activity bar and the explorer's folder. */
export async function waitForWorkbench(page: Page, timeoutMs = DEFAULT_TIMEOUT_MS * 2): Promise<void> {
  try {
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const body = await page.locator('body').innerText({ timeout: 1000 }).catch(() => '');
    throw new Error(`the VS Code workbench did not appear within ${timeoutMs} ms at ${page.url()}; the page shows: ${short(body, 400)}`);
  }
}

/** Waits (up to `maxMs`, never failing) until no extension is activating and no view shows a progress bar: for calm screenshots. */
export async function waitForQuiet(page: Page, maxMs = 10_000): Promise<void> {
  await page.waitForFunction(() => {
    const status = document.querySelector('.part.statusbar')?.textContent ?? '';
    const busy = Array.from(document.querySelectorAll('.part.sidebar .monaco-progress-container.active, .part.activitybar .monaco-progress-container.active'))
      .some((e) => (e as HTMLElement).offsetParent !== null);
    return !status.includes('Activating Extensions') && !busy;
  }, undefined, { timeout: maxMs, polling: 200 }).catch(() => undefined);
}

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
}

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

// ---------- webviews ----------

/** Frames holding webview content: VS Code nests them as <iframe class="webview"> -> <iframe id="active-frame">. */
function webviewContentFrames(page: Page): Frame[] {
  return page.frames().filter((f) => f.name() === 'active-frame' || /\/webview\/browser\/pre\/fake\.html/.test(f.url()));
}

interface FrameInfo { title: string; text: string; matched: boolean }

/**
 * The text of a webview: the one whose document title equals `titleOrSelector`, or whose document has an element
 * matching it as a CSS selector (then that element's text). With an editor tab of that title, the tab is focused first.
 */
export async function readWebviewText(page: Page, titleOrSelector: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  const tab = page.locator('.tabs-container .tab', { has: page.locator('.label-name', { hasText: exact(titleOrSelector) }) }).first();
  if (await tab.isVisible().catch(() => false)) await tab.click();
  const deadline = Date.now() + timeoutMs;
  let seen: FrameInfo[] = [];
  while (true) {
    seen = [];
    for (const frame of webviewContentFrames(page)) {
      const info = await frame.evaluate((want: string): FrameInfo => {
        let selected: Element | null = null;
        try { selected = document.querySelector(want); } catch { /* not a selector */ }
        const body = document.body as HTMLElement | null;
        if (document.title === want) return { title: document.title, text: body?.innerText ?? '', matched: true };
        if (selected) return { title: document.title, text: (selected as HTMLElement).innerText ?? selected.textContent ?? '', matched: true };
        return { title: document.title, text: body?.innerText ?? '', matched: false };
      }, titleOrSelector).catch(() => undefined);
      if (!info) continue;
      if (info.matched && info.text.trim().length > 0) return info.text;
      seen.push(info);
    }
    if (Date.now() > deadline) break;
    await page.waitForTimeout(200);
  }
  const desc = seen.map((s) => `"${s.title}": ${short(s.text, 80)}`);
  throw new Error(`no webview titled or holding "${titleOrSelector}" within ${timeoutMs} ms; webviews seen: ${list(desc)}`);
}

/** The frame of a webview (same matching as readWebviewText), to click or read inside it. */
export async function webviewFrame(page: Page, titleOrSelector: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Frame> {
  await readWebviewText(page, titleOrSelector, timeoutMs);
  for (const frame of webviewContentFrames(page)) {
    const ok = await frame.evaluate((want: string) => {
      try { if (document.querySelector(want)) return true; } catch { /* not a selector */ }
      return document.title === want;
    }, titleOrSelector).catch(() => false);
    if (ok) return frame;
  }
  throw new Error(`the webview "${titleOrSelector}" went away`);
}

// ---------- notifications ----------

export interface NotificationInfo { message: string; source: string; buttons: string[] }

function notificationItems(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item');
}

export async function readNotifications(page: Page): Promise<NotificationInfo[]> {
  return notificationItems(page).evaluateAll((els) => els.map((e) => ({
    message: (e.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
    source: (e.querySelector('.notification-list-item-source')?.textContent ?? '').trim(),
    buttons: Array.from(e.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b) => (b.textContent ?? '').trim()),
  })));
}

/**
 * Waits for a notification whose message contains the text (or matches the RegExp) and, when `button` is given,
 * shows that button (buttons render a moment after the message).
 */
export async function waitForNotification(page: Page, textOrRegex: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS, opts: { button?: string } = {}): Promise<NotificationInfo> {
  const matches = (m: string): boolean => typeof textOrRegex === 'string' ? m.includes(textOrRegex) : textOrRegex.test(m);
  const deadline = Date.now() + timeoutMs;
  let seen: NotificationInfo[] = [];
  while (true) {
    seen = await readNotifications(page);
    const hit = seen.find((n) => matches(n.message) && (opts.button === undefined || n.buttons.includes(opts.button)));
    if (hit) return hit;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(150);
  }
  const shown = seen.map((n) => `${n.message}${n.buttons.length ? ` [${n.buttons.join(' | ')}]` : ''}`);
  throw new Error(`no notification ${String(textOrRegex)}${opts.button ? ` with a button "${opts.button}"` : ''} within ${timeoutMs} ms; notifications shown: ${list(shown)}`);
}

/** Clicks a button of the notification whose message matches. */
export async function clickNotificationButton(page: Page, textOrRegex: string | RegExp, button: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const info = await waitForNotification(page, textOrRegex, timeoutMs, { button });
  const item = notificationItems(page).filter({ has: page.locator('.notification-list-item-message', { hasText: info.message }) }).first();
  await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: exact(button) }).first().click();
}

export async function clearNotifications(page: Page): Promise<void> {
  await runPaletteCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
}

// ---------- modal dialogs ----------

export interface DialogInfo { message: string; detail: string; buttons: string[] }

function dialogBox(page: Page): Locator {
  return page.locator('.monaco-dialog-box').first();
}

/** The open modal dialog (e.g. a modal showWarningMessage): its message, detail and buttons. */
export async function readDialog(page: Page, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DialogInfo> {
  const box = dialogBox(page);
  try {
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const notes = await readNotifications(page).catch(() => []);
    throw new Error(`no modal dialog within ${timeoutMs} ms; notifications shown instead: ${list(notes.map((n) => n.message))}`);
  }
  // Without a detail, VS Code renders the message in the detail element.
  return box.evaluate((e) => {
    const text = (e.querySelector('.dialog-message-text')?.textContent ?? '').trim();
    const detail = (e.querySelector('.dialog-message-detail')?.textContent ?? '').trim();
    return {
      message: text || detail,
      detail: text ? detail : '',
      buttons: Array.from(e.querySelectorAll('.dialog-buttons .monaco-button')).map((b) => (b.textContent ?? '').trim()),
    };
  });
}

/** Clicks a button of the open modal dialog. */
export async function answerDialog(page: Page, button: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const info = await readDialog(page, timeoutMs);
  if (!info.buttons.includes(button)) throw new Error(`the dialog "${info.message}" has no button "${button}"; it has ${list(info.buttons)}`);
  await dialogBox(page).locator('.dialog-buttons .monaco-button', { hasText: exact(button) }).first().click();
  await dialogBox(page).waitFor({ state: 'hidden', timeout: timeoutMs });
}

// ---------- screenshots ----------

export function screenshotDir(): string {
  return path.join(repoRoot(__dirname), 'test-results', 'screenshots');
}

/** Saves <repo>/test-results/screenshots/<name>.png (stable names, so docs can copy them). Returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!safe) throw new Error(`screenshot name "${name}" has no usable characters`);
  const file = path.join(screenshotDir(), `${safe}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

// ---------- small helpers ----------

function cssString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exact(label: string | RegExp): RegExp {
  return typeof label === 'string' ? new RegExp(`^\\s*${escapeRegex(label)}\\s*$`) : label;
}

function short(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

function list(items: string[]): string {
  return items.length === 0 ? '(nothing)' : items.map((i) => `"${i}"`).join(', ');
}
