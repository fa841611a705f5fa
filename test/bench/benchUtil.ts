// Shared pieces of the benchmarks: figures, medians, side-by-side repetitions, the table and the JSON line.
import { performance } from 'node:perf_hooks';

/** The keys of issue 8, in its order: the last stdout line of `npm run bench` holds exactly these. */
export const FIGURE_KEYS = [
  'session_ready_ratio', 'accept_calls_per_agent', 'offer_rounds_1000_tm', 'recordio_vs_json_parse', 'offer_handling_vs_parse',
  'upload_vs_curl', 'upload_rss_growth_mb', 'tree_refresh_ms_1000_tm', 'tree_refresh_vs_parse', 'hidden_view_requests_per_min',
  'bundle_kb', 'activation_ms',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

export interface Figure {
  key: FigureKey;
  /** null when the figure could not be measured; `note` says why. */
  value: number | null;
  /** e.g. "<= 0.6" */
  target: string;
  met: boolean | null;
  /** What the figure was compared with, and how it was taken. */
  comparedWith: string;
  note?: string;
}

export interface BenchOptions {
  quick: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

export type Benchmark = (opts: BenchOptions) => Promise<Figure[]>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Target checks: "<= x", ">= x", "== x". */
export function meets(value: number | null, target: string): boolean | null {
  if (value === null || !Number.isFinite(value)) return null;
  const m = /^(<=|>=|==)\s*(-?[\d.]+)/.exec(target);
  if (!m) return null;
  const t = Number(m[2]);
  return m[1] === '<=' ? value <= t : m[1] === '>=' ? value >= t : Math.abs(value - t) < 1e-9;
}

export function figure(key: FigureKey, value: number | null, target: string, comparedWith: string, note?: string): Figure {
  return { key, value, target, met: meets(value, target), comparedWith, note };
}

export function missing(key: FigureKey, target: string, comparedWith: string, why: string): Figure {
  return { key, value: null, target, met: null, comparedWith, note: why };
}

/** Runs `a` then `b`, then `b` then `a`, ... (alternating which goes first), `pairs` times; returns both series. */
export async function alternate<T>(pairs: number, a: () => Promise<T> | T, b: () => Promise<T> | T): Promise<{ a: T[]; b: T[] }> {
  const as: T[] = [];
  const bs: T[] = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) { as.push(await a()); bs.push(await b()); } else { bs.push(await b()); as.push(await a()); }
  }
  return { a: as, b: bs };
}

/** Milliseconds taken by fn (synchronous). */
export function timeSync(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Pseudo-random numbers from a seed (mulberry32): the same stream in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'NO';
  return String(v);
}

/** The readable table: key, value, target, met?, compared with (and a note). */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.key, cell(f.value), f.target, f.met === null ? '-' : cell(f.met), f.comparedWith + (f.note ? ` [${f.note}]` : '')]);
  const head = ['key', 'value', 'target', 'met?', 'compared with / how'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.slice().map((r) => (i < 4 ? r[i].length : 0))));
  const line = (r: string[]): string => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w)).concat(['-'.repeat(20)])), ...rows.map(line)].join('\n');
}

/** One JSON object with exactly the given keys (null where a figure is missing). */
export function figuresJson(figures: readonly Figure[], keys: readonly FigureKey[] = FIGURE_KEYS): string {
  const out: Record<string, number | null> = {};
  for (const k of keys) out[k] = figures.find((f) => f.key === k)?.value ?? null;
  return JSON.stringify(out);
}

/** For a benchmark file run on its own: `node out/test/bench/<name>.js [--quick]` prints its table and its JSON line. */
export function runStandalone(bench: Benchmark, keys: readonly FigureKey[]): void {
  const quick = process.argv.includes('--quick');
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  bench({ quick, log }).then((figures) => {
    process.stdout.write(`${formatTable(figures)}\n`);
    process.stdout.write(`${figuresJson(figures, keys)}\n`);
    process.exit(0);
  }, (err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
