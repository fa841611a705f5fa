// Upload floor probe (not part of `npm run bench`): where a Node sender stands against curl on this machine.
// `node out/test/bench/uploadFloor.js [MiB=1024] [rounds=6] [jobManagerUrl]` uploads one jar, in rounds whose order
// rotates, with curl -F, our JarSubmitter.upload (uploadChild) and the two minimal Node senders of uploadFloorChild
// (a plain socket with sync reads; undici with 1 MiB thread-pool reads), to the stand-in JobManager or to the given one.
// Prints each round's times and, per sender, the median of its per-round throughput ratio to curl.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startInProcessCluster } from '../standin/flink/standinHarness';
import { curlUpload, deleteAllJars, ourUpload, warmUp, writeJar } from './uploadBench';
import { median, round } from './benchUtil';

const execFileAsync = promisify(execFile);

async function floorUpload(jmUrl: string, jar: string, mode: 'net' | 'undici'): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, [path.join(__dirname, 'uploadFloorChild.js'), jmUrl, jar, mode], { timeout: 300_000 });
  const r = JSON.parse(stdout.trim()) as { uploadMs: number; status: number };
  if (r.status !== 200) throw new Error(`the ${mode} floor sender got HTTP ${r.status}`);
  return r.uploadMs;
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 1024);
  const rounds = Number(process.argv[3] ?? 6);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-upload-floor-'));
  const jar = path.join(dir, 'big-job.jar');
  const cluster = process.argv[4] ? undefined : await startInProcessCluster({ taskManagers: 0, conf: { 'rest.server.max-content-length': String(2 * 1024 * 1048576), 'web.upload.dir': path.join(dir, 'jm-upload') } });
  const url = process.argv[4] ?? (cluster as { url: string }).url;
  try {
    await writeJar(jar, mib * 1048576);
    await warmUp(url, jar);
    const senders: Record<string, () => Promise<number>> = {
      curl: () => curlUpload(url, jar),
      ours: async () => (await ourUpload(url, jar, 'submitter')).uploadMs,
      'node-net': () => floorUpload(url, jar, 'net'),
      'node-undici': () => floorUpload(url, jar, 'undici'),
    };
    const names = Object.keys(senders);
    const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      const order = names.map((_, i) => names[(i + r) % names.length]);
      for (const n of order) {
        ms[n].push(await senders[n]());
        await deleteAllJars(url);
      }
      process.stdout.write(`round ${r + 1} (load ${os.loadavg()[0].toFixed(1)}): ${names.map((n) => `${n} ${Math.round(ms[n][r])} ms`).join(', ')}\n`);
    }
    for (const n of names) {
      const ratios = ms[n].map((t, i) => ms.curl[i] / t);
      process.stdout.write(`${n}: ${round(mib / (median(ms[n]) / 1000), 1)} MiB/s, ratio to curl ${round(median(ratios))} (rounds ${ratios.map((x) => round(x, 2)).join(', ')})\n`);
    }
  } finally {
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`upload floor: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
