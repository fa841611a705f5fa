// Child process of the upload benchmark: uploads one jar and samples its own resident memory every 50 ms.
// `node uploadChild.js <jobManagerUrl> <jar> <submitter|client>` prints one JSON line:
// { uploadMs, rssBaseMb, rssPeakMb, rssGrowthMb, jarId, uploaded }.
import { performance } from 'node:perf_hooks';
import { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { JarSubmitter, MemoryJarUploadStore } from '../../src/core/flink/JarSubmitter';

async function main(): Promise<void> {
  const [url, jar, mode] = process.argv.slice(2);
  if (!url || !jar || (mode !== 'submitter' && mode !== 'client')) {
    throw new Error('usage: node uploadChild.js <jobManagerUrl> <jar> <submitter|client>');
  }
  const client = new FlinkRestClient(url, { timeoutMs: 120_000, retries: 0 });
  // A fresh store per run: the dedupe must not skip the upload.
  const submitter = new JarSubmitter(client, { store: new MemoryJarUploadStore() });
  // The extension host has talked to the JobManager before any upload (its polls): its HTTP parser is compiled and a
  // connection is open. One GET gives the child the same start; the upload path itself stays cold.
  await client.probe();
  const mb = (b: number): number => b / 1048576;
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 50);
  const t0 = performance.now();
  let jarId: string;
  let uploaded = true;
  if (mode === 'submitter') {
    const r = await submitter.upload(jar, { force: true });
    jarId = r.jarId;
    uploaded = r.uploaded;
  } else {
    jarId = (await client.uploadJar(jar)).jarId;
  }
  const uploadMs = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage.rss());
  clearInterval(sampler);
  await client.close();
  process.stdout.write(`${JSON.stringify({ uploadMs, rssBaseMb: mb(base), rssPeakMb: mb(peak), rssGrowthMb: mb(peak - base), jarId, uploaded })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`upload child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
