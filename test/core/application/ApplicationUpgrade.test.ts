// The application upgrade's steps against a fake JobManager and stand-in application clusters: what is refused before
// the job is stopped, the new jar from the savepoint, the rollback to the previous jar, and what each failure keeps.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { upgradeApplication, type ApplicationUpgradeRequest } from '../../../src/core/application/ApplicationUpgrade';
import type { ApplicationResult } from '../../../src/core/application/ApplicationResultStore';
import type { ApplicationSpec } from '../../../src/core/application/applicationSpec';
import type { FlinkApplication } from '../../../src/core/application/FlinkApplication';
import { UpgradeError } from '../../../src/core/flink/JobUpgrader';
import { SessionOptionError } from '../../../src/core/session/SessionOptions';
import type { ValidatedSessionOptions } from '../../../src/core/session/SessionOptions';
import type { SessionRecord } from '../../../src/core/session/SessionStore';
import { FakeJobManager, sendJson } from '../flink/fakeJobManager';
import { tempDir, writeTestJar } from '../flink/testJars';

const OLD_JOB = 'a'.repeat(32);
const SAVEPOINT = 'file:/savepoints/savepoint-aaaaaa-000000000001';

/** Jobs the fake JobManager knows, by id: their state (every vertex RUNNING while the job is). */
const jobs = new Map<string, { state: string; start: number; exception?: string }>();

function details(id: string): unknown {
  const j = jobs.get(id)!;
  return { jid: id, name: `job ${id.slice(0, 4)}`, state: j.state, 'start-time': j.start, vertices: [{ id: 'v1', name: 'count', status: j.state === 'RUNNING' ? 'RUNNING' : j.state, parallelism: 1 }], plan: { nodes: [] } };
}

/** A stand-in application cluster: its job appears at once (or never), in the state given. */
class FakeApplication extends EventEmitter {
  stopped = 0;
  private result?: ApplicationResult;
  private endedResolve!: (r: ApplicationResult) => void;
  private readonly ended = new Promise<ApplicationResult>((r) => { this.endedResolve = r; });
  readonly session: { jobManagerUrl: string; frameworkId: string; snapshot: () => { options: Record<string, unknown> } };
  constructor(readonly name: string, url: string, readonly validated: ValidatedSessionOptions, readonly jobId: string | undefined) {
    super();
    this.session = { jobManagerUrl: url, frameworkId: `fw-${jobId ?? 'none'}`, snapshot: () => ({ options: validated.options as unknown as Record<string, unknown> }) };
  }
  snapshot(): { job?: { id: string; name: string; state: string }; result?: ApplicationResult } {
    return { job: this.jobId ? { id: this.jobId, name: 'job', state: jobs.get(this.jobId)!.state } : undefined, result: this.result };
  }
  whenEnded(): Promise<ApplicationResult> { return this.ended; }
  end(reason: string): ApplicationResult {
    this.result ??= { version: 1, name: this.name, outcome: 'failed', reason, jar: 'x', startedAt: 0, endedAt: 1, leftTasks: [], jobId: this.jobId };
    this.endedResolve(this.result);
    return this.result;
  }
  async stop(): Promise<ApplicationResult> {
    this.stopped++;
    if (this.jobId && jobs.get(this.jobId)?.state === 'RUNNING') jobs.get(this.jobId)!.state = 'CANCELED';
    return this.end('Stopped by the user: the framework was torn down.');
  }
}

describe('application upgrade (ApplicationUpgrade.ts)', () => {
  let jm: FakeJobManager;
  const work = tempDir('app-upgrade-');
  before(async () => {
    jm = await FakeJobManager.start();
    jm.on('GET', '/jobs/overview', (_req, res) => sendJson(res, 200, { jobs: [...jobs].map(([jid, j]) => ({ jid, name: `job ${jid.slice(0, 4)}`, state: j.state, 'start-time': j.start })) }));
    jm.on('GET', /^\/jobs\/[0-9a-f]{32}$/, (req, res) => {
      const id = req.url.split('?')[0].split('/')[2];
      if (!jobs.has(id)) return sendJson(res, 404, { errors: ['Job not found.'] });
      sendJson(res, 200, details(id));
    });
    jm.on('GET', /^\/jobs\/[0-9a-f]{32}\/exceptions$/, (req, res) => {
      const j = jobs.get(req.url.split('?')[0].split('/')[2]);
      sendJson(res, 200, j?.exception ? { 'root-exception': j.exception, exceptionHistory: { entries: [{ exceptionName: 'java.lang.IllegalStateException', stacktrace: `java.lang.IllegalStateException: ${j.exception}`, timestamp: 1 }] } } : { exceptionHistory: { entries: [] } });
    });
  });
  after(async () => { await jm.stop(); work.cleanup(); });

  const spec: ApplicationSpec = { jar: { kind: 'uri', uri: 'file:///jobs/v1.jar' }, fetchUri: 'file:///jobs/v1.jar', jarFileName: 'v1.jar', entryClass: 'flinkmesos.V1', args: ['--output', '/out'], parallelism: 2, allowNonRestoredState: false };
  const record = (): SessionRecord => ({
    version: 1, name: 'counter', masters: '127.0.0.1:5050', phase: 'running', jobManagerUrl: jm.url, flinkConfiguration: { 'state.savepoints.dir': 'file:/savepoints' },
    options: { name: 'counter', master: '127.0.0.1:5050', application: spec, taskManagers: 1 } as unknown as SessionRecord['options'],
  } as unknown as SessionRecord);

  /** A request whose launches start clusters with the next job ids given, in the states given. */
  function request(launches: { id?: string; state?: string; exception?: string }[], extra: Partial<ApplicationUpgradeRequest> = {}): { req: ApplicationUpgradeRequest; launched: FakeApplication[]; stops: string[] } {
    const launched: FakeApplication[] = [];
    const stops: string[] = [];
    let next = 0;
    const req: ApplicationUpgradeRequest = {
      current: record(), next: { jar: 'file:///jobs/v2.jar', args: ['--output', '/out', '--name', 'v2'] }, stableMs: 150, pollMs: 20, startTimeoutMs: 3000,
      stopCurrent: async (dir) => { stops.push(dir ?? ''); jobs.get(OLD_JOB)!.state = 'FINISHED'; return SAVEPOINT; },
      launch: async (validated) => {
        const l = launches[next++] ?? {};
        if (l.id) jobs.set(l.id, { state: l.state ?? 'RUNNING', start: Date.now() + next, exception: l.exception });
        const app = new FakeApplication('counter', jm.url, validated, l.id);
        launched.push(app);
        return app as unknown as FlinkApplication;
      },
      ...extra,
    };
    return { req, launched, stops };
  }

  const reset = (): void => { jobs.clear(); jobs.set(OLD_JOB, { state: 'RUNNING', start: 1 }); };

  test('the new jar runs from the stop\'s savepoint, with the same resources and the current parallelism', async () => {
    reset();
    const { req, launched, stops } = request([{ id: 'b'.repeat(32) }], { savepointDir: 'file:/savepoints' });
    const saved: string[] = [];
    const r = await upgradeApplication({ ...req, onSavepoint: (p, jobId) => { saved.push(`${jobId} ${p}`); } });
    assert.equal(r.outcome, 'upgraded');
    assert.equal(r.oldJobId, OLD_JOB);
    assert.equal(r.runningJobId, 'b'.repeat(32));
    assert.deepEqual(stops, ['file:/savepoints']);
    assert.deepEqual(saved, [`${OLD_JOB} ${SAVEPOINT}`], 'the savepoint is reported before anything starts from it');
    const app = launched[0].validated;
    assert.equal(launched.length, 1);
    assert.deepEqual(app.options.application?.jar, { kind: 'uri', uri: 'file:///jobs/v2.jar' });
    assert.equal(app.options.application?.savepoint, SAVEPOINT);
    assert.equal(app.options.application?.parallelism, 2);
    assert.deepEqual(app.options.application?.args, ['--output', '/out', '--name', 'v2']);
    assert.equal(app.options.taskManagers, 1);
    assert.deepEqual(app.flinkConfiguration, { 'state.savepoints.dir': 'file:/savepoints' });
  });

  test('a new job that fails within the stable window: its cluster is torn down, the previous jar starts from the same savepoint', async () => {
    reset();
    const { req, launched } = request([{ id: 'c'.repeat(32), state: 'RUNNING', exception: 'boom' }, { id: 'd'.repeat(32) }]);
    const r = await upgradeApplication(req);
    assert.equal(r.outcome, 'rolledBack');
    assert.equal(r.failedJobId, 'c'.repeat(32));
    assert.equal(r.runningJobId, 'd'.repeat(32));
    assert.match(r.reason ?? '', /IllegalStateException: boom/);
    assert.equal(launched[0].stopped, 1, 'the failed cluster was torn down');
    const back = launched[1].validated.options.application;
    assert.deepEqual(back?.jar, spec.jar);
    assert.equal(back?.entryClass, 'flinkmesos.V1');
    assert.deepEqual(back?.args, spec.args);
    assert.equal(back?.savepoint, SAVEPOINT);
  });

  test('a new cluster whose job never comes (the cluster ended first): rolled back, its reason kept', async () => {
    reset();
    const { req } = request([]);
    let n = 0;
    const launched: FakeApplication[] = [];
    req.launch = async (validated) => {
      const id = n++ === 0 ? undefined : 'e'.repeat(32);
      if (id) jobs.set(id, { state: 'RUNNING', start: Date.now() });
      const app = new FakeApplication('counter', jm.url, validated, id);
      launched.push(app);
      if (!id) setTimeout(() => app.end('The Mesos fetcher of the agent could not fetch file:///jobs/v2.jar'), 30);
      return app as unknown as FlinkApplication;
    };
    const r = await upgradeApplication(req);
    assert.equal(r.outcome, 'rolledBack');
    assert.match(r.reason ?? '', /ended before its job ran.*could not fetch file:\/\/\/jobs\/v2\.jar/);
  });

  test('--no-rollback: the failed new jar is torn down, nothing else starts, the error keeps the savepoint and the command to resume', async () => {
    reset();
    const { req, launched } = request([{ id: 'f'.repeat(32), state: 'FAILED', exception: 'broken' }], { noRollback: true });
    await assert.rejects(upgradeApplication(req), (err: unknown) => {
      assert.ok(err instanceof UpgradeError);
      assert.equal(err.kind, 'rollbackFailed');
      assert.equal(err.statePath, SAVEPOINT);
      assert.match(err.message, /no rollback was asked for\. The savepoint is kept at file:\/savepoints\/savepoint-aaaaaa-000000000001/);
      assert.equal(err.resumeCommand, `flink-mesos application start -m 127.0.0.1:5050 --name counter -s ${SAVEPOINT} --class flinkmesos.V1 -p 2 file:///jobs/v1.jar --output /out`);
      return true;
    });
    assert.equal(launched.length, 1);
  });

  test('the rollback fails too: both reasons, the savepoint and the resume command', async () => {
    reset();
    const { req } = request([{ id: '1'.repeat(32), state: 'FAILED', exception: 'new broken' }, { id: '2'.repeat(32), state: 'FAILED', exception: 'old broken' }]);
    await assert.rejects(upgradeApplication(req), (err: unknown) => {
      assert.ok(err instanceof UpgradeError);
      assert.match(err.message, /The new jar failed \(.*new broken.*\) and so did the rollback to the previous jar \(.*old broken.*\)\. The savepoint is kept at /);
      assert.match(err.resumeCommand ?? '', /^flink-mesos application start .* -s file:\/savepoints/);
      return true;
    });
  });

  test('refused before the job is stopped: a local jar without an entry class, a job that is not RUNNING, a session', async () => {
    reset();
    const noEntry = await writeTestJar(path.join(work.dir, 'noentry.jar'), { entries: ['readme.txt'] });
    const { req, stops, launched } = request([]);
    await assert.rejects(upgradeApplication({ ...req, next: { jar: noEntry, args: [] }, artifactServer: { host: '127.0.0.1' } }), (err: unknown) => {
      assert.ok(err instanceof SessionOptionError, String(err));
      assert.match(err.message, /noentry\.jar has no entry class/);
      return true;
    });
    jobs.get(OLD_JOB)!.state = 'RESTARTING';
    await assert.rejects(upgradeApplication(req), /The job of application counter is RESTARTING, not RUNNING: there is nothing to upgrade/);
    const session = { ...record(), options: { ...record().options, application: undefined } } as SessionRecord;
    await assert.rejects(upgradeApplication({ ...req, current: session }), /"counter" is a Flink session, not an application: upgrade its jobs with "flink-mesos upgrade --session counter/);
    assert.deepEqual(stops, [], 'nothing was stopped');
    assert.equal(launched.length, 0, 'nothing was started');
  });

  test('a failed stop-with-savepoint: nothing is started, and the error says the application keeps running', async () => {
    reset();
    const { req, launched } = request([{ id: '3'.repeat(32) }], { stopCurrent: async () => { throw new Error('the savepoint folder is not writable'); } });
    await assert.rejects(upgradeApplication(req), (err: unknown) => {
      assert.ok(err instanceof UpgradeError);
      assert.equal(err.kind, 'stopFailed');
      assert.equal(err.oldJobRunning, true);
      assert.match(err.message, /The savepoint to stop application counter failed, so nothing was upgraded: the savepoint folder is not writable The application keeps running\./);
      return true;
    });
    assert.equal(launched.length, 0);
  });
});
