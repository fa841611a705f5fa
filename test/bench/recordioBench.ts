// recordio_vs_json_parse: our RecordIO decoder + JSON.parse on a realistic stream cut into random chunks,
// against JSON.parse alone on the same records already split. Throughput ratio, median of interleaved repetitions.
import { RecordIODecoder, encodeRecords } from '../../src/core/mesos/recordio';
import { eventStream } from './mesosEvents';
import { cpuAndWallRatios, figure, formatSpread, interleave, round, runStandalone, sampleSync, seededRandom, spread, sum, type BenchOptions, type Figure, type Sample } from './benchUtil';

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
  // One run is some 50-150 ms: batches of one, many rounds (the method: benchUtil.interleave).
  const rounds = opts.quick ? 5 : 15;
  const random = seededRandom(8);
  const records = eventStream(events, random);
  const stream = encodeRecords(records);
  const chunks = randomChunks(stream, random);
  opts.log(`recordio: ${events} events, ${(stream.length / 1048576).toFixed(1)} MiB in ${chunks.length} chunks, ${rounds} interleaved rounds`);

  let sink = 0;
  const decodeAndParse = (): Sample => {
    let n = 0;
    const s = sampleSync(() => {
      const decoder = new RecordIODecoder((r) => { sink += (JSON.parse(r) as { type: string }).type.length; n++; });
      for (const c of chunks) decoder.push(c);
      decoder.end();
    });
    if (n !== events) throw new Error(`the decoder gave ${n} records, expected ${events}`);
    return s;
  };
  const parseOnly = (): Sample => sampleSync(() => {
    for (const r of records) sink += (JSON.parse(r) as { type: string }).type.length;
  });
  // Warm both paths up (JIT) before measuring.
  for (let i = 0; i < (opts.quick ? 1 : 2); i++) { decodeAndParse(); parseOnly(); }
  // Throughput ratio = (bytes / decode) / (bytes / parse) = parse / decode.
  const r = await interleave(rounds, 1, decodeAndParse, parseOnly, (ds, ps) => sum(ps.map((x) => x.cpuMs)) / sum(ds.map((x) => x.cpuMs)));
  if (sink === 0) throw new Error('nothing parsed');
  const { cpu, wall } = cpuAndWallRatios(r, true);
  const mb = stream.length / 1048576;
  const dec = spread(r.a.flat().map((x) => x.cpuMs)).median;
  const par = spread(r.b.flat().map((x) => x.cpuMs)).median;
  return [{
    ...figure('recordio_vs_json_parse', round(cpu.median), '>= 0.85',
      `JSON.parse alone on the ${events} records pre-split as strings; ${rounds} interleaved rounds, CPU-time throughput ratio ${formatSpread(cpu)} ` +
      `(decoder+parse ${round(mb / (dec / 1000), 1)} MiB/s vs parse ${round(mb / (par / 1000), 1)} MiB/s of CPU; ${chunks.length} chunks of 64 B-64 KiB); wall-clock ratio ${formatSpread(wall)}`),
    spread: round(cpu.iqr),
  }];
}

if (require.main === module) runStandalone(recordioBench, ['recordio_vs_json_parse']);
