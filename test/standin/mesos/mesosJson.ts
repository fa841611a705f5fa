import { randomUUID } from 'node:crypto';

// JSON as the Mesos master reads and writes it: picojson-style parse errors, protobuf conversion errors,
// and doubles written with a fractional part (`15.0`), as recorded from a real Mesos 1.12 master.

/** Keys whose values are proto `double` fields: Mesos writes them as `15.0`, never `15`. */
const DOUBLE_KEYS = new Set([
  'heartbeat_interval_seconds', 'timestamp', 'failover_timeout', 'refuse_seconds', 'start_time', 'elected_time', 'mtime',
]);

function formatDouble(n: number): string {
  if (!Number.isFinite(n)) return '0.0';
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

function write(v: unknown, key: string | undefined, parentKey: string | undefined): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      if ((key !== undefined && DOUBLE_KEYS.has(key)) || (key === 'value' && parentKey === 'scalar')) return formatDouble(v);
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string': return JSON.stringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map((x) => write(x, key, parentKey)).join(',') + ']';
      const parts: string[] = [];
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        if (val === undefined) continue;
        parts.push(JSON.stringify(k) + ':' + write(val, k, key));
      }
      return '{' + parts.join(',') + '}';
    }
    default: return 'null';
  }
}

/** Serialises like the master: same key order as given, doubles as `8.0`, non-ASCII text left as UTF-8. */
export function toMesosJson(v: unknown): string {
  return write(v, undefined, undefined);
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses JSON and reports errors the way picojson (used by Mesos' stout) does: `syntax error at line N near: <rest of line>`. */
export function parseJsonLikeMesos(text: string): JsonParse {
  let pos = 0;
  let line = 1;
  const fail = (): never => { throw new SyntaxError('json'); };
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\r') pos++;
      else if (c === '\n') { pos++; line++; } else break;
    }
  };
  const match = (word: string): void => {
    for (const ch of word) {
      if (text[pos] !== ch) fail();
      pos++;
    }
  };
  const parseString = (): string => {
    // pos is just after the opening quote
    let out = '';
    while (true) {
      if (pos >= text.length) fail();
      const c = text[pos++];
      if (c === '"') return out;
      if (c === '\\') {
        const e = text[pos++];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in map) out += map[e];
        else if (e === 'u') {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
        } else fail();
      } else {
        if (c === '\n') line++;
        out += c;
      }
    }
  };
  const parseValue = (): unknown => {
    skipWs();
    const start = pos;
    const c = text[pos++];
    switch (c) {
      case 'n': match('ull'); return null;
      case 't': match('rue'); return true;
      case 'f': match('alse'); return false;
      case '"': return parseString();
      case '[': {
        const arr: unknown[] = [];
        skipWs();
        if (text[pos] === ']') { pos++; return arr; }
        while (true) {
          arr.push(parseValue());
          skipWs();
          const d = text[pos++];
          if (d === ']') return arr;
          if (d !== ',') { pos--; fail(); }
        }
      }
      case '{': {
        const obj: Record<string, unknown> = {};
        skipWs();
        if (text[pos] === '}') { pos++; return obj; }
        while (true) {
          skipWs();
          if (text[pos] !== '"') fail();
          pos++;
          const k = parseString();
          skipWs();
          if (text[pos] !== ':') fail();
          pos++;
          obj[k] = parseValue();
          skipWs();
          const d = text[pos++];
          if (d === '}') return obj;
          if (d !== ',') { pos--; fail(); }
        }
      }
      default: {
        if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) {
          const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(start));
          if (!m) fail();
          pos = start + m![0].length;
          return Number(m![0]);
        }
        pos = start;
        return fail();
      }
    }
  };
  try {
    const value = parseValue();
    skipWs();
    if (pos < text.length) fail();
    return { ok: true, value };
  } catch {
    const nl = text.indexOf('\n', pos);
    // eslint-disable-next-line no-control-regex
    const rest = (nl < 0 ? text.slice(pos) : text.slice(pos, nl)).replace(/[\x00-\x1f]/g, '');
    return { ok: false, error: `syntax error at line ${line} near: ${rest}` };
  }
}

/** Drops `null` members recursively: protobuf's JSON conversion treats them as absent (recorded with mesos-framework@0.5.3). */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
    return out;
  }
  return v;
}

const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** stout's base64 decoder error for the first character outside the alphabet, or undefined when valid. */
export function base64Error(s: string): string | undefined {
  if (BASE64_CHARS.test(s) && s.length % 4 === 0) return undefined;
  for (const ch of s) if (!/[A-Za-z0-9+/=]/.test(ch)) return `Invalid character '${ch}'`;
  return 'Invalid input length';
}

/** True for 16 bytes with version nibble 4 (what the master accepts in ACKNOWLEDGE). */
export function isV4UuidBytes(b: Buffer): boolean {
  return b.length === 16 && (b[6] >> 4) === 4;
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `{value: "..."}` ids. */
export function idOf(v: unknown): string | undefined {
  if (isObject(v) && typeof v.value === 'string') return v.value;
  return undefined;
}

/** Paths of required proto2 fields that are missing, formatted like protobuf's InitializationErrorString. */
export function missingRequiredFields(call: Json): string[] {
  const missing: string[] = [];
  const need = (obj: unknown, field: string, path: string): void => {
    if (!isObject(obj) || obj[field] === undefined) missing.push(path);
  };
  const needId = (obj: unknown, field: string, path: string): void => {
    if (!isObject(obj)) return;
    const v = obj[field];
    if (v === undefined) missing.push(path);
    else if (isObject(v) && v.value === undefined) missing.push(`${path}.value`);
  };
  const idField = (obj: unknown, field: string, path: string): void => {
    if (isObject(obj) && isObject(obj[field]) && (obj[field] as Json).value === undefined) missing.push(`${path}.value`);
  };
  const resources = (list: unknown, path: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((r, i) => {
      need(r, 'name', `${path}[${i}].name`);
      need(r, 'type', `${path}[${i}].type`);
      if (isObject(r) && isObject(r.scalar) && r.scalar.value === undefined) missing.push(`${path}[${i}].scalar.value`);
    });
  };
  const offerIds = (list: unknown, path: string): void => {
    if (Array.isArray(list)) list.forEach((o, i) => { if (!isObject(o) || o.value === undefined) missing.push(`${path}[${i}].value`); });
  };
  idField(call, 'framework_id', 'framework_id');
  if (isObject(call.subscribe)) {
    const s = call.subscribe;
    if (!isObject(s.framework_info)) missing.push('subscribe.framework_info');
    else {
      need(s.framework_info, 'user', 'subscribe.framework_info.user');
      need(s.framework_info, 'name', 'subscribe.framework_info.name');
      idField(s.framework_info, 'id', 'subscribe.framework_info.id');
    }
  }
  if (isObject(call.accept)) {
    offerIds(call.accept.offer_ids, 'accept.offer_ids');
    const ops = call.accept.operations;
    if (Array.isArray(ops)) ops.forEach((op, i) => {
      if (isObject(op) && isObject(op.launch) && Array.isArray(op.launch.task_infos)) {
        op.launch.task_infos.forEach((t, j) => {
          const p = `accept.operations[${i}].launch.task_infos[${j}]`;
          need(t, 'name', `${p}.name`);
          needId(t, 'task_id', `${p}.task_id`);
          needId(t, 'agent_id', `${p}.agent_id`);
          if (isObject(t)) resources(t.resources, `${p}.resources`);
        });
      }
    });
  }
  if (isObject(call.decline)) offerIds(call.decline.offer_ids, 'decline.offer_ids');
  if (isObject(call.kill)) { needId(call.kill, 'task_id', 'kill.task_id'); idField(call.kill, 'agent_id', 'kill.agent_id'); }
  if (isObject(call.acknowledge)) {
    needId(call.acknowledge, 'agent_id', 'acknowledge.agent_id');
    needId(call.acknowledge, 'task_id', 'acknowledge.task_id');
    need(call.acknowledge, 'uuid', 'acknowledge.uuid');
  }
  if (isObject(call.reconcile) && Array.isArray(call.reconcile.tasks)) {
    call.reconcile.tasks.forEach((t, i) => { needId(t, 'task_id', `reconcile.tasks[${i}].task_id`); idField(t, 'agent_id', `reconcile.tasks[${i}].agent_id`); });
  }
  return missing;
}

/** A version-4 UUID as 16 bytes. */
export function randomUuidBytes(): Buffer {
  const hex = randomUUID().replace(/-/g, '');
  return Buffer.from(hex, 'hex');
}

/** One RecordIO record: `<byte length>\n<data>`. */
export function recordIo(event: unknown): Buffer {
  const data = Buffer.from(toMesosJson(event), 'utf8');
  return Buffer.concat([Buffer.from(`${data.length}\n`, 'ascii'), data]);
}
