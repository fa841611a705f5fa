// Periodic savepoints against the Flink stand-in: the schedule set on the command line (run flags, savepoint-schedule)
// is kept in the session's savepoint history; a runner, as the process driving the session runs it, takes the
// savepoints, retires those beyond keep and disposes them only when the schedule asks for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/core/cli/cli';
import { ExitCode } from '../../../src/core/cli/cliIo';
import { FlinkRestClient } from '../../../src/core/flink/FlinkRestClient';
import { PeriodicSavepointRunner, parseDuration } from '../../../src/core/session/periodicSavepoints';
import { SavepointHistoryStore, savepointDirFor, type SavepointEntry, type SavepointSchedule } from '../../../src/core/session/SavepointHistoryStore';
import { FileSessionStore, type SessionRecord } from '../../../src/core/session/SessionStore';
import { FAILING_CLASS, STREAMING_CLASS, buildJar } from '../../fixtures/jars';
import { bufferIo } from '../../helpers/bufferIo';
import { InProcessCluster, startInProcessCluster, waitFor } from '../../standin/flink/standinHarness';

const SESSION = 'periodic';
const onDisk = (location: string): boolean => fs.existsSync(path.join(location.replace(/^file:/, ''), '_metadata'));

describe('periodic savepoints on the stand-in', () => {
  let c: InProcessCluster;
  let client: FlinkRestClient;
  let home: string;
  let env: Record<string, string>;
  let streamingJar: string;
  let failingJar: string;
  let history: SavepointHistoryStore;
  let clock = Date.now();
  const sessionsDir = (): string => path.join(home, 'sessions');
  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = bufferIo(env);
    const code = await runCli(args, io);
    return { code, out: io.stdout, err: io.stderr };
  };
  /** A runner as the driving process has it, with a clock the test moves. */
  const runner = (): PeriodicSavepointRunner => new PeriodicSavepointRunner({ store: new SavepointHistoryStore(savepointDirFor(sessionsDir())), key: SESSION, jobManagerUrl: () => c.url, now: () => clock, pollMs: 20 });
  const periodic = async (jobId: string): Promise<SavepointEntry[]> => (await history.savepoints(SESSION, jobId)).filter((e) => e.kind === 'periodic');
  const schedule = async (jobId: string): Promise<SavepointSchedule | undefined> => (await history.schedules(SESSION)).find((s) => s.jobId === jobId);
  const saveSession = async (owner?: SessionRecord['owner']): Promise<void> => {
    await new FileSessionStore(sessionsDir()).save({
      version: 1, name: SESSION, masters: '127.0.0.1:5050', options: {} as SessionRecord['options'], flinkConfiguration: {}, phase: 'running',
      jobManagerUrl: c.url, tasks: [], wantedTaskManagers: 1, nextTaskManagerNumber: 2, startedAt: Date.now(), updatedAt: Date.now(), owner,
    });
  };
  async function running(extra: string[] = []): Promise<{ jobId: string; err: string }> {
    const r = await cli(['run', '--session', SESSION, '-d', '--json', '-p', '1', ...extra, streamingJar]);
    assert.equal(r.code, 0, r.err);
    const jobId = (JSON.parse(r.out) as { jobId: string }).jobId;
    await waitFor(async () => (await client.job(jobId)).vertices.every((v) => v.status === 'RUNNING'), 5000, 'the job to run');
    return { jobId, err: r.err };
  }

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'periodic-savepoints-'));
    env = { FLINK_MESOS_HOME: home };
    c = await startInProcessCluster({
      taskManagers: 1,
      conf: { 'standin.flink-version': '2.3.0', 'standin.savepoint-delay-ms': '30', 'standin.failing-job-delay-ms': '100', 'state.savepoints.dir': `file://${path.join(home, 'sp')}`, 'standin.job-duration-ms': '50' },
      tmConf: { 'taskmanager.numberOfTaskSlots': '4' },
    });
    client = new FlinkRestClient(c.url, { timeoutMs: 5000 });
    streamingJar = await buildJar(path.join(home, 'streaming.jar'), { mainClass: STREAMING_CLASS });
    failingJar = await buildJar(path.join(home, 'failing.jar'), { mainClass: FAILING_CLASS });
    history = new SavepointHistoryStore(savepointDirFor(sessionsDir()));
    await saveSession();
  });
  after(async () => {
    await client?.close();
    await c?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('durations: 30s, 10m, 1h, 500ms and plain seconds; words are not durations', () => {
    assert.deepEqual(['30s', '10m', '1h', '500ms', '45', '1.5m'].map(parseDuration), [30000, 600000, 3600000, 500, 45000, 90000]);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseDuration('-5s'), undefined);
  });

  test('run --savepoint-interval keeps the schedule in the session\'s history and says that no process drives the session', async () => {
    const { jobId, err } = await running(['--savepoint-interval', '1s', '--savepoint-keep', '2']);
    assert.match(err, /No process drives session periodic now, so no periodic savepoint is taken until one does/);
    const list = await cli(['savepoint-schedule', '--session', SESSION, '--json']);
    assert.equal(list.code, 0, list.err);
    const doc = JSON.parse(list.out) as { driven: boolean; schedules: SavepointSchedule[] };
    assert.equal(doc.driven, false);
    assert.deepEqual(doc.schedules.map((s) => [s.jobId, s.intervalMs, s.keep, s.disposeOld]), [[jobId, 1000, 2, false]]);
  });

  test('the runner takes one per interval, marks those beyond keep retired and disposes none of them (no --dispose-old)', async () => {
    const jobId = (await history.schedules(SESSION))[0].jobId;
    // A fresh runner, as after a restart of the driving process: it reads the schedule from the file.
    clock = Date.now();
    // Every write the runner makes is read back: none may show more than keep (2) periodic savepoints unretired.
    const kept: number[] = [];
    const store = new SavepointHistoryStore(savepointDirFor(sessionsDir()));
    const watched = new Proxy(store, {
      get: (target, prop) => {
        const v = Reflect.get(target, prop) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          kept.push((await target.savepoints(SESSION, jobId)).filter((e) => e.kind === 'periodic' && e.retiredAt === undefined).length);
          return out;
        };
      },
    });
    const r = new PeriodicSavepointRunner({ store: watched, key: SESSION, jobManagerUrl: () => c.url, now: () => clock, pollMs: 20 });
    try {
      await r.check();
      assert.equal((await periodic(jobId)).length, 0, 'not due yet');
      for (let i = 0; i < 4; i++) {
        clock += 1000;
        await r.check();
      }
      await r.check(); // not due again at the same time
    } finally {
      await r.stop();
    }
    assert.ok(Math.max(...kept) <= 2, `unretired periodic savepoints after each write of the runner: ${kept.join(' ')}`);
    const entries = await periodic(jobId);
    assert.equal(entries.length, 4);
    assert.deepEqual(entries.map((e) => e.retiredAt !== undefined), [false, false, true, true], 'newest first: two kept, two retired');
    assert.ok(entries.every((e) => e.disposedAt === undefined && onDisk(e.path)), 'every one is still on disk');
    assert.equal(entries[0].entryClass, STREAMING_CLASS, 'with the entry class the job was submitted with');
    const listed = JSON.parse((await cli(['savepoints', '--session', SESSION, '--json', jobId])).out) as SavepointEntry[];
    assert.deepEqual(listed.map((e) => e.kind), ['periodic', 'periodic', 'periodic', 'periodic']);
    const text = (await cli(['savepoints', '--session', SESSION, jobId])).out;
    assert.match(text, /periodic \(retired\)/);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
  });

  test('savepoint-schedule --keep 1 --dispose-old: the next one disposes the older ones through the JobManager, never one a job started from', async () => {
    const jobId = (await history.schedules(SESSION))[0].jobId;
    const set = await cli(['savepoint-schedule', '--session', SESSION, '--json', jobId, '--interval', '2s', '--keep', '1', '--dispose-old']);
    assert.equal(set.code, 0, set.err);
    const before = await periodic(jobId);
    // A job was started from the oldest one: that one stays.
    const oldest = before[before.length - 1];
    await history.recordSubmission(SESSION, { jobId: 'f'.repeat(32), jarPath: streamingJar, programArgs: [], restoredFrom: oldest.path, submittedAt: Date.now() });
    const r = runner();
    try {
      clock += 2000;
      await r.check();
    } finally {
      await r.stop();
    }
    const entries = await periodic(jobId);
    assert.equal(entries.length, 5);
    assert.equal(entries[0].disposedAt, undefined);
    assert.ok(onDisk(entries[0].path), 'the newest stays');
    for (const e of entries.slice(1, -1)) {
      assert.ok(e.disposedAt !== undefined && !onDisk(e.path), `${e.path} disposed`);
    }
    assert.ok(entries[4].disposedAt === undefined && onDisk(oldest.path), 'the one a job started from is kept');
    assert.match((await cli(['savepoints', '--session', SESSION, jobId])).out, /periodic \(disposed\)/);
  });

  test('a failed periodic savepoint is recorded on the schedule, tried again an interval later; the job keeps running', async () => {
    const jobId = (await history.schedules(SESSION))[0].jobId;
    const blocked = path.join(home, 'blocked');
    fs.writeFileSync(blocked, 'a file, not a folder');
    await history.patchSchedule(SESSION, jobId, { targetDirectory: `file://${blocked}/sp` });
    const count = (await periodic(jobId)).length;
    const r = runner();
    try {
      clock += 2000;
      await r.check();
    } finally {
      await r.stop();
    }
    const s = await schedule(jobId);
    assert.ok(s?.lastError, 'the failure is kept');
    assert.equal(s.lastAt, clock);
    assert.equal((await periodic(jobId)).length, count);
    assert.equal((await client.job(jobId)).state, 'RUNNING');
    await history.patchSchedule(SESSION, jobId, { targetDirectory: undefined });
  });

  test('an upgrade moves the schedule to the job that runs now; a job that ends loses its schedule at the next check', async () => {
    const jobId = (await history.schedules(SESSION))[0].jobId;
    const up = await cli(['upgrade', '--session', SESSION, '--json', '--stable-seconds', '0', jobId, streamingJar]);
    assert.equal(up.code, 0, up.err + up.out);
    const next = (JSON.parse(up.out) as { runningJobId: string }).runningJobId;
    assert.equal(await schedule(jobId), undefined);
    assert.equal((await schedule(next))?.keep, 1);
    await client.cancelJob(next);
    await waitFor(async () => (await client.job(next)).state === 'CANCELED', 5000, 'cancelled');
    const r = runner();
    try {
      clock += 2000;
      await r.check();
    } finally {
      await r.stop();
    }
    assert.equal(await schedule(next), undefined);
  });

  test('with a process driving the session there is no warning; --clear removes a schedule and keeps its savepoints', async () => {
    await saveSession({ id: 'other', pid: process.pid, host: os.hostname(), heartbeatAt: Date.now() });
    try {
      const { jobId, err } = await running(['--savepoint-interval', '1m']);
      assert.doesNotMatch(err, /No process drives/);
      const cleared = await cli(['savepoint-schedule', '--session', SESSION, '--json', jobId, '--clear']);
      assert.equal(cleared.code, 0, cleared.err);
      assert.deepEqual(JSON.parse(cleared.out), { jobId, cleared: true });
      assert.equal(await schedule(jobId), undefined);
      await client.cancelJob(jobId);
    } finally {
      await saveSession();
    }
  });

  test('bad inputs are usage errors (exit 2) that name the fix; nothing is submitted', async () => {
    const jobsBefore = (await client.jobsOverview()).length;
    const cases: [string[], RegExp][] = [
      [['run', '-m', c.url, '-d', '--savepoint-interval', '1m', streamingJar], /belong to a session.*--session NAME, not -m/],
      [['run', '--session', SESSION, '-d', '--savepoint-interval', 'soon', streamingJar], /--savepoint-interval must be a duration such as 30s, 10m or 1h, not "soon"/],
      [['run', '--session', SESSION, '-d', '--savepoint-interval', '100ms', streamingJar], /at least 1 s/],
      [['run', '--session', SESSION, '-d', '--savepoint-interval', '1m', '--savepoint-dispose-old', streamingJar], /needs --savepoint-keep N/],
      [['run', '--session', SESSION, '-d', '--savepoint-interval', '1m', '--savepoint-keep', '0', streamingJar], /at least 1/],
      [['savepoint-schedule', '-m', c.url, 'a'.repeat(32), '--interval', '1m'], /--session NAME \(not -m/],
      [['savepoint-schedule', '--session', SESSION, 'nope', '--interval', '1m'], /not a Flink job id/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, ExitCode.usage, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    assert.equal((await client.jobsOverview()).length, jobsBefore, 'no job was submitted');
    // A job that is not running takes no schedule.
    const done = await cli(['run', '--session', SESSION, '--json', failingJar]);
    const failed = (JSON.parse(done.out) as { jobId: string }).jobId;
    const r = await cli(['savepoint-schedule', '--session', SESSION, failed, '--interval', '1m']);
    assert.equal(r.code, ExitCode.usage);
    assert.match(r.err, /is FAILED, not RUNNING: only a running job takes periodic savepoints/);
    assert.equal(await schedule(failed), undefined);
  });
});
