// Shared pieces of the benchmarks: figures, medians and spreads, the interleaved paired measurement, the table and the JSON line.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** The keys of issue 8, in its order, then issue 19's: the last stdout line of `npm run bench` holds exactly these. */
export const FIGURE_KEYS = [
  'session_ready_ratio', 'accept_calls_per_agent', 'offer_rounds_1000_tm', 'recordio_vs_json_parse', 'offer_handling_vs_parse',
  'upload_vs_curl', 'upload_rss_growth_mb', 'tree_refresh_ms_1000_tm', 'tree_refresh_vs_parse', 'hidden_view_requests_per_min',
  'bundle_kb', 'activation_ms',
  // Issue 19: real Flink, ten times the scale, the extension host's memory and its requests while visible.
  'real_session_ready_vs_start_cluster', 'real_submit_vs_flink_cli', 'real_upload_vs_curl', 'jm_recovery_vs_cold_start',
  'offer_rounds_10000_tm', 'accept_calls_per_agent_10000', 'offer_handling_vs_parse_10000', 'extension_host_mb_1000_tm',
  'requests_per_min_visible', 'upload_vs_curl_loaded', 'real_upload_vs_curl_loaded',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** Added after issue 8's keys in the JSON line: the interquartile range of each paired ratio's pairwise ratios. */
export const SPREAD_KEYS = [
  'session_ready_ratio_spread', 'recordio_vs_json_parse_spread', 'offer_handling_vs_parse_spread', 'upload_vs_curl_spread',
  'tree_refresh_vs_parse_spread', 'offer_handling_vs_parse_10000_spread', 'real_session_ready_vs_start_cluster_spread',
  'real_submit_vs_flink_cli_spread', 'real_upload_vs_curl_spread', 'upload_vs_curl_loaded_spread', 'real_upload_vs_curl_loaded_spread',
] as const;
export type SpreadKey = (typeof SPREAD_KEYS)[number];

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
  /** For a paired ratio: the interquartile range of its pairwise ratios (the JSON line's `<key>_spread`). */
  spread?: number;
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

/** Wall-clock and CPU milliseconds of one measured stretch. */
export interface Sample { wallMs: number; cpuMs: number }

/**
 * Starts both clocks; the returned function stops them. CPU time is the process's user + system time (every thread, so
 * V8's helper threads for GC and compilation count too); unlike wall time it leaves out the time the process waits for a
 * core, which under load is not the same share for both sides of a ratio (a side that awaits or allocates more is
 * descheduled more often).
 */
export function startClock(): () => Sample {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return { wallMs: performance.now() - wall0, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
}

export function sampleSync(fn: () => void): Sample {
  const stop = startClock();
  fn();
  return stop();
}

/** Median, quartiles and range of a series (quartiles by linear interpolation). */
export interface Spread { median: number; q1: number; q3: number; iqr: number; min: number; max: number; n: number }

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((x, y) => x - y);
  const at = (q: number): number => {
    if (s.length === 0) return NaN;
    const i = (s.length - 1) * q;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
  };
  const q1 = at(0.25);
  const q3 = at(0.75);
  return { median: at(0.5), q1, q3, iqr: q3 - q1, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length };
}

export function formatSpread(x: Spread, digits = 3): string {
  return `median ${round(x.median, digits)}, IQR ${round(x.q1, digits)}-${round(x.q3, digits)}, range ${round(x.min, digits)}-${round(x.max, digits)} of ${x.n}`;
}

export interface Interleaved<T> {
  /** Per round: the batch of A's runs, and the batch of B's. */
  a: T[][];
  b: T[][];
  /** One ratio per round, from the sums of the two batches. */
  ratios: number[];
}

/**
 * THE METHOD OF EVERY PAIRED RATIO HERE: `rounds` rounds, each a small batch of `batch` runs of A right next to a batch of
 * `batch` runs of B, which one goes first flipping every round (AB, BA, AB, ...). Each round gives one pairwise ratio,
 * `ratio(sum of A's batch, sum of B's batch)`; a figure is the median of those ratios and its spread their interquartile
 * range. Both batches of a round see the same moment of the machine, so a load that comes and goes moves both; the
 * median keeps a round that a burst hit on one side only from moving the figure.
 */
export async function interleave<T>(rounds: number, batch: number, a: () => Promise<T> | T, b: () => Promise<T> | T,
  ratio: (as: T[], bs: T[]) => number): Promise<Interleaved<T>> {
  const out: Interleaved<T> = { a: [], b: [], ratios: [] };
  const runBatch = async (fn: () => Promise<T> | T): Promise<T[]> => {
    const xs: T[] = [];
    for (let j = 0; j < batch; j++) xs.push(await fn());
    return xs;
  };
  for (let i = 0; i < rounds; i++) {
    let as: T[];
    let bs: T[];
    if (i % 2 === 0) { as = await runBatch(a); bs = await runBatch(b); } else { bs = await runBatch(b); as = await runBatch(a); }
    out.a.push(as);
    out.b.push(bs);
    out.ratios.push(ratio(as, bs));
  }
  return out;
}

export function sum(values: readonly number[]): number {
  return values.reduce((t, v) => t + v, 0);
}

/** Ratios of CPU time and of wall time from the same interleaved samples (A / B, or B / A for a throughput ratio). */
export function cpuAndWallRatios(r: Interleaved<Sample>, invert = false): { cpu: Spread; wall: Spread } {
  const per = (clock: keyof Sample): number[] => r.a.map((as, i) => {
    const x = sum(as.map((s) => s[clock]));
    const y = sum(r.b[i].map((s) => s[clock]));
    return invert ? y / x : x / y;
  });
  return { cpu: spread(per('cpuMs')), wall: spread(per('wallMs')) };
}

/**
 * Loads the machine for a "loaded" figure: one child process in a busy loop (like a build beside the benchmark), on
 * whatever core the scheduler gives it. The returned stop() kills exactly that child.
 */
export function startCpuBurner(): { stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return {
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    }),
  };
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

/** One JSON object with exactly the given keys (null where a figure is missing), then `<key>_spread` of each paired ratio. */
export function figuresJson(figures: readonly Figure[], keys: readonly FigureKey[] = FIGURE_KEYS): string {
  const out: Record<string, number | null> = {};
  for (const k of keys) out[k] = figures.find((f) => f.key === k)?.value ?? null;
  for (const sk of SPREAD_KEYS) {
    const k = sk.slice(0, -'_spread'.length) as FigureKey;
    if (keys.includes(k)) out[sk] = figures.find((f) => f.key === k)?.spread ?? null;
  }
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
