// Helpers for the end-to-end tests against real Apache Flink: the stand-in Mesos cluster whose agents start the real
// bin/jobmanager.sh and bin/taskmanager.sh as local processes, one provisioned distribution per version.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../src/core/cli/cli';
import { FlinkSession, type FlinkSessionDeps } from '../../src/core/session/FlinkSession';
import { validateSessionOptions, type SessionOptionsInput } from '../../src/core/session/SessionOptions';
import { bufferIo } from '../helpers/bufferIo';
import { deps, startCluster } from '../core/session/sessionHarness';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { ensureJava, flinkHomeDir, isFlinkProvisioned, realFlinkVersion, type RealFlinkVersion } from '../harness/realFlink';
import { ensureTestJobs, type TestJobJars } from '../harness/realFlinkJobs';

/** The smallest sizes real Flink's memory model accepts with its default fractions (the CLI's minimums). */
export const REAL_TM_MEMORY_MB = 1024;
export const REAL_JM_MEMORY_MB = 768;

export interface RealFlink {
  version: RealFlinkVersion;
  flinkHome: string;
  javaHome: string;
  jobs: TestJobJars;
}

/** The provisioned distribution of a version; a missing one is a failure that says how to provision, never a skip. */
export function realFlink(version: string): RealFlink {
  const v = realFlinkVersion(version);
  if (!isFlinkProvisioned(version)) {
    throw new Error(`Flink ${version} is not provisioned in ${flinkHomeDir(version)}: run "npm run provision:flink" ` +
      '(scripts/test.sh does it before this step; it downloads from PyPI once)');
  }
  return { version: v, flinkHome: flinkHomeDir(version), javaHome: ensureJava(v.javaMajor), jobs: ensureTestJobs(version) };
}

/** Three agents with room for a JobManager and three TaskManagers; tasks get the version's JAVA_HOME from their agent. */
export function startRealCluster(flink: RealFlink): Promise<MesosCluster> {
  return startCluster({
    agents: [{ cpus: 4, mem: 4096 }, { cpus: 4, mem: 4096 }, { cpus: 4, mem: 4096 }],
    flinkHome: flink.flinkHome,
    agentEnvironment: { JAVA_HOME: flink.javaHome },
    // Real Flink gets Mesos' default grace period to shut down cleanly.
    killGracePeriodMs: 3000,
  });
}

/** Real JVMs start in seconds, not milliseconds: the stand-in timings, with room for that. */
export async function newRealSession(cluster: MesosCluster, storeDir: string, input: Partial<SessionOptionsInput>, extra: Partial<FlinkSessionDeps> = {}): Promise<FlinkSession> {
  const validated = validateSessionOptions({
    master: cluster.masterUrls.map((u) => u.replace(/^http:\/\//, '')).join(','), flink: { kind: 'home', path: cluster.flinkHome },
    taskManagerMemoryMb: REAL_TM_MEMORY_MB, jobManagerMemoryMb: REAL_JM_MEMORY_MB, taskManagerCpus: 0.5, jobManagerCpus: 0.5, ...input,
  }, { osUser: () => 'tester' });
  return FlinkSession.create(validated, deps(storeDir, {
    timings: { ...deps(storeDir).timings, flinkTimeoutMs: 5000, callTimeoutMs: 5000, stopVerifyTimeoutMs: 30000 }, ...extra,
  }));
}

/** The command line's home for these tests (savepoint histories of -m runs): never the user's ~/.flink-mesos. */
const CLI_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'real-flink-cli-home-'));

/** Runs the flink-mesos command line in-process. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo({ FLINK_MESOS_HOME: CLI_HOME, ...env });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

export interface JvmProcess { pid: number; args: string }

/** Java processes whose working folder or command line lies under dir (the cluster's sandboxes): other users' JVMs are not ours. */
export function jvmsUnder(dir: string): JvmProcess[] {
  const out: JvmProcess[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string;
    let cwd = '';
    try {
      args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    try { cwd = fs.readlinkSync(`/proc/${name}/cwd`); } catch { /* gone */ }
    const exe = args.split(' ')[0];
    if (!/\/java$/.test(exe)) continue;
    if (cwd.startsWith(dir) || args.includes(dir)) out.push({ pid: Number(name), args });
  }
  return out;
}

/** Lines "KEY COUNT" the streaming job appended per key, as numbers. */
export function counts(outputDir: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  if (!fs.existsSync(outputDir)) return m;
  for (const f of fs.readdirSync(outputDir)) {
    const k = /^count-(\d+)\.log$/.exec(f);
    if (!k) continue;
    const values = fs.readFileSync(path.join(outputDir, f), 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]));
    m.set(Number(k[1]), values);
  }
  return m;
}
