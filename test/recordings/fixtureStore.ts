// Recorded answers on disk: test/fixtures/flink-rest/<version>/<NN>-<step>.json, one file per call, in script order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import type { RecordedCall } from './restCall';

export function fixturesRoot(): string {
  return path.join(repoRoot(__dirname), 'test', 'fixtures', 'flink-rest');
}

/** The versions that have recordings. */
export function recordedVersions(): string[] {
  const root = fixturesRoot();
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory()).sort();
}

export function readRecording(version: string): RecordedCall[] {
  const dir = path.join(fixturesRoot(), version);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RecordedCall);
}

export function writeRecording(version: string, calls: RecordedCall[]): string {
  const dir = path.join(fixturesRoot(), version);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  calls.forEach((c, i) => {
    fs.writeFileSync(path.join(dir, `${String(i + 1).padStart(3, '0')}-${c.step}.json`), `${JSON.stringify({ ...c, body: compact(c.body) }, null, 2)}\n`);
  });
  return dir;
}

const LONG_ARRAY = 6;
const LONG_TEXT = 3000;

/**
 * Keeps fixtures small without losing shape: a long array keeps one element of each distinct shape (thread dumps,
 * configuration and metric lists), a long text body keeps its first lines, a long string its head, its "Caused by" lines and its tail. Error
 * texts are kept whole (the client reads their first line and their last "Caused by").
 */
function compact(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key === 'errors' || value.length <= LONG_TEXT) return value;
    // The "Caused by" lines of a stack trace stay: the client shows the root cause (a task's exception behind a wrapper).
    const middle = value.slice(LONG_TEXT / 2, -LONG_TEXT / 2);
    const causes = middle.split('\n').filter((l) => l.startsWith('Caused by: ')).map((l) => `${l}\n`).join('');
    return `${value.slice(0, LONG_TEXT / 2)}\n[... ${middle.length - causes.length} characters left out ...]\n${causes}${value.slice(-LONG_TEXT / 2)}`;
  }
  if (Array.isArray(value)) {
    const items = value.map((v) => compact(v, key));
    if (items.length <= LONG_ARRAY || key === 'errors') return items;
    const seen = new Set<string>();
    return items.filter((v) => {
      const s = JSON.stringify(shapeKey(v));
      if (seen.has(s)) return false;
      seen.add(s);
      return true;
    });
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v, k)]));
  }
  return value;
}

function shapeKey(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : ['array'];
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shapeKey((v as Record<string, unknown>)[k])]));
  return v === null ? null : typeof v;
}
