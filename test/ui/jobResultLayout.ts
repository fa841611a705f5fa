// Issue 18: the Job Result panel's tables must not break words ("Parall elism", "Stat us") at an ordinary window size,
// in light, dark and high-contrast themes. Measured in the real webview: every word of every cell must sit on one line
// (a Range over the word has its boxes on one line) and every header cell on one line with nothing cut off.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import type { ThemeKind } from '../harness/workbench';
import type { FlowContext } from '../harness/uiFlow';

export interface TableLayout {
  /** "th \"Parallelism\" on 2 lines", one entry per broken word or wrapped header. */
  broken: string[];
  /** Header cells, each with its line count, for the log. */
  headers: string[];
  /** Whether a table is wider than its box (it then scrolls sideways). */
  scrolls: boolean[];
}

/** Measures every table inside the webview document. */
export async function measureTables(frame: Frame): Promise<TableLayout> {
  return frame.evaluate(() => {
    const lines = (r: Range): number => new Set(Array.from(r.getClientRects()).filter((b) => b.width > 0).map((b) => Math.round(b.top))).size;
    const broken: string[] = [];
    const headers: string[] = [];
    for (const cell of Array.from(document.querySelectorAll('table th, table td'))) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? '';
        // A word ends at a space or after a hyphen or slash (where a browser may wrap without breaking it).
        for (const m of text.matchAll(/[^\s\-/]+[-/]?/g)) {
          const r = document.createRange();
          r.setStart(n, m.index ?? 0);
          r.setEnd(n, (m.index ?? 0) + m[0].length);
          const k = lines(r);
          if (k > 1) broken.push(`${cell.tagName.toLowerCase()} "${m[0]}" on ${k} lines`);
        }
      }
      if (cell.tagName === 'TH' && (cell.textContent ?? '').trim()) {
        const r = document.createRange();
        r.selectNodeContents(cell);
        const k = lines(r);
        const el = cell as HTMLElement;
        headers.push(`${(cell.textContent ?? '').trim()}:${k}`);
        if (k > 1) broken.push(`header "${(cell.textContent ?? '').trim()}" on ${k} lines`);
        if (el.scrollWidth > el.clientWidth + 1) broken.push(`header "${(cell.textContent ?? '').trim()}" cut off (${el.scrollWidth} > ${el.clientWidth} px)`);
      }
    }
    const scrolls = Array.from(document.querySelectorAll('.table-scroll')).map((b) => (b as HTMLElement).scrollWidth > (b as HTMLElement).clientWidth + 1);
    return { broken, headers, scrolls };
  });
}

const THEMES: { label: string; kind: ThemeKind; shot: string }[] = [
  { label: 'Dark Modern', kind: 'dark', shot: 'job-result-dark' },
  { label: 'Dark High Contrast', kind: 'high-contrast', shot: 'job-result-high-contrast' },
  // Last, so that the rest of the flow runs in code-server's default theme again.
  { label: 'Light Modern', kind: 'light', shot: 'job-result-light' },
];

/** With the Job Result panel in front: checks its tables at 1280x800 and 1000x700 in each theme, and screenshots each theme. */
export async function checkJobResultLayout(ctx: FlowContext): Promise<void> {
  const { page, helpers, log, screenshot } = ctx;
  const original = page.viewportSize();
  const check = async (what: string): Promise<void> => {
    await page.waitForTimeout(400); // let the webview lay out at the new size
    const frame = await helpers.webviewFrame(page, '[data-testid="vertices"]');
    const layout = await measureTables(frame);
    log(`Job Result tables, ${what}: headers ${layout.headers.join(' ')}; sideways scroll ${layout.scrolls.map((s) => (s ? 'yes' : 'no')).join('/')}`);
    assert.deepEqual(layout.broken, [], `the Job Result tables break words (${what}): ${layout.broken.join('; ')}`);
  };
  try {
    for (const theme of THEMES) {
      await helpers.setColorTheme(page, theme.label, theme.kind);
      const frame = await helpers.webviewFrame(page, '[data-testid="vertices"]');
      await frame.waitForFunction((cls) => document.body.classList.contains(cls), helpers.webviewThemeClass(theme.kind), { timeout: 10_000 });
      await page.setViewportSize({ width: 1000, height: 700 });
      await check(`${theme.label} at 1000x700`);
      await page.setViewportSize({ width: 1280, height: 800 });
      await check(`${theme.label} at 1280x800`);
      await page.mouse.move(1200, 780);
      await screenshot(theme.shot);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}
