// Workbench helpers for webviews: VS Code nests their content in iframes; these find a webview by title or element.
import type { Frame, Page } from 'playwright-core';
import { DEFAULT_TIMEOUT_MS, exact, list, short } from './workbenchText';

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
