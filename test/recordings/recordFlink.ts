// Records a real JobManager's answers to the REST script, one version at a time:
//   npm run record:flink -- 2.3.0        (or several versions, or none for every tested version)
// Starts bin/jobmanager.sh and bin/taskmanager.sh start-foreground of the provisioned distribution (small memory, loopback,
// the TaskManager's resource id shaped like our sessions' Mesos task ids), runs restScript.ts, writes
// test/fixtures/flink-rest/<version>/ and stops both processes. No Mesos is needed.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { buildJar } from '../fixtures/jars';
import { REAL_FLINK_VERSIONS, ensureFlink, ensureJava, realFlinkVersion } from '../harness/realFlink';
import { ensureTestJobs } from '../harness/realFlinkJobs';
import { taskManagerTaskId } from '../../src/core/session/flinkTasks';
import { writeRecording } from './fixtureStore';
import type { RecordedCall } from './restCall';
import { runRestScript } from './restScript';
import { RECORDING_MAX_CONTENT_LENGTH, RECORDING_SLOTS, RECORDING_TASK_MANAGER_ID } from './standinReplay';

// rest.server.max-content-length is small so that a 2 MiB jar is over it; the TaskManager id is what a session named
// "recording" calls its first TaskManager.
if (RECORDING_TASK_MANAGER_ID !== taskManagerTaskId('recording', 1)) throw new Error('RECORDING_TASK_MANAGER_ID no longer has the shape of a session TaskManager id');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The configuration goes into a conf folder of its own (Flink before 1.14 drops -D words of jobmanager.sh), with the
 * distribution's env.java.* options (1.18+ need their --add-opens on Java 17). config.yaml (1.19+) takes flat keys
 * with YAML values; the legacy flink-conf.yaml of 1.13 takes raw `key: value` lines.
 */
function writeConfDir(flinkHome: string, dir: string, conf: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(path.join(flinkHome, 'conf'))) {
    if (/^log4j.*\.properties$|^logback.*\.xml$/.test(f)) fs.copyFileSync(path.join(flinkHome, 'conf', f), path.join(dir, f));
  }
  const standard = fs.existsSync(path.join(flinkHome, 'conf', 'config.yaml'));
  const name = standard ? 'config.yaml' : 'flink-conf.yaml';
  const defaults = flatten(yaml.load(fs.readFileSync(path.join(flinkHome, 'conf', name), 'utf8')) ?? {});
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults)) if (k.startsWith('env.java.')) all[k] = String(v);
  Object.assign(all, conf);
  const text = Object.entries(all).map(([k, v]) => `${k}: ${standard ? JSON.stringify(v) : v}`).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, name), text);
}

function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function start(flinkHome: string, javaHome: string, script: string, confDir: string, logDir: string, log: (l: string) => void): ChildProcess {
  const child = spawn(path.join(flinkHome, 'bin', script), ['start-foreground'], {
    env: { ...process.env, JAVA_HOME: javaHome, FLINK_CONF_DIR: confDir, FLINK_LOG_DIR: logDir, FLINK_HOME: flinkHome },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = fs.createWriteStream(path.join(logDir, `${script}.console`));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('exit', (code, signal) => log(`${script} exited (${code ?? signal})`));
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 15000);
  await exited;
  clearTimeout(timer);
}

async function waitForRest(url: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the JobManager exited (${child.exitCode}) before its REST endpoint answered`);
    try {
      const r = await fetch(`${url}/config`);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the JobManager's REST endpoint ${url} did not answer within ${ms} ms`);
}

export async function recordVersion(version: string, log: (l: string) => void): Promise<string> {
  const v = realFlinkVersion(version);
  const flinkHome = ensureFlink(version);
  const javaHome = ensureJava(v.javaMajor);
  const jobs = ensureTestJobs(version);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `flink-recording-${version}-`));
  const [restPort, rpcPort, tmRpcPort, tmDataPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const common = {
    'jobmanager.rpc.address': '127.0.0.1',
    'jobmanager.rpc.port': String(rpcPort),
    'jobmanager.bind-host': '127.0.0.1',
    'rest.address': '127.0.0.1',
    'rest.port': String(restPort),
    'rest.bind-address': '127.0.0.1',
    'rest.server.max-content-length': String(RECORDING_MAX_CONTENT_LENGTH),
    'web.tmpdir': path.join(work, 'web'),
    'jobmanager.memory.process.size': '768m',
    'taskmanager.memory.process.size': '1024m',
    'taskmanager.numberOfTaskSlots': String(RECORDING_SLOTS),
    'parallelism.default': '1',
  };
  const jmConf = path.join(work, 'conf-jm');
  const tmConf = path.join(work, 'conf-tm');
  writeConfDir(flinkHome, jmConf, common);
  writeConfDir(flinkHome, tmConf, {
    ...common,
    'taskmanager.host': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'taskmanager.rpc.port': String(tmRpcPort),
    'taskmanager.data.port': String(tmDataPort),
    'taskmanager.resource-id': RECORDING_TASK_MANAGER_ID,
  });
  const logDir = path.join(work, 'log');
  fs.mkdirSync(logDir, { recursive: true });
  const noMain = await buildJar(path.join(work, 'jars', 'no-main-class.jar'), { classes: ['flinkmesos.testjobs.Helper'] });
  const tooLarge = await buildJar(path.join(work, 'jars', 'too-large.jar'), { mainClass: 'flinkmesos.testjobs.Big', extraBytes: 2 * RECORDING_MAX_CONTENT_LENGTH });
  log(`Flink ${version}: JobManager on 127.0.0.1:${restPort}, work folder ${work}`);
  const jm = start(flinkHome, javaHome, 'jobmanager.sh', jmConf, logDir, log);
  let tmProcess: ChildProcess | undefined;
  try {
    const url = `http://127.0.0.1:${restPort}`;
    await waitForRest(url, jm, 180000);
    tmProcess = start(flinkHome, javaHome, 'taskmanager.sh', tmConf, logDir, log);
    const calls: RecordedCall[] = [];
    await runRestScript({
      baseUrl: url,
      jars: { ...jobs, noMain, tooLarge },
      workDir: path.join(work, 'data'),
      taskManagerId: RECORDING_TASK_MANAGER_ID,
      waitMs: 180000,
      log: (l) => log(`  ${l}`),
    }, calls).catch((err: unknown) => {
      const partial = path.join(os.tmpdir(), `flink-recording-${version}-partial.json`);
      fs.writeFileSync(partial, JSON.stringify(calls, null, 2));
      log(`the script failed; the ${calls.length} answers so far are in ${partial}`);
      throw err;
    });
    const dir = writeRecording(version, calls);
    log(`Flink ${version}: ${calls.length} calls recorded into ${dir}`);
    return dir;
  } finally {
    if (tmProcess) await stopProcess(tmProcess);
    await stopProcess(jm);
    if (process.env.KEEP_RECORDING_WORK) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const versions = asked.length > 0 ? asked : REAL_FLINK_VERSIONS.map((v) => v.version);
  const log = (l: string): void => void process.stderr.write(`[record] ${l}\n`);
  // One at a time: real JVMs are slow to start on a small machine.
  for (const version of versions) await recordVersion(version, log);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`[record] ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
