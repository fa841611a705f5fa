// Application mode against one real Apache Flink version on the stand-in Mesos (applicationMode-V.test.ts; run with
// `npm run test:real -- applicationMode-2.3.0`). Each application is its own framework: the JobManager runs
// bin/standalone-job.sh with the jar, the TaskManagers fetch it too, and the framework is torn down when the job ends.
// The newest version runs every test; the older ones the tests whose behaviour depends on the version (the streaming
// application's stop with savepoint and restore, the unfetchable jar, a jar with no entry class), to keep the test command short.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { MesosCluster } from '../standin/mesos/MesosCluster';
import { eventually, tempDir } from '../core/session/sessionHarness';
import { cli, counts, jvmsUnder, realFlink, startRealCluster, REAL_JM_MEMORY_MB, REAL_TM_MEMORY_MB, type RealFlink } from './realFlinkHarness';
import type { ApplicationResult } from '../../src/core/application/ApplicationResultStore';
import { systemJdk17 } from '../harness/realFlink';

const WORDS = 'to be or not to be\nthat is the question\nwhether tis nobler in the mind to suffer\n';
const EXPECTED_COUNTS: Record<string, number> = { to: 3, be: 2, or: 1, not: 1, that: 1, is: 1, the: 2, question: 1, whether: 1, tis: 1, nobler: 1, in: 1, mind: 1, suffer: 1 };

interface OperatorTask { framework_id: { value: string }; state: string; task_id: { value: string } }
const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);

/** Every task of any framework the master lists as not ended. */
async function allLiveTasks(cluster: MesosCluster): Promise<string[]> {
  const answer = await cluster.operator<{ get_tasks: Record<string, OperatorTask[] | undefined> }>({ type: 'GET_TASKS' });
  return Object.values(answer.get_tasks ?? {}).flatMap((l) => l ?? []).filter((t) => !TERMINAL.has(t.state)).map((t) => t.task_id.value);
}

function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

/** full: every test; otherwise only those that depend on the Flink version. */
export function applicationModeSuite(VERSION: string, { full }: { full: boolean }): void {
  describe(`application mode on real Flink ${VERSION} and the stand-in Mesos`, { timeout: 900000 }, () => {
    let flink: RealFlink;
    let cluster: MesosCluster;
    let master: string;
    const work = tempDir(`real-app-${VERSION}-`);
    const store = path.join(work, 'store');

    before(async () => {
      flink = realFlink(VERSION);
      cluster = await startRealCluster(flink);
      master = cluster.masterUrls.map((u) => u.replace(/^http:\/\//, '')).join(',');
    });
    after(async () => {
      await cluster?.stop();
      fs.rmSync(work, { recursive: true, force: true });
    });

    const start = (name: string, extra: string[], jar: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      cli(['application', 'start', '-m', master, '--flink-home', flink.flinkHome, '--name', name, '-n', '1', '--slots', '2',
        '-tm', String(REAL_TM_MEMORY_MB), '-jm', String(REAL_JM_MEMORY_MB), '-tmc', '0.5', '-jmc', '0.5', '--store', store, ...extra, jar, ...args]);
    const kept = (name: string): ApplicationResult => JSON.parse(fs.readFileSync(path.join(store, 'applications', `${name}.json`), 'utf8')) as ApplicationResult;
    const nothingLeft = async (what: string): Promise<void> => {
      assert.deepEqual(await allLiveTasks(cluster), [], `${what}: no task left on the master`);
      await eventually(`${what}: no JVM left`, async () => jvmsUnder(cluster.workDir).length === 0, 30000, 300)
        .catch(() => assert.fail(`${what}: JVMs left: ${JSON.stringify(jvmsUnder(cluster.workDir).map((j) => j.args.slice(0, 120)))}`));
    };

    test('WordCount from a local jar through the artifact server: right counts, the framework torn down, 0 tasks, 0 JVMs, the server\'s port closed', { skip: !full && 'run on the newest version' }, async () => {
      const input = path.join(work, 'words.txt');
      const output = path.join(work, 'counts.txt');
      fs.writeFileSync(input, WORDS);
      const r = await start('wordcount', ['--artifact-address', '127.0.0.1'], flink.jobs.wordCount, ['--input', input, '--output', output]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /Application wordcount succeeded \(job [0-9a-f]{32} FINISHED\)/);
      assert.match(r.stdout, /The framework was torn down: no task is left\./);
      const got = Object.fromEntries(fs.readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => { const [w, n] = l.split(' '); return [w, Number(n)]; }));
      assert.deepEqual(got, EXPECTED_COUNTS);
      const port = Number(/Artifact server: serving wordCount\.jar at http:\/\/127\.0\.0\.1:(\d+)\/<secret>\/wordCount\.jar/.exec(r.stderr)?.[1]);
      assert.ok(port > 0, r.stderr);
      assert.ok(await portClosed(port), `the artifact server's port ${port} is closed`);
      await nothingLeft('after WordCount');
      const result = kept('wordcount');
      assert.equal(result.outcome, 'succeeded');
      assert.equal(result.jobState, 'FINISHED');
      assert.ok(!fs.existsSync(path.join(store, 'wordcount.json')), 'the session record is cleared');
      const status = await cli(['application', 'status', '--name', 'wordcount', '--store', store]);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^wordcount: succeeded, job [0-9a-f]{32} FINISHED/m);
    });

    test('a failing application: its root cause shown, the framework torn down, nothing left', { skip: !full && 'run on the newest version' }, async () => {
      const r = await start('failing', ['--artifact-address', '127.0.0.1'], flink.jobs.failing, ['--message', 'planted failure 4711']);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, /Application failing failed \(job [0-9a-f]{32} FAILED\)/);
      // Flink 2.3 keeps the task's own exception as the root (no "Recovery is suppressed" wrapper around it): then it is the cause.
      assert.match(r.stdout, /^(Cause: |Root exception: java\.lang\.IllegalStateException: )planted failure 4711$/m);
      await nothingLeft('after the failing application');
      const root = kept('failing').rootException;
      assert.equal(root?.rootCause ?? root?.message, 'planted failure 4711');
    });

    test('the streaming job as an application (a file:// jar, detached): stop with a savepoint, start again from it, the counts go on', async () => {
      const out = path.join(work, 'streaming');
      const jarUri = `file://${flink.jobs.streaming}`;
      const args = ['--output', out, '--interval-ms', '50'];
      const first = await start('streaming', ['--detach', '-p', '2'], jarUri, args);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const total = (): number => [...counts(out).values()].reduce((a, v) => a + v.length, 0);
      await eventually('the streaming application counts', async () => total() > 20, 120000, 500);
      const savepoints = path.join(work, 'savepoints');
      // A new CLI process in effect: it attaches to the detached application, stops the job with a savepoint, tears it down.
      const stop = await cli(['application', 'stop', '--name', 'streaming', '--savepoint', savepoints, '--store', store]);
      assert.equal(stop.code, 0, stop.stderr + stop.stdout);
      assert.match(stop.stdout, /Application streaming stopped \(job [0-9a-f]{32} FINISHED\)/);
      const savepoint = /^Savepoint: (\S+)$/m.exec(stop.stdout)?.[1];
      assert.ok(savepoint && fs.existsSync(path.join(savepoint.replace(/^file:/, ''), '_metadata')), `savepoint on disk: ${stop.stdout}`);
      await nothingLeft('after stop with savepoint');
      const atStop = counts(out);
      const lastAtStop = new Map([...atStop].map(([k, v]) => [k, v[v.length - 1]]));
      const linesAtStop = new Map([...atStop].map(([k, v]) => [k, v.length]));

      const again = await start('streaming', ['--detach', '-p', '2', '-s', savepoint], jarUri, args);
      assert.equal(again.code, 0, again.stderr + again.stdout);
      const before = total();
      await eventually('the restored application counts', async () => total() > before + 20, 120000, 500);
      let compared = 0;
      for (const [key, values] of counts(out)) {
        const n = linesAtStop.get(key) ?? 0;
        if (values.length <= n) continue;
        const last = lastAtStop.get(key) ?? 0;
        // A fresh start would begin again at 1; a restore goes on from the savepoint's count.
        assert.ok(values[n] > 1 && values[n] <= last + 1 && values[n] >= last - 2, `key ${key} goes on from its savepoint count: ${values[n]} after ${last}`);
        compared++;
      }
      assert.ok(compared > 0, 'some key counted on after the restore');
      const list = await cli(['application', 'list', '--store', store]);
      assert.match(list.stdout, /^streaming\t(running|taskManagers)\t[0-9a-f]{32} RUNNING$/m, list.stdout);
      const down = await cli(['application', 'stop', '--name', 'streaming', '--store', store]);
      assert.equal(down.code, 0, down.stderr + down.stdout);
      assert.match(down.stdout, /Application streaming stopped/);
      await nothingLeft('after the second stop');
    });

    test('upgrade of a streaming application: stop with a savepoint, StreamingCounterV2 from it as the same application (the counter goes on in v2 lines); a failing jar rolls back; bad inputs leave it running', { skip: !full && 'run on the newest version' }, async () => {
      const out = path.join(work, 'upgraded');
      const args = ['--output', out, '--interval-ms', '50'];
      const first = await start('upgraded', ['--detach', '-p', '2'], `file://${flink.jobs.streaming}`, args);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const total = (): number => [...counts(out).values()].reduce((a, v) => a + v.length, 0);
      await eventually('the application counts', async () => total() > 20, 120000, 500);
      const savepoints = path.join(work, 'upgrade-savepoints');
      const upgrade = (extra: string[], jar: string, jarArgs: string[]): ReturnType<typeof cli> =>
        cli(['application', 'upgrade', '--name', 'upgraded', '--store', store, '--json', '--detach', '--stable-seconds', '5', '--savepoint', savepoints, ...extra, jar, ...jarArgs]);

      // Refused while the job runs, and it keeps running.
      const noEntry = path.join(work, 'upgrade-noentry');
      fs.mkdirSync(path.join(noEntry, 'classes'), { recursive: true });
      fs.writeFileSync(path.join(noEntry, 'classes', 'readme.txt'), 'no classes here\n');
      const noEntryJar = path.join(noEntry, 'noentry.jar');
      assert.equal(spawnSync(path.join(systemJdk17(), 'bin', 'jar'), ['--create', '--file', noEntryJar, '-C', path.join(noEntry, 'classes'), '.']).status, 0);
      const refused = await cli(['application', 'upgrade', '--name', 'upgraded', '--store', store, '--artifact-address', '127.0.0.1', noEntryJar]);
      assert.equal(refused.code, 2, refused.stderr + refused.stdout);
      assert.match(refused.stderr, /noentry\.jar has no entry class/);
      const session = await cli(['application', 'upgrade', '--name', 'nosuch', '--store', store, `file://${flink.jobs.streamingV2}`]);
      assert.equal(session.code, 4, session.stderr);
      assert.match(session.stderr, /No application named "nosuch" is running/);
      const linesBefore = new Map([...counts(out)].map(([k, c]) => [k, c.length]));
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(total() > [...linesBefore.values()].reduce((a, v) => a + v, 0), 'the application still counts after the refusals');

      const oldJob = /^upgraded\t\w+\t([0-9a-f]{32}) RUNNING$/m.exec((await cli(['application', 'list', '--store', store])).stdout)?.[1] ?? '';
      const schedule = await cli(['savepoint-schedule', '--session', 'upgraded', '--store', store, oldJob, '--interval', '1h']);
      assert.equal(schedule.code, 0, schedule.stderr + schedule.stdout);
      const up = await upgrade([], `file://${flink.jobs.streamingV2}`, [...args, '--name', 'StreamingCounter v2']);
      assert.equal(up.code, 0, up.stderr + up.stdout);
      const result = JSON.parse(up.stdout.split('\n')[0]) as { outcome: string; runningJobId: string; oldJobId: string; savepoint: string };
      assert.equal(result.outcome, 'upgraded');
      assert.notEqual(result.runningJobId, result.oldJobId);
      assert.ok(fs.existsSync(path.join(result.savepoint.replace(/^file:/, ''), '_metadata')), `savepoint on disk: ${result.savepoint}`);
      await eventually('v2 counts', async () => [...counts(out).entries()].every(([k, c]) => c.length > (linesBefore.get(k) ?? 0) + 2), 90000, 500);
      for (const key of counts(out).keys()) {
        const lines = fs.readFileSync(path.join(out, `count-${key}.log`), 'utf8').trim().split('\n');
        const at = lines.findIndex((l) => l.endsWith(' v2'));
        assert.ok(at > 0, `key ${key} has v1 lines, then v2 lines`);
        const last = Number(lines[at - 1].split(' ')[1]);
        const firstV2 = Number(lines[at].split(' ')[1]);
        assert.ok(firstV2 > 1 && firstV2 >= last - 2 && firstV2 <= last + 3, `key ${key}: first v2 count ${firstV2} after v1's last ${last}`);
      }
      const status = JSON.parse((await cli(['application', 'status', '--name', 'upgraded', '--store', store, '--json'])).stdout) as { job?: string };
      assert.match(status.job ?? '', new RegExp(`^${result.runningJobId} RUNNING$`), 'the application runs the new job');
      assert.equal(result.oldJobId, oldJob);
      const schedules = await cli(['savepoint-schedule', '--session', 'upgraded', '--store', store, '--json']);
      assert.match(schedules.stdout, new RegExp(result.runningJobId), `the periodic savepoint schedule moved to the new job: ${schedules.stdout}`);
      assert.doesNotMatch(schedules.stdout, new RegExp(oldJob), 'and left the old one');
      const history = await cli(['savepoints', '--session', 'upgraded', '--store', store]);
      assert.ok(history.stdout.includes(result.savepoint), `the upgrade's savepoint is in the history: ${history.stdout}`);

      // A jar that fails: its cluster goes, and the v2 jar runs again from the new savepoint.
      const before = new Map([...counts(out)].map(([k, c]) => [k, c.length]));
      const bad = await upgrade(['--allow-non-restored-state'], `file://${flink.jobs.failing}`, ['--at', '5']);
      assert.equal(bad.code, 6, bad.stderr + bad.stdout);
      const back = JSON.parse(bad.stdout.split('\n')[0]) as { outcome: string; runningJobId: string; reason: string; failedJobId?: string };
      assert.equal(back.outcome, 'rolledBack');
      assert.match(back.reason, /failed on purpose|FAILED|IllegalStateException/, back.reason);
      await eventually('counting again after the rollback', async () => [...counts(out).entries()].every(([k, c]) => c.length > (before.get(k) ?? 0) + 2), 90000, 500);
      for (const [key, c] of counts(out)) {
        const fresh = c.slice(before.get(key) ?? 0);
        assert.ok(!fresh.includes(1), `key ${key} continues from the savepoint after the rollback`);
      }
      const lines = fs.readFileSync(path.join(out, 'count-0.log'), 'utf8').trim().split('\n');
      assert.match(lines[lines.length - 1], /^0 \d+ v2$/, 'the v2 code writes the lines again');
      const live = await allLiveTasks(cluster);
      assert.ok(live.length === 2 && live.every((t) => t.includes('upgraded')), `only the rolled-back cluster's 2 tasks run: ${JSON.stringify(live)}`);

      const down = await cli(['application', 'stop', '--name', 'upgraded', '--store', store]);
      assert.equal(down.code, 0, down.stderr + down.stdout);
      await nothingLeft('after the upgrades');
    });

    test('bad input: a jar URI the agents cannot fetch: the fetcher\'s error, nothing left', async () => {
      const closed = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
      const uri = `http://127.0.0.1:${closed}/jobs/missing.jar`;
      const r = await start('unfetchable', [], uri, []);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.match(r.stdout, new RegExp(`The Mesos fetcher of the agent could not fetch ${uri.replace(/[.]/g, '\\.')}: .*ECONNREFUSED`));
      assert.match(r.stdout, /Give a URI every agent can fetch/);
      await nothingLeft('after an unfetchable jar');
    });

    test('bad input: an artifact server address that is not this machine\'s: refused at bind, the error names it and the fix, nothing launched', { skip: !full && 'run on the newest version' }, async () => {
      // 192.0.2.10 (TEST-NET-1) is on no interface here: the bind fails at once, no packet leaves the machine.
      const r = await start('elsewhere', ['--artifact-address', '192.0.2.10'], flink.jobs.wordCount, ['--input', '/nonexistent', '--output', '/nonexistent']);
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /The artifact server cannot listen on 192\.0\.2\.10: 192\.0\.2\.10 is not an address of this machine, so the Mesos agents could not fetch the jar from it; nothing was started\. Set the artifact server address \(--artifact-address HOST/);
      assert.ok(!fs.existsSync(path.join(store, 'elsewhere.json')), 'no session was saved');
      assert.deepEqual(await allLiveTasks(cluster), [], 'no task was launched');
    });

    test('bad input: an artifact server the agents cannot reach (bound to 127.0.0.1, its URI names 127.0.0.3, where nothing listens): the error names the server and the fix, the server stopped, nothing left', { skip: !full && 'run on the newest version' }, async () => {
      // A real refusal: the stand-in agent's fetcher connects to 127.0.0.3:PORT and the kernel answers RST (the server is bound to 127.0.0.1 only).
      const r = await start('unreachable', ['--artifact-address', '127.0.0.1', '--artifact-advertised-host', '127.0.0.3'], flink.jobs.wordCount,
        ['--input', '/nonexistent', '--output', '/nonexistent']);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const port = Number(/Artifact server: serving wordCount\.jar at http:\/\/127\.0\.0\.3:(\d+)\//.exec(r.stderr)?.[1]);
      assert.ok(port > 0, r.stderr);
      assert.match(r.stdout, new RegExp(`The Mesos agents cannot reach the artifact server at http://127\\.0\\.0\\.3:${port}: the agent's fetcher could not fetch ` +
        `http://127\\.0\\.0\\.3:${port}/<secret>/wordCount\\.jar: connect ECONNREFUSED 127\\.0\\.0\\.3:${port}`));
      assert.match(r.stdout, /Set the artifact server address \(--artifact-address HOST/);
      assert.ok(!/[0-9a-f]{48}/.test(r.stdout + r.stderr), 'the secret path is not printed');
      assert.ok(await portClosed(port), `artifact server port ${port} closed`);
      await nothingLeft('after an unreachable artifact server');
    });

    test('bad input: a jar with no entry class: refused before anything starts, the fix named', async () => {
      const dir = path.join(work, 'noentry');
      fs.mkdirSync(path.join(dir, 'classes'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'classes', 'readme.txt'), 'no classes here\n');
      const jar = path.join(dir, 'noentry.jar');
      const made = spawnSync(path.join(systemJdk17(), 'bin', 'jar'), ['--create', '--file', jar, '-C', path.join(dir, 'classes'), '.'], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const r = await start('noentry', ['--artifact-address', '127.0.0.1'], jar, []);
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, /--class: noentry\.jar has no entry class: its manifest names no Main-Class .* Pass the entry class with --class CLASS/);
      assert.ok(!fs.existsSync(path.join(store, 'noentry.json')), 'nothing was started');
      assert.deepEqual(await allLiveTasks(cluster), [], 'no task was launched');
    });

    test('bad input: an entry class Flink cannot find: Flink\'s error said plainly, nothing left', { skip: !full && 'run on the newest version' }, async () => {
      const wrong = await start('wrongclass', ['--class', 'flinkmesos.testjobs.NoSuchClass'], `file://${flink.jobs.wordCount}`, []);
      assert.equal(wrong.code, 1, wrong.stderr + wrong.stdout);
      assert.match(wrong.stdout, /Flink could not run the application: .*flinkmesos\.testjobs\.NoSuchClass/);
      await nothingLeft('after a wrong entry class');
    });
  });
}
