import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFlinkDistribution, packFlinkDistribution } from './distribution';
import { SpecValidator } from './specSchemas';
import { getJson, jarIdOf, request, uploadJar, waitFor } from './standinHarness';
import { WORDCOUNT_CLASS, buildJar, writeLicenseText } from '../../fixtures/jars';
import { countWords } from './programs';
import { freePort } from '../../helpers/freePort';

const spec = new SpecValidator();


interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const started: Proc[] = [];

function startScript(script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(script, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const proc = { child, output: () => out, exited };
  started.push(proc);
  return proc;
}

async function kill(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 3000);
  await p.exited;
  clearTimeout(t);
}

describe('stand-in Flink distribution as real processes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-standin-dist-'));
  after(async () => {
    await Promise.all(started.map((p) => kill(p, 'SIGKILL')));
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('ensureFlinkDistribution builds a Flink-like folder with default configuration', async () => {
    const home = await ensureFlinkDistribution();
    for (const f of ['bin/jobmanager.sh', 'bin/taskmanager.sh', 'bin/config.sh', 'conf/flink-conf.yaml', 'lib/jobmanager.js', 'lib/taskmanager.js', 'VERSION']) {
      assert.ok(fs.existsSync(path.join(home, f)), `${f} is missing`);
    }
    const conf = fs.readFileSync(path.join(home, 'conf/flink-conf.yaml'), 'utf8');
    for (const line of ['jobmanager.rpc.address: localhost', 'jobmanager.rpc.port: 6123', 'rest.port: 8081', 'taskmanager.numberOfTaskSlots: 1', 'parallelism.default: 1']) assert.ok(conf.includes(line), line);
    assert.equal(await ensureFlinkDistribution(), home, 'a fresh build is reused');
  });

  test('from an extracted .tgz: TaskManager started first retries, JobManager with --configDir config.yaml, WordCount, heartbeat timeout, DELETE /cluster', async () => {
    const tgz = await packFlinkDistribution(path.join(work, 'flink-standin.tgz'));
    const sandbox = path.join(work, 'sandbox');
    fs.mkdirSync(sandbox);
    execFileSync('tar', ['-xzf', tgz, '-C', sandbox]);
    const home = path.join(sandbox, 'flink-standin');
    const rpcPort = await freePort();
    const dataPort = await freePort();
    const confDir = path.join(work, 'conf');
    fs.mkdirSync(confDir);
    fs.writeFileSync(path.join(confDir, 'config.yaml'), `jobmanager:\n  rpc:\n    address: 127.0.0.1\n    port: ${rpcPort}\nrest:\n  port: 0\ncustom:\n  marker: from-config-yaml\n`);
    const logDir = path.join(work, 'log');
    const env = { FLINK_LOG_DIR: logDir };
    const common = ['-D', 'heartbeat.interval=100', '-Dheartbeat.timeout=1000'];

    // The TaskManager comes up before the JobManager: it must keep retrying its registration.
    const tm1 = startScript(path.join(home, 'bin/taskmanager.sh'), ['start-foreground', ...common, '-D', 'jobmanager.rpc.address=127.0.0.1', '-D', `jobmanager.rpc.port=${rpcPort}`, '-D', 'taskmanager.resource-id=mesos-task-tm-1', '-D', 'taskmanager.host=127.0.0.1', '-D', `taskmanager.data.port=${dataPort}`, '-D', 'taskmanager.numberOfTaskSlots=2', '-D', 'taskmanager.memory.process.size=2g', '-D', 'taskmanager.cpu.cores=3', '-D', 'cluster.registration.error-delay=100'], env);
    const jm = startScript(path.join(home, 'bin/jobmanager.sh'), ['start-foreground', '--configDir', confDir, ...common, '-Dstandin.startup-delay-ms=300'], env);
    await waitFor(() => /Rest endpoint listening at [\d.]+:(\d+)/.test(jm.output()), 10000, 'the JobManager REST endpoint');
    const url = `http://127.0.0.1:${/Rest endpoint listening at [\d.]+:(\d+)/.exec(jm.output())![1]}`;
    await waitFor(async () => (await getJson<{ taskmanagers: unknown[] }>(`${url}/taskmanagers`)).body.taskmanagers.length === 1, 10000, 'the TaskManager to register');
    assert.match(tm1.output(), /Could not resolve ResourceManager address/);
    const tms = await getJson<{ taskmanagers: Record<string, unknown>[] }>(`${url}/taskmanagers`);
    spec.response('get', '/taskmanagers', tms.body);
    const tm = tms.body.taskmanagers[0];
    assert.equal(tm.id, 'mesos-task-tm-1');
    assert.equal(tm.dataPort, dataPort);
    assert.equal(tm.slotsNumber, 2);
    assert.equal((tm.hardware as Record<string, number>).cpuCores, 3);
    assert.equal((tm.memoryConfiguration as Record<string, number>).totalProcessMemory, 2 * 1024 ** 3);
    const jmConfig = await getJson<{ key: string; value: string }[]>(`${url}/jobmanager/config`);
    assert.ok(jmConfig.body.some((e) => e.key === 'custom.marker' && e.value === 'from-config-yaml'), 'config.yaml is read and flattened');
    assert.ok(jmConfig.body.some((e) => e.key === 'heartbeat.timeout' && e.value === '1000'), '-D options are applied');
    assert.ok(fs.readdirSync(logDir).some((f) => /^flink-.+-standalonesession-\d+-.+\.log$/.test(f)));
    assert.ok(fs.readdirSync(logDir).some((f) => /^flink-.+-taskexecutor-\d+-.+\.log$/.test(f)));

    // WordCount on the Apache License text
    const jar = await buildJar(path.join(work, 'wordcount.jar'), { mainClass: WORDCOUNT_CLASS });
    const input = writeLicenseText(path.join(work, 'LICENSE.txt'));
    const output = path.join(work, 'wordcount-result.txt');
    const up = await uploadJar(url, jar);
    assert.equal(up.status, 200);
    const runAnswer = await request<{ jobid: string }>('POST', `${url}/jars/${jarIdOf(up.body.filename)}/run`, { programArgsList: ['--input', input, '--output', output], parallelism: 1 });
    assert.equal(runAnswer.status, 200);
    await waitFor(async () => (await getJson<{ state: string }>(`${url}/jobs/${runAnswer.body.jobid}`)).body.state === 'FINISHED', 10000, 'WordCount to finish');
    const counts = new Map(fs.readFileSync(output, 'utf8').trim().split('\n').map((l) => {
      const m = /^\((.+),(\d+)\)$/.exec(l)!;
      return [m[1], Number(m[2])] as const;
    }));
    assert.deepEqual(counts, countWords(fs.readFileSync(input, 'utf8')));
    assert.ok(counts.get('license')! > 10 && counts.get('apache')! >= 1);

    // A killed TaskManager leaves /taskmanagers after heartbeat.timeout.
    await kill(tm1, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => (await getJson<{ taskmanagers: unknown[] }>(`${url}/taskmanagers`)).body.taskmanagers.length === 0, 5000, 'the TaskManager to leave', 100);
    assert.ok(Date.now() - killedAt >= 700);

    // DELETE /cluster ends the JobManager process.
    assert.equal((await request('DELETE', `${url}/cluster`)).status, 200);
    assert.equal(await jm.exited, 0);
  });

  test('daemon forms: jobmanager.sh start and stop', async () => {
    const home = await ensureFlinkDistribution();
    const env = { ...process.env, FLINK_LOG_DIR: path.join(work, 'daemon-log'), FLINK_PID_DIR: work };
    const args = ['-D', 'rest.port=0', '-D', 'jobmanager.rpc.port=0', '-D', 'jobmanager.rpc.address=127.0.0.1'];
    const out = execFileSync(path.join(home, 'bin/jobmanager.sh'), ['start', ...args], { env }).toString();
    assert.match(out, /Starting standalonesession daemon/);
    const pidFile = fs.readdirSync(work).find((f) => f.endsWith('-standalonesession.pid'))!;
    const pid = Number(fs.readFileSync(path.join(work, pidFile), 'utf8').trim());
    started.push({ child: { exitCode: null, signalCode: null, kill: () => { try { process.kill(pid, 'SIGKILL'); } catch { /* already stopped */ } } } as unknown as ChildProcess, output: () => '', exited: Promise.resolve(null) });
    await waitFor(() => fs.readdirSync(path.join(work, 'daemon-log')).some((f) => f.endsWith('.log') && /Rest endpoint listening/.test(fs.readFileSync(path.join(work, 'daemon-log', f), 'utf8'))), 5000, 'the daemon to start');
    const stop = execFileSync(path.join(home, 'bin/jobmanager.sh'), ['stop'], { env }).toString();
    assert.match(stop, /Stopping standalonesession daemon \(pid: \d+\)/);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000, 'the daemon to stop');
  });

  test('a bad option makes the script fail with a clear message', async () => {
    const home = await ensureFlinkDistribution();
    const p = startScript(path.join(home, 'bin/jobmanager.sh'), ['start-foreground', '-D', 'novalue'], { FLINK_LOG_DIR: path.join(work, 'bad-log') });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /Dynamic property "novalue" is not of the form key=value/);
  });
});
