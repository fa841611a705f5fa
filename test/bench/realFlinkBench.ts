// real_session_ready_vs_start_cluster, real_submit_vs_flink_cli, real_upload_vs_curl (+ _loaded): against real Apache
// Flink 2.3.0 (the provisioned distribution, test/harness/realFlink.ts), each ratio measured side by side in one run.
// - Session ready: our FlinkSession (1 JobManager + 2 TaskManagers as Mesos tasks on the stand-in Mesos, whose agents
//   start bin/jobmanager.sh / bin/taskmanager.sh as local processes) against Flink's own bin/start-cluster.sh with the
//   same memory and slots on this machine (its own conf folder: workers = localhost twice). Both until the JobManager's
//   GET /taskmanagers lists both TaskManagers, polled every 50 ms from this process; the clock starts just before
//   FlinkSession.start() resp. the spawn of start-cluster.sh.
// - Submit: `node out/src/core/cli/main.js run -d` (our command line as a user runs it, process start included, a fresh
//   FLINK_MESOS_HOME each time so the jar is uploaded every time) against `bin/flink run -d` of the same jar and arguments
//   to the same JobManager, each until GET /jobs/<id> says RUNNING (polled every 50 ms); the job is cancelled between runs.
// - Upload: a 256 MiB jar uploaded by JarSubmitter.upload in a child process (uploadBench's uploadChild) against
//   `curl -F jarfile=@...` to the same real JobManager, each tool's own transfer time, 5 pairs after one untimed upload
//   a side (uploadBench.warmUp: the JobManager's first upload runs cold); _loaded: the same with a CPU-burning child
//   process running during both sides.
// Ratios use benchUtil.interleave: rounds of one run a side, which side goes first flipping every round.
// Quick mode (npm test's smoke): one round of each on 2 TaskManagers of 1 slot, one 32 MiB upload pair, no loaded pair.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { FlinkSession } from '../../src/core/session/FlinkSession';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { freePort } from '../helpers/freePort';
import { repoRoot } from '../repoRoot';
import { isFlinkProvisioned, NEWEST_REAL_FLINK } from '../harness/realFlink';
import { jvmsUnder, newRealSession, realFlink, startRealCluster, REAL_JM_MEMORY_MB, REAL_TM_MEMORY_MB, type RealFlink } from '../real/realFlinkHarness';
import { curlUpload, deleteAllJars, ourUpload, warmUp, writeJar } from './uploadBench';
import { figure, formatSpread, interleave, median, missing, round, runStandalone, sleep, spread, startCpuBurner, type BenchOptions, type Figure } from './benchUtil';

const execFileAsync = promisify(execFile);
const VERSION = NEWEST_REAL_FLINK;
const TASK_MANAGERS = 2;
/** Lets the 256 MiB jar through (Flink's default limit is 100 MiB); set the same way on both sides' JobManagers. */
const MAX_CONTENT = String(512 * 1048576);

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(3000) });
    const text = await res.body.text();
    return res.statusCode === 200 ? JSON.parse(text) as T : undefined;
  } catch {
    return undefined;
  }
}

/** performance.now() at which the JobManager lists `n` TaskManagers (GET /taskmanagers every 50 ms). */
async function whenListed(restUrl: () => string | undefined, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = restUrl();
    const answer = url ? await getJson<{ taskmanagers: unknown[] }>(`${url}/taskmanagers`) : undefined;
    if (answer && answer.taskmanagers.length >= n) return performance.now();
    if (Date.now() > deadline) throw new Error(`${n} TaskManagers were not listed within ${timeoutMs / 1000} s (${url ?? 'no JobManager yet'})`);
    await sleep(50);
  }
}

/** One running cluster the submit and upload comparisons can use, and how to stop it. */
interface Live { restUrl: string; stop: () => Promise<void> }

/** Flink's own standalone scripts, with a conf folder of their own (the provisioned one is shared and stays untouched). */
async function startClusterSh(flink: RealFlink, work: string, slots: number): Promise<{ live: Live; readyMs: number }> {
  const dir = fs.mkdtempSync(path.join(work, 'start-cluster-'));
  const conf = path.join(dir, 'conf');
  fs.cpSync(path.join(flink.flinkHome, 'conf'), conf, { recursive: true });
  const [rest, rpc] = [await freePort(), await freePort()];
  // Java 17 needs the distribution's own --add-opens: keep env.java.opts.all, then the same sizes as our session.
  const javaOpts = /^\s+all:\s*(.+)$/m.exec(fs.readFileSync(path.join(conf, 'config.yaml'), 'utf8'))?.[1] ?? '';
  const settings: Record<string, string> = {
    'env.java.opts.all': javaOpts, 'jobmanager.rpc.address': '127.0.0.1', 'jobmanager.rpc.port': String(rpc), 'jobmanager.bind-host': '127.0.0.1',
    'rest.address': '127.0.0.1', 'rest.bind-address': '127.0.0.1', 'rest.port': String(rest), 'rest.server.max-content-length': MAX_CONTENT,
    'jobmanager.memory.process.size': `${REAL_JM_MEMORY_MB}m`, 'taskmanager.memory.process.size': `${REAL_TM_MEMORY_MB}m`,
    'taskmanager.numberOfTaskSlots': String(slots), 'taskmanager.host': '127.0.0.1', 'taskmanager.bind-host': '127.0.0.1',
    'parallelism.default': String(slots * TASK_MANAGERS), 'web.upload.dir': path.join(dir, 'upload'), 'io.tmp.dirs': path.join(dir, 'tmp'),
  };
  fs.mkdirSync(path.join(dir, 'tmp'));
  // flink-daemon.sh sends the JVM's output into the log folder: without it the JVM never starts.
  fs.mkdirSync(path.join(dir, 'log'));
  fs.writeFileSync(path.join(conf, 'config.yaml'), Object.entries(settings).map(([k, v]) => `${k}: ${v}\n`).join(''));
  fs.writeFileSync(path.join(conf, 'workers'), 'localhost\n'.repeat(TASK_MANAGERS));
  fs.writeFileSync(path.join(conf, 'masters'), `127.0.0.1:${rest}\n`);
  // Pid and log files in our folder: the scripts' default /tmp pid files would mix with other users' clusters.
  const env = { ...process.env, JAVA_HOME: flink.javaHome, FLINK_CONF_DIR: conf, FLINK_PID_DIR: dir, FLINK_LOG_DIR: path.join(dir, 'log') };
  const restUrl = `http://127.0.0.1:${rest}`;
  const stop = async (): Promise<void> => {
    await execFileAsync(path.join(flink.flinkHome, 'bin', 'stop-cluster.sh'), [], { env, timeout: 60_000 }).catch(() => undefined);
    await killJvmsUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const t0 = performance.now();
  try {
    await execFileAsync(path.join(flink.flinkHome, 'bin', 'start-cluster.sh'), [], { env, timeout: 60_000 });
    const done = await whenListed(() => restUrl, TASK_MANAGERS, 180_000);
    return { live: { restUrl, stop }, readyMs: done - t0 };
  } catch (err) {
    // What the JVMs said, before their folder goes.
    const logs = fs.existsSync(path.join(dir, 'log')) ? fs.readdirSync(path.join(dir, 'log')) : [];
    const tails = logs.map((f) => `${f}: ${fs.readFileSync(path.join(dir, 'log', f), 'utf8').split('\n').filter((l) => /ERROR|Exception/.test(l)).slice(0, 3).join(' | ')}`);
    await stop();
    throw new Error(`${(err as Error).message}; start-cluster.sh logs: ${tails.join('; ') || 'none'}`);
  }
}

/** Waits for the JVMs whose command line names `dir` to end, killing what is left after 20 s. */
async function killJvmsUnder(dir: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (jvmsUnder(dir).length > 0 && Date.now() < until) await sleep(200);
  for (const j of jvmsUnder(dir)) { try { process.kill(j.pid, 'SIGKILL'); } catch { /* gone */ } }
}

/** Our session on the stand-in Mesos, the same sizes. */
async function startOurs(cluster: MesosCluster, work: string, slots: number, n: number): Promise<{ live: Live; readyMs: number; session: FlinkSession }> {
  const session = await newRealSession(cluster, path.join(work, `store-${n}`), {
    name: `bench-${n}`, taskManagers: TASK_MANAGERS, slotsPerTaskManager: slots,
    dynamicProperties: [`rest.server.max-content-length=${MAX_CONTENT}`],
  });
  const stop = async (): Promise<void> => {
    await session.stop().catch(() => undefined);
    const until = Date.now() + 30_000;
    while (cluster.runningPids().length > 0 && Date.now() < until) await sleep(200);
  };
  const t0 = performance.now();
  try {
    await session.start();
    const done = await whenListed(() => session.jobManagerUrl, TASK_MANAGERS, 180_000);
    return { live: { restUrl: session.jobManagerUrl as string, stop }, readyMs: done - t0, session };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function jobState(restUrl: string, jobId: string): Promise<string | undefined> {
  return (await getJson<{ state: string }>(`${restUrl}/jobs/${jobId}`))?.state;
}

async function untilState(restUrl: string, jobId: string, states: string[], timeoutMs: number, pollMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await jobState(restUrl, jobId);
    if (s && states.includes(s)) return performance.now();
    if (s === 'FAILED') throw new Error(`job ${jobId} FAILED on ${restUrl}`);
    if (Date.now() > deadline) throw new Error(`job ${jobId} not ${states.join('/')} within ${timeoutMs / 1000} s (last ${s ?? 'not listed'})`);
    await sleep(pollMs);
  }
}

async function cancelJob(restUrl: string, jobId: string): Promise<void> {
  await (await request(`${restUrl}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' })).body.text();
  await untilState(restUrl, jobId, ['CANCELED'], 60_000, 200);
  // The slots come back a moment after the job is CANCELED.
  const until = Date.now() + 30_000;
  for (;;) {
    const o = await getJson<{ 'slots-available': number; 'slots-total': number }>(`${restUrl}/overview`);
    if ((o && o['slots-available'] === o['slots-total']) || Date.now() > until) return;
    await sleep(200);
  }
}

/** Submits with `run`, which must print the job id, and times it until the job is RUNNING. */
async function timedSubmit(restUrl: string, run: () => Promise<string>): Promise<number> {
  const t0 = performance.now();
  const jobId = await run();
  const done = await untilState(restUrl, jobId, ['RUNNING'], 120_000, 50);
  await cancelJob(restUrl, jobId);
  return done - t0;
}

function jobArgs(work: string, n: number): string[] {
  return ['--output', path.join(work, `counts-${n}`), '--checkpoint-ms', '1000', '--interval-ms', '50'];
}

async function ourSubmit(restUrl: string, jar: string, work: string, n: number, parallelism: number): Promise<string> {
  const main = path.join(repoRoot(__dirname), 'out', 'src', 'core', 'cli', 'main.js');
  const home = fs.mkdtempSync(path.join(work, 'cli-home-'));
  const { stdout } = await execFileAsync(process.execPath, [main, 'run', '-m', restUrl, '-d', '--json', '-p', String(parallelism), jar, ...jobArgs(work, n)],
    { env: { ...process.env, FLINK_MESOS_HOME: home }, timeout: 120_000 });
  return (JSON.parse(stdout.trim().split('\n').pop() as string) as { jobId: string }).jobId;
}

async function flinkCliSubmit(flink: RealFlink, restUrl: string, jar: string, work: string, n: number, parallelism: number): Promise<string> {
  const address = restUrl.replace(/^http:\/\//, '');
  const { stdout } = await execFileAsync(path.join(flink.flinkHome, 'bin', 'flink'), ['run', '-d', '-m', address, '-p', String(parallelism), jar, ...jobArgs(work, n)],
    { env: { ...process.env, JAVA_HOME: flink.javaHome, FLINK_LOG_DIR: path.join(work, 'cli-log') }, timeout: 120_000 });
  const m = /JobID ([0-9a-f]{32})/.exec(stdout);
  if (!m) throw new Error(`bin/flink run -d printed no job id:\n${stdout}`);
  return m[1];
}

/** The paired upload ratio (curl's time over ours: a throughput ratio) and each side's MiB/s. */
async function uploadPairs(restUrl: string, jar: string, mib: number, pairs: number, log: (line: string) => void): Promise<{ ratios: ReturnType<typeof spread>; ours: number; curl: number }> {
  const r = await interleave(pairs, 1, async () => {
    const a = await ourUpload(restUrl, jar, 'submitter');
    await deleteAllJars(restUrl);
    return a.uploadMs;
  }, async () => {
    const b = await curlUpload(restUrl, jar);
    await deleteAllJars(restUrl);
    return b;
  }, (as, bs) => bs[0] / as[0]);
  r.a.forEach((a, i) => log(`real Flink: upload round ${i + 1}: JarSubmitter ${Math.round(a[0])} ms, curl ${Math.round(r.b[i][0])} ms`));
  const rate = (ms: number): number => round(mib / (ms / 1000), 1);
  return { ratios: spread(r.ratios), ours: rate(median(r.a.flat())), curl: rate(median(r.b.flat())) };
}

const KEYS = ['real_session_ready_vs_start_cluster', 'real_submit_vs_flink_cli', 'real_upload_vs_curl', 'real_upload_vs_curl_loaded'] as const;
const TARGETS: Record<(typeof KEYS)[number], string> = {
  real_session_ready_vs_start_cluster: '<= 1.10', real_submit_vs_flink_cli: '<= 0.5', real_upload_vs_curl: '>= 0.9', real_upload_vs_curl_loaded: '>= 0.9',
};

export async function realFlinkBench(opts: BenchOptions): Promise<Figure[]> {
  if (!isFlinkProvisioned(VERSION)) {
    const why = `real Flink ${VERSION} is not provisioned (npm run provision:flink)`;
    return KEYS.map((k) => missing(k, TARGETS[k], 'real Flink', why));
  }
  const flink = realFlink(VERSION);
  const slots = opts.quick ? 1 : 2;
  const rounds = opts.quick ? 1 : 3;
  const mib = opts.quick ? 32 : 256;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-real-flink-'));
  const cluster = await startRealCluster(flink);
  let live: Live | undefined;
  const stopLive = async (): Promise<void> => { const l = live; live = undefined; await l?.stop(); };
  const figures: Figure[] = [];
  try {
    opts.log(`real Flink ${VERSION}: session ready, ${rounds} interleaved round(s) of start-cluster.sh and our session (1 JobManager + ${TASK_MANAGERS} TaskManagers x ${slots} slots)`);
    // Each start leaves its cluster running; the next run stops it first (at most one real cluster at a time). With an odd
    // number of rounds (AB, BA, AB) ours comes last, and its session serves the submit and upload comparisons.
    let n = 0;
    const ready = await interleave(rounds, 1, async () => {
      await stopLive();
      const s = await startClusterSh(flink, work, slots);
      live = s.live;
      return s.readyMs;
    }, async () => {
      await stopLive();
      const s = await startOurs(cluster, work, slots, n++);
      live = s.live;
      return s.readyMs;
    }, (as, bs) => bs[0] / as[0]);
    ready.a.forEach((a, i) => opts.log(`real Flink: round ${i + 1}: start-cluster.sh ${Math.round(a[0])} ms, our session ${Math.round(ready.b[i][0])} ms`));
    const readyRatios = spread(ready.ratios);
    figures.push({
      ...figure('real_session_ready_vs_start_cluster', round(readyRatios.median), TARGETS.real_session_ready_vs_start_cluster,
        `Flink ${VERSION}'s bin/start-cluster.sh (same JobManager/TaskManager memory ${REAL_JM_MEMORY_MB}m/${REAL_TM_MEMORY_MB}m, ${slots} slot(s), workers localhost x${TASK_MANAGERS}) vs our session on the stand-in Mesos, ` +
        `both until GET /taskmanagers lists ${TASK_MANAGERS}; ours ${Math.round(median(ready.b.flat()))} ms vs start-cluster.sh ${Math.round(median(ready.a.flat()))} ms; ${rounds} interleaved round(s), wall-clock ratio ${formatSpread(readyRatios)}`),
      spread: round(readyRatios.iqr),
    });
    if (!live) throw new Error('no cluster left running for the submit and upload comparisons');
    const restUrl = (live as Live).restUrl;

    const parallelism = slots * TASK_MANAGERS;
    let s = 0;
    const submit = await interleave(rounds, 1, () => timedSubmit(restUrl, () => ourSubmit(restUrl, flink.jobs.streaming, work, s++, parallelism)),
      () => timedSubmit(restUrl, () => flinkCliSubmit(flink, restUrl, flink.jobs.streaming, work, s++, parallelism)), (as, bs) => as[0] / bs[0]);
    submit.a.forEach((a, i) => opts.log(`real Flink: submit round ${i + 1}: flink-mesos run -d ${Math.round(a[0])} ms, bin/flink run -d ${Math.round(submit.b[i][0])} ms`));
    const submitRatios = spread(submit.ratios);
    figures.push({
      ...figure('real_submit_vs_flink_cli', round(submitRatios.median), TARGETS.real_submit_vs_flink_cli,
        `bin/flink run -d of the streaming test job (parallelism ${parallelism}) vs node out/src/core/cli/main.js run -d (process start and jar upload included for both) to the same JobManager, ` +
        `each until GET /jobs/<id> is RUNNING; ours ${Math.round(median(submit.a.flat()))} ms vs Flink's CLI ${Math.round(median(submit.b.flat()))} ms; ${rounds} interleaved round(s), wall-clock ratio ${formatSpread(submitRatios)}`),
      spread: round(submitRatios.iqr),
    });

    const jar = path.join(work, 'big-job.jar');
    await writeJar(jar, mib * 1048576);
    // Uploads take about a second: 5 pairs (the cluster comparisons above keep 3), after one untimed upload a side.
    const uploadRounds = opts.quick ? 1 : 5;
    await warmUp(restUrl, jar);
    const up = await uploadPairs(restUrl, jar, mib, uploadRounds, opts.log);
    opts.log(`real Flink: upload ${mib} MiB: ours ${up.ours} MiB/s, curl ${up.curl} MiB/s`);
    figures.push({
      ...figure('real_upload_vs_curl', round(up.ratios.median), TARGETS.real_upload_vs_curl,
        `curl -F jarfile=@ (with -H 'Expect:') vs JarSubmitter.upload in a child process, ${mib} MiB jar to the real JobManager; ours ${up.ours} MiB/s vs curl ${up.curl} MiB/s; ` +
        `${uploadRounds} interleaved round(s) after one untimed upload a side, throughput ratio ${formatSpread(up.ratios)}`),
      spread: round(up.ratios.iqr),
    });
    if (opts.quick) {
      figures.push(missing('real_upload_vs_curl_loaded', TARGETS.real_upload_vs_curl_loaded, 'real Flink upload with a CPU-burning child', 'quick mode: the loaded pair runs in the full set only'));
    } else {
      const burner = startCpuBurner();
      try {
        const loaded = await uploadPairs(restUrl, jar, mib, uploadRounds, opts.log);
        opts.log(`real Flink: upload ${mib} MiB under load: ours ${loaded.ours} MiB/s, curl ${loaded.curl} MiB/s`);
        figures.push({
          ...figure('real_upload_vs_curl_loaded', round(loaded.ratios.median), TARGETS.real_upload_vs_curl_loaded,
            `as real_upload_vs_curl, with one CPU-burning child process (a busy loop) running during both sides; ours ${loaded.ours} MiB/s vs curl ${loaded.curl} MiB/s; ` +
            `${uploadRounds} interleaved round(s), throughput ratio ${formatSpread(loaded.ratios)}`),
          spread: round(loaded.ratios.iqr),
        });
      } finally {
        await burner.stop();
      }
    }
    return figures;
  } finally {
    await stopLive();
    await cluster.stop();
    await killJvmsUnder(work);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(realFlinkBench, [...KEYS]);
