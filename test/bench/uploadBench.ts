// upload_vs_curl + upload_rss_growth_mb: a 1 GiB jar uploaded to the Flink stand-in JobManager by JarSubmitter.upload
// (fingerprint, size check, streamed multipart upload) in a child process that samples its own RSS every 50 ms,
// against `curl -F jarfile=@file` to the same JobManager, alternated; upload_vs_curl_loaded: the same pairs again with one
// CPU-burning child process running during both sides. Each tool's own transfer time is used
// (the child's clock around upload(), curl's %{time_total}), so process start-up counts for neither; the child opens its
// connection with one GET first, as the extension host's polls have before a user uploads (uploadChild.ts). One untimed upload
// by each side first (warmUp), so that neither side's first round meets a cold JobManager.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { startInProcessCluster } from '../standin/flink/standinHarness';
import { figure, formatSpread, interleave, median, spread, round, runStandalone, seededRandom, startCpuBurner, type BenchOptions, type Figure } from './benchUtil';

const execFileAsync = promisify(execFile);

/** Random-looking bytes (a 16 MiB random block, each copy tweaked) so nothing along the way can shortcut zeros. */
export async function writeJar(file: string, bytes: number): Promise<void> {
  const random = seededRandom(1);
  const block = Buffer.alloc(16 * 1048576);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((random() * 2 ** 32) >>> 0, i);
  const out = fs.createWriteStream(file);
  for (let written = 0, n = 0; written < bytes; n++) {
    const piece = Buffer.from(block.subarray(0, Math.min(block.length, bytes - written)));
    piece.writeUInt32LE(n, 0);
    written += piece.length;
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export interface ChildResult { uploadMs: number; rssBaseMb: number; rssPeakMb: number; rssGrowthMb: number; jarId: string; uploaded: boolean }

export async function ourUpload(jmUrl: string, jar: string, mode: 'submitter' | 'client'): Promise<ChildResult> {
  const child = path.join(__dirname, 'uploadChild.js');
  const { stdout } = await execFileAsync(process.execPath, [child, jmUrl, jar, mode], { maxBuffer: 1 << 20, timeout: 120_000 });
  const r = JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult;
  if (!r.uploaded) throw new Error('the submitter skipped the upload (dedupe): the benchmark needs a real upload each run');
  return r;
}

export async function curlUpload(jmUrl: string, jar: string): Promise<number> {
  // No "Expect: 100-continue": without the extra round trip curl sends at once, the fastest baseline there is (our client sends none either).
  const { stdout } = await execFileAsync('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total} %{http_code}', '-H', 'Expect:',
    '-F', `jarfile=@${jar};type=application/x-java-archive`, `${jmUrl}/jars/upload`], { timeout: 120_000 });
  const [seconds, status] = stdout.trim().split(' ');
  if (status !== '200') throw new Error(`curl upload answered ${status}`);
  return Number(seconds) * 1000;
}

/**
 * One untimed upload by each side before the timed rounds. A JobManager's first upload runs its receiving code cold (a
 * real one: Netty's multipart decoder before the JIT has compiled it, 1.32 s of JobManager CPU for 256 MiB against 0.65 s
 * once warm), and whichever side went first in round 1 would pay that for both.
 */
export async function warmUp(jmUrl: string, jar: string): Promise<void> {
  await ourUpload(jmUrl, jar, 'submitter');
  await deleteAllJars(jmUrl);
  await curlUpload(jmUrl, jar);
  await deleteAllJars(jmUrl);
}

export async function deleteAllJars(jmUrl: string): Promise<void> {
  const res = await request(`${jmUrl}/jars`);
  const list = JSON.parse(await res.body.text()) as { files: { id: string }[] };
  for (const f of list.files) await (await request(`${jmUrl}/jars/${f.id}`, { method: 'DELETE' })).body.text();
}

export async function uploadBench(opts: BenchOptions): Promise<Figure[]> {
  const bytes = opts.quick ? 64 * 1048576 : 1024 * 1048576;
  // 5 pairs: single rounds spread by 0.15-0.3 on the shared 2-core machine, so 3 left the median one bad round from a miss.
  const pairs = opts.quick ? 1 : 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-upload-'));
  const jar = path.join(dir, 'big-job.jar');
  const cluster = await startInProcessCluster({ taskManagers: 0, conf: { 'rest.server.max-content-length': String(2 * 1024 * 1048576), 'web.upload.dir': path.join(dir, 'jm-upload') } });
  try {
    await writeJar(jar, bytes);
    const mib = bytes / 1048576;
    opts.log(`upload: ${mib} MiB jar to ${cluster.url}, ${pairs} alternated pair(s)`);
    await warmUp(cluster.url, jar);
    const ours: ChildResult[] = [];
    const raw: ChildResult[] = [];
    const curl: number[] = [];
    // Batches of one upload a side (each takes seconds), flipping which goes first (the method: benchUtil.interleave).
    // Each tool's own transfer time; the jar is deleted after every upload so each one is a real upload.
    const r = await interleave(pairs, 1, async () => {
      const a = await ourUpload(cluster.url, jar, 'submitter');
      await deleteAllJars(cluster.url);
      ours.push(a);
      return a.uploadMs;
    }, async () => {
      const b = await curlUpload(cluster.url, jar);
      await deleteAllJars(cluster.url);
      curl.push(b);
      return b;
    }, (as, bs) => bs[0] / as[0]);
    for (let i = 0; i < pairs; i++) {
      // FlinkRestClient.uploadJar alone (no fingerprint, no size check), for the table.
      const c = await ourUpload(cluster.url, jar, 'client');
      await deleteAllJars(cluster.url);
      raw.push(c);
      opts.log(`upload: round ${i + 1}: JarSubmitter ${Math.round(r.a[i][0])} ms (RSS +${ours[i].rssGrowthMb.toFixed(1)} MB), curl ${Math.round(r.b[i][0])} ms, FlinkRestClient.uploadJar ${Math.round(c.uploadMs)} ms`);
    }
    // The same pairs with the machine loaded: one CPU-burning child process runs during both sides (like a build beside it).
    const burner = startCpuBurner();
    const loadedOurs: number[] = [];
    const loadedCurl: number[] = [];
    let loaded;
    try {
      loaded = await interleave(pairs, 1, async () => {
        const a = await ourUpload(cluster.url, jar, 'submitter');
        await deleteAllJars(cluster.url);
        loadedOurs.push(a.uploadMs);
        return a.uploadMs;
      }, async () => {
        const b = await curlUpload(cluster.url, jar);
        await deleteAllJars(cluster.url);
        loadedCurl.push(b);
        return b;
      }, (as, bs) => bs[0] / as[0]);
    } finally {
      await burner.stop();
    }
    loaded.a.forEach((a, i) => opts.log(`upload under load: round ${i + 1}: JarSubmitter ${Math.round(a[0])} ms, curl ${Math.round(loaded.b[i][0])} ms`));
    const loadedRatios = spread(loaded.ratios);
    const ratios = spread(r.ratios);
    const rate = (ms: number): number => round(mib / (ms / 1000), 1);
    const growth = Math.max(...ours.map((r) => r.rssGrowthMb), ...raw.map((r) => r.rssGrowthMb));
    return [
      { ...figure('upload_vs_curl', round(ratios.median), '>= 0.9',
        `curl -F (with -H 'Expect:', see uploadBench.ts) to the same stand-in JobManager, ${mib} MiB jar, ${pairs} interleaved round(s), throughput ratio ${formatSpread(ratios)}; JarSubmitter.upload (stat, dedupe check, streamed upload) ` +
        `${rate(median(ours.map((r) => r.uploadMs)))} MiB/s vs curl ${rate(median(curl))} MiB/s; FlinkRestClient.uploadJar alone ${rate(median(raw.map((r) => r.uploadMs)))} MiB/s ` +
        `(ratio ${round(median(curl) / median(raw.map((x) => x.uploadMs)))})`), spread: round(ratios.iqr) },
      { ...figure('upload_vs_curl_loaded', round(loadedRatios.median), '>= 0.9',
        `as upload_vs_curl, with one CPU-burning child process (a busy loop) running during both sides; JarSubmitter.upload ${rate(median(loadedOurs))} MiB/s vs curl ${rate(median(loadedCurl))} MiB/s; ` +
        `${pairs} interleaved round(s), throughput ratio ${formatSpread(loadedRatios)}`), spread: round(loadedRatios.iqr) },
      figure('upload_rss_growth_mb', round(growth, 1), '<= 64',
        `peak RSS (sampled every 50 ms) minus RSS just before the upload, in the uploading child; largest of all ${ours.length + raw.length} uploads`),
    ];
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(uploadBench, ['upload_vs_curl', 'upload_rss_growth_mb', 'upload_vs_curl_loaded']);
