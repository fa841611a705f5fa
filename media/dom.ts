// Builds DOM from data without ever parsing strings as HTML: every cluster string becomes a text node.

type Child = Node | string | number | undefined | null | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    // No event-handler attributes and no URLs from data: handlers are attached with addEventListener.
    if (/^on/i.test(k) || k === 'href' || k === 'src') continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export function svg(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  children.forEach(c => el.appendChild(c));
  return el;
}

export function replaceChildren(parent: Element, ...children: Node[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  children.forEach(c => parent.appendChild(c));
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; title?: string; testId?: string } = {}): HTMLButtonElement {
  const b = h('button', { class: opts.secondary ? 'secondary' : undefined, title: opts.title, 'data-testid': opts.testId, type: 'button' }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function linkButton(label: string, onClick: () => void, testId?: string): HTMLButtonElement {
  const b = h('button', { class: 'link', type: 'button', 'data-testid': testId }, label);
  b.addEventListener('click', onClick);
  return b;
}

/**
 * A table inside a box that scrolls sideways when the panel is narrower than the table's words: cells wrap only
 * between words, never inside one (see webview.css). Columns listed in `numeric` are right-aligned and never wrap.
 */
export function table(headers: string[], rows: Child[][], testId?: string, numeric: number[] = []): HTMLElement {
  const cls = (i: number): string | undefined => numeric.includes(i) ? 'num' : undefined;
  return h('div', { class: 'table-scroll' }, h('table', { 'data-testid': testId },
    h('thead', {}, h('tr', {}, ...headers.map((x, i) => h('th', { class: cls(i), scope: 'col' }, x)))),
    h('tbody', {}, ...rows.map(r => h('tr', {}, ...r.map((c, i) => h('td', { class: cls(i) }, c)))))));
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hr = Math.floor(m / 60);
  return `${hr}h ${m % 60}m`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatTime(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleTimeString() : '';
}
