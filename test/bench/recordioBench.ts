// recordio_vs_json_parse: our RecordIO decoder + JSON.parse on a realistic stream cut into random chunks,
// against JSON.parse alone on the same records already split. Throughput ratio, median of interleaved repetitions.
import { performance } from 'node:perf_hooks';
import { RecordIODecoder, encodeRecords } from '../../src/core/mesos/recordio';
import { eventStream } from './mesosEvents';
import { figure, median, round, runStandalone, seededRandom, type BenchOptions, type Figure } from './benchUtil';

/** Cuts the stream at log-uniform random sizes between 64 B and 64 KiB (socket reads are mostly 16-64 KiB, sometimes tiny). */
export function randomChunks(stream: Buffer, random: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = Math.max(1, Math.round(2 ** (6 + random() * 10)));
    chunks.push(stream.subarray(at, Math.min(stream.length, at + size)));
    at += size;
  }
  return chunks;
}

export async function recordioBench(opts: BenchOptions): Promise<Figure[]> {
  const events = opts.quick ? 10_000 : 100_000;
  const pairs = opts.quick ? 5 : 15;
  const random = seededRandom(8);
  const records = eventStream(events, random);
  const stream = encodeRecords(records);
  const chunks = randomChunks(stream, random);
  opts.log(`recordio: ${events} events, ${(stream.length / 1048576).toFixed(1)} MiB in ${chunks.length} chunks, ${pairs} interleaved pairs`);

  let sink = 0;
  const decodeAndParse = (): number => {
    let n = 0;
    const t0 = performance.now();
    const decoder = new RecordIODecoder((r) => { sink += (JSON.parse(r) as { type: string }).type.length; n++; });
    for (const c of chunks) decoder.push(c);
    decoder.end();
    const dt = performance.now() - t0;
    if (n !== events) throw new Error(`the decoder gave ${n} records, expected ${events}`);
    return dt;
  };
  const parseOnly = (): number => {
    const t0 = performance.now();
    for (const r of records) sink += (JSON.parse(r) as { type: string }).type.length;
    return performance.now() - t0;
  };
  // Warm both paths up (JIT) before measuring.
  decodeAndParse(); parseOnly();
  const ratios: number[] = [];
  const dec: number[] = [];
  const par: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let d: number;
    let p: number;
    if (i % 2 === 0) { d = decodeAndParse(); p = parseOnly(); } else { p = parseOnly(); d = decodeAndParse(); }
    dec.push(d); par.push(p);
    // Throughput ratio = (bytes / d) / (bytes / p) = p / d.
    ratios.push(p / d);
  }
  if (sink === 0) throw new Error('nothing parsed');
  const mb = stream.length / 1048576;
  return [figure('recordio_vs_json_parse', round(median(ratios)), '>= 0.85',
    `JSON.parse alone on the ${events} records pre-split as strings; ${pairs} interleaved pairs, median ratio ` +
    `(decoder+parse ${round(mb / (median(dec) / 1000), 1)} MiB/s vs parse ${round(mb / (median(par) / 1000), 1)} MiB/s; ${chunks.length} chunks of 64 B-64 KiB)`)];
}

if (require.main === module) runStandalone(recordioBench, ['recordio_vs_json_parse']);
