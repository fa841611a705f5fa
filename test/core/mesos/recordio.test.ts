import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RecordIODecoder, RecordIOError, decodeAll, encodeRecord, encodeRecords } from '../../../src/core/mesos/recordio';

function decodeChunks(chunks: Uint8Array[], maxRecordBytes?: number): string[] {
  const out: string[] = [];
  const d = new RecordIODecoder((r) => out.push(r), { maxRecordBytes });
  for (const c of chunks) d.push(c);
  d.end();
  return out;
}

/** A deterministic pseudo-random generator, so a failing split can be reproduced. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

const records = [
  '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-0001"},"heartbeat_interval_seconds":15.0}}',
  '{"type":"HEARTBEAT"}',
  '{"type":"UPDATE","update":{"status":{"message":"Grüße, 日本語, emoji 🚀 and ünïcödé"}}}',
  '',
  'x'.repeat(70000),
];
const wire = encodeRecords(records);

describe('RecordIO decoder', () => {
  test('decodes the exact bytes a real master sent', () => {
    const bytes = Buffer.from('448\n' + '{"type":"SUBSCRIBED"'.padEnd(448, ' ') + '20\n{"type":"HEARTBEAT"}');
    assert.deepEqual(decodeAll(bytes).map((r) => r.trim()), ['{"type":"SUBSCRIBED"', '{"type":"HEARTBEAT"}']);
  });

  test('many records in one chunk', () => {
    assert.deepEqual(decodeChunks([wire]), records);
  });

  test('one byte at a time, including multi-byte UTF-8 split between chunks', () => {
    const chunks = [...wire].map((b) => Uint8Array.of(b));
    assert.deepEqual(decodeChunks(chunks), records);
  });

  test('sizes count bytes, not characters', () => {
    const text = '{"m":"🚀é"}';
    const framed = encodeRecord(text);
    assert.equal(framed.toString('ascii', 0, framed.indexOf(10)), String(Buffer.byteLength(text)));
    assert.notEqual(Buffer.byteLength(text), text.length);
    assert.deepEqual(decodeAll(framed), [text]);
  });

  test('random chunking (200 seeds) always gives the same records', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = lcg(seed);
      const chunks: Buffer[] = [];
      for (let i = 0; i < wire.length;) {
        const n = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 8 : 5000));
        chunks.push(wire.subarray(i, i + n));
        i += n;
      }
      assert.deepEqual(decodeChunks(chunks), records, `seed ${seed}`);
    }
  });

  test('a split inside the size line', () => {
    const f = encodeRecord('{"a":1}');
    assert.deepEqual(decodeChunks([f.subarray(0, 1), Buffer.alloc(0), f.subarray(1, 2), f.subarray(2)]), ['{"a":1}']);
  });

  test('a Uint8Array that is not a Buffer is accepted', () => {
    const f = encodeRecord('{"a":1}');
    assert.deepEqual(decodeChunks([new Uint8Array(f)]), ['{"a":1}']);
  });

  const failing: [string, Uint8Array[], RecordIOError['kind'], RegExp, number?][] = [
    ['a non-digit size', [Buffer.from('12a\n')], 'badSize', /'a' in the size line at byte 2/],
    ['a CR before LF', [Buffer.from('2\r\n{}')], 'badSize', /byte 0x0d/],
    ['a negative size', [Buffer.from('-1\n')], 'badSize', /'-'/],
    ['an empty size line', [Buffer.from('\n{}')], 'badSize', /empty size line/],
    ['a space in the size', [Buffer.from('1 2\n')], 'badSize', /' '/],
    ['more than 20 digits', [Buffer.from('1'.repeat(21) + '\n')], 'badSize', /more than 20 digits/],
    ['an oversized record', [Buffer.from('2000\n')], 'oversized', /2000 bytes exceeds the limit of 1000/, 1000],
    ['a 20-digit size', [Buffer.from('9'.repeat(20) + '\n')], 'oversized', /exceeds the limit/],
    ['a truncated record', [Buffer.from('10\n{"a"')], 'truncated', /4 of 10 bytes/],
    ['a size line cut at the end', [Buffer.from('5\n{"a"}1')], 'truncated', /inside a size line/],
    ['garbage after a record', [encodeRecord('{}'), Buffer.from('}')], 'badSize', /'}'/],
  ];
  for (const [what, chunks, kind, message, max] of failing) {
    test(`fails clearly on ${what}`, () => {
      assert.throws(() => decodeChunks(chunks, max), (e: unknown) => e instanceof RecordIOError && e.kind === kind && message.test(e.message));
    });
  }

  test('records before the garbage are delivered, and the decoder stays failed', () => {
    const out: string[] = [];
    const d = new RecordIODecoder((r) => out.push(r));
    assert.throws(() => d.push(Buffer.concat([encodeRecord('{"ok":1}'), Buffer.from('x\n')])), RecordIOError);
    assert.deepEqual(out, ['{"ok":1}']);
    assert.throws(() => d.push(encodeRecord('{}')), RecordIOError);
  });

  test('an oversized size is refused before its data arrives', () => {
    const d = new RecordIODecoder(() => undefined, { maxRecordBytes: 10 });
    assert.throws(() => d.push(Buffer.from('11\n')), /exceeds/);
  });

  test('a bad maxRecordBytes option is refused', () => {
    assert.throws(() => new RecordIODecoder(() => undefined, { maxRecordBytes: 0 }), /positive integer/);
  });

  test('a clean end between records is fine, and an empty stream too', () => {
    assert.deepEqual(decodeAll(Buffer.alloc(0)), []);
    assert.deepEqual(decodeAll(encodeRecord('{}')), ['{}']);
  });
});
