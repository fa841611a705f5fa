// Compares two answers to the same REST call by shape: status, the headers that matter, the fields present and absent
// and their types, the values a client branches on (states), and the error text the client shows. Volatile values
// (ids, times, paths, numbers) are reduced to their type; arrays to the set of their elements' shapes.
import { summarizeFlinkErrors } from '../../src/core/flink/FlinkRestError';
import type { RecordedCall } from './restCall';

export type Shape = string | Shape[] | { [key: string]: Shape };

/** Keys whose string values are an enumeration the client acts on: compared by value. */
const ENUM_KEYS = new Set(['state', 'status', 'application-status', 'job-type', 'flink-version']);
/** Objects whose keys are data (accumulator names), not fields: their keys are not compared. */
const DATA_KEYED = new Set(['serialized-user-task-accumulators', 'accumulator-results']);

export function shapeOf(value: unknown, key = '', parent = ''): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    // The items of an array as one merged shape: a field some items lack is marked optional ("name?").
    return [value.map((v) => shapeOf(v, key, parent)).reduce(mergeShapes)];
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (DATA_KEYED.has(key)) {
      const values = Object.values(o);
      return values.length === 0 ? {} : { '<any key>': values.map((v) => shapeOf(v)).reduce(mergeShapes) };
    }
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, shapeOf(o[k], k, key)]));
  }
  if (typeof value === 'string') {
    if (ENUM_KEYS.has(key) || (key === 'id' && parent === 'status')) return `string "${value}"`;
    return 'string';
  }
  return typeof value;
}

const isObject = (s: Shape): s is { [key: string]: Shape } => typeof s === 'object' && !Array.isArray(s);

/** One shape that covers both: objects merge field by field, scalars become "a | b". */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (isObject(a) && isObject(b)) {
    const out: Record<string, Shape> = {};
    const plain = (k: string): string => k.replace(/\?$/, '');
    const keys = new Set([...Object.keys(a).map(plain), ...Object.keys(b).map(plain)]);
    for (const k of [...keys].sort()) {
      const inA = k in a ? a[k] : a[`${k}?`];
      const inB = k in b ? b[k] : b[`${k}?`];
      const optional = inA === undefined || inB === undefined || `${k}?` in a || `${k}?` in b;
      const merged = inA === undefined ? inB! : inB === undefined ? inA : mergeShapes(inA, inB);
      out[optional ? `${k}?` : k] = merged;
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === 0) return b;
    if (b.length === 0) return a;
    return [mergeShapes(a[0], b[0])];
  }
  const parts = new Set([...alternatives(a), ...alternatives(b)]);
  return [...parts].sort().join(' | ');
}

function alternatives(s: Shape): string[] {
  if (typeof s === 'string') return s.split(' | ');
  return [JSON.stringify(s)];
}

/** Replaces what differs from run to run in a message: jar ids, job ids, paths, addresses, numbers. */
export function normaliseText(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[^\s'"/,)]+/g, '<jar>')
    .replace(/(?:file:)?(?:\/[^\s'"(),:]+)+/g, '<path>')
    .replace(/\b[0-9a-f]{32}\b/g, '<id>')
    .replace(/@[0-9a-f]+\b/g, '@<hash>')
    .replace(/\b\d+(?:\.\d+)*(?::\d+)?\b/g, '<n>');
}

/** The message the client shows for an error answer (FlinkRestError's first line and root cause), normalised. */
export function shownError(body: unknown): string | undefined {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  const { first, rootCause } = summarizeFlinkErrors(errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))));
  return normaliseText(rootCause ? `${first} (cause: ${rootCause})` : first);
}

function contentType(c: RecordedCall): string {
  return (c.headers['content-type'] ?? '(none)').toLowerCase().replace(/\s+/g, '');
}

/** The differences of one call, each naming the field: recorded (real Flink) first, then the other side. */
export function compareCalls(recorded: RecordedCall, actual: RecordedCall, otherName = 'stand-in'): string[] {
  const out: string[] = [];
  const where = `${recorded.step} (${recorded.method} ${recorded.path.replace(/\?.*/, '')})`;
  if (recorded.status !== actual.status) out.push(`${where}: status ${recorded.status} recorded, ${actual.status} from the ${otherName}`);
  if (contentType(recorded) !== contentType(actual)) out.push(`${where}: content-type "${contentType(recorded)}" recorded, "${contentType(actual)}" from the ${otherName}`);
  const a = typeof recorded.body === 'string' ? 'text' : shapeOf(recorded.body);
  const b = typeof actual.body === 'string' ? 'text' : shapeOf(actual.body);
  for (const d of diffShapes(a, b, 'body')) out.push(`${where}: ${d.split(' the other').join(` the ${otherName}`)}`);
  const ea = shownError(recorded.body);
  const eb = shownError(actual.body);
  if (ea !== eb) out.push(`${where}: error shown as\n    recorded: ${ea}\n    ${otherName}: ${eb}`);
  return out;
}

export function diffShapes(a: Shape, b: Shape, at: string): string[] {
  if (typeof a === 'string' || typeof b === 'string') {
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${at}: ${describe(a)} recorded, ${describe(b)} from the other`];
  }
  if (Array.isArray(a) !== Array.isArray(b)) return [`${at}: ${describe(a)} recorded, ${describe(b)} from the other`];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === 0 || b.length === 0) return a.length === b.length ? [] : [`${at}: ${a.length === 0 ? 'an empty array' : 'items'} recorded, ${b.length === 0 ? 'an empty array' : 'items'} from the other`];
    return diffShapes(a[0], b[0], `${at}[]`);
  }
  const oa = a as Record<string, Shape>;
  const ob = b as Record<string, Shape>;
  const out: string[] = [];
  for (const k of Object.keys(oa)) {
    if (!(k in ob)) out.push(`${at}.${k}: recorded (${describe(oa[k])}), missing from the other`);
    else out.push(...diffShapes(oa[k], ob[k], `${at}.${k}`));
  }
  for (const k of Object.keys(ob)) if (!(k in oa)) out.push(`${at}.${k}: not recorded, sent (${describe(ob[k])}) by the other`);
  return out;
}

function describe(s: Shape): string {
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return 'an array';
  return 'an object';
}

