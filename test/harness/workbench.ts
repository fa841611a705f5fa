// Playwright helpers that drive the VS Code web workbench (served by code-server) in Debian's Chromium,
// the way a person would: launching the browser, opening the workbench, screenshots; the helpers for views, webviews
// and messages live in workbenchViews.ts, workbenchWebviews.ts and workbenchMessages.ts and are re-exported here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../repoRoot';
import { guardBrowserContext, type BrowserRequests } from './loopbackGuard';
import { answerQuickInput, runPaletteCommand } from './workbenchViews';
import { DEFAULT_TIMEOUT_MS, short } from './workbenchText';

// The helpers by role, all reachable from this module (the UI flows get them as one `helpers` namespace).
export { isLoopbackUrl, loopbackViolations } from './loopbackGuard';
export * from './workbenchMessages';
export * from './workbenchViews';
export * from './workbenchWebviews';
export { DEFAULT_TIMEOUT_MS } from './workbenchText';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

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
  /** Every request of the browser context; the ones that were not loopback were aborted (loopbackGuard.ts). */
  network: BrowserRequests;
  close(): Promise<void>;
}

export async function openWorkbench(opts: OpenWorkbenchOptions): Promise<Workbench> {
  const ownBrowser = !opts.browser;
  const browser = opts.browser ?? await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const network = await guardBrowserContext(context);
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
      browser, page, url, network,
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

// ---------- colour themes ----------

export type ThemeKind = 'light' | 'dark' | 'high-contrast';

/** The workbench class and the webview body class of each kind of theme. */
const THEME_CLASSES: Record<ThemeKind, { workbench: string; webview: string }> = {
  light: { workbench: 'vs', webview: 'vscode-light' },
  dark: { workbench: 'vs-dark', webview: 'vscode-dark' },
  'high-contrast': { workbench: 'hc-black', webview: 'vscode-high-contrast' },
};

/** Picks a colour theme as a person would (Preferences: Color Theme, type its name, Enter) and waits until it shows. */
export async function setColorTheme(page: Page, label: string, kind: ThemeKind, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  await runPaletteCommand(page, 'Preferences: Color Theme', timeoutMs);
  await answerQuickInput(page, { type: label }, timeoutMs);
  const want = THEME_CLASSES[kind].workbench;
  try {
    await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls) ?? false, want, { timeout: timeoutMs, polling: 200 });
  } catch {
    const classes = await page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? '').catch(() => '');
    throw new Error(`picked the colour theme "${label}" but the workbench did not turn ${kind} (class "${want}") within ${timeoutMs} ms; its classes: ${classes}`);
  }
}

/** The class a webview's body carries under a kind of theme. */
export function webviewThemeClass(kind: ThemeKind): string {
  return THEME_CLASSES[kind].webview;
}
