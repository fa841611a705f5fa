// One-step upgrade of an application cluster: its job is stopped with a savepoint (the cluster goes with it), then a new
// cluster of the same name and resources runs the new jar from that savepoint. A new job that fails to start, or fails
// within the stable window, is torn down with its cluster and the previous jar started again from the same savepoint.
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { UpgradeError } from '../flink/JobUpgrader';
import { watchStability, type StabilityOptions } from '../flink/jobStability';
import { shellQuote } from '../session/flinkTasks';
import { jobManagerRestTls } from '../session/flinkSsl';
import type { SavepointHistoryStore } from '../session/SavepointHistoryStore';
import type { SessionRecord } from '../session/SessionStore';
import type { ValidatedSessionOptions } from '../session/SessionOptions';
import type { ArtifactServer } from './ArtifactServer';
import { prepareApplication, type ApplicationInput, type ArtifactServerSettings } from './applicationInput';
import type { ApplicationSpec } from './applicationSpec';
import type { FlinkApplication } from './FlinkApplication';

export interface ApplicationUpgradeRequest extends StabilityOptions {
  /** The running application's saved record. */
  current: SessionRecord;
  /** The new jar (a path or a URI), its entry class (default: its Main-Class), arguments and parallelism (default: the current one). */
  next: { jar: string; entryClass?: string; args: string[]; parallelism?: number };
  /** The stop-with-savepoint's folder; undefined: the cluster's state.savepoints.dir. */
  savepointDir?: string;
  drain?: boolean;
  allowNonRestoredState?: boolean;
  /** Start nothing again when the new jar fails (its cluster is torn down all the same). */
  noRollback?: boolean;
  artifactServer?: ArtifactServerSettings;
  /** Stops the current job with a savepoint and resolves with its path once the current cluster is gone. */
  stopCurrent: (savepointDir: string | undefined, drain: boolean) => Promise<string>;
  /** Creates and starts an application cluster (the artifact server of a local jar already listens). */
  launch: (validated: ValidatedSessionOptions, artifact: ArtifactServer | undefined) => Promise<FlinkApplication>;
  onProgress?: (step: string) => void;
  /** The savepoint the current job left, before anything is started from it. */
  onSavepoint?: (path: string, jobId: string, jobName: string | undefined) => void | Promise<void>;
  /** The savepoint history beside the sessions: the stop's savepoint joins it, a periodic schedule moves to the running job. */
  history?: SavepointHistoryStore;
}

export interface ApplicationUpgradeResult {
  outcome: 'upgraded' | 'rolledBack';
  oldJobId: string;
  /** The application that runs now: the new jar's, or the previous jar's again. */
  app: FlinkApplication;
  runningJobId: string;
  savepoint: string;
  reason?: string;
  failedJobId?: string;
}

/** The command that starts the application's previous jar again from the savepoint. */
export function applicationResumeCommand(record: SessionRecord, savepoint: string): string {
  const spec = record.options.application as ApplicationSpec;
  const o = record.options;
  const words = ['flink-mesos', 'application', 'start', '-m', o.master, '--name', o.name, '-s', savepoint];
  if (spec.entryClass) words.push('--class', spec.entryClass);
  if (spec.parallelism) words.push('-p', String(spec.parallelism));
  words.push(spec.jar.kind === 'local' ? spec.jar.path : spec.jar.uri, ...spec.args);
  return words.map(shellQuote).join(' ');
}

function previousInput(spec: ApplicationSpec): ApplicationInput {
  return { jar: spec.jar.kind === 'local' ? spec.jar.path : spec.jar.uri, entryClass: spec.entryClass, args: spec.args, parallelism: spec.parallelism };
}

export async function upgradeApplication(req: ApplicationUpgradeRequest): Promise<ApplicationUpgradeResult> {
  const record = req.current;
  const name = record.name;
  const current = record.options.application;
  const progress = (s: string): void => req.onProgress?.(s);
  if (!current) {
    throw new UpgradeError(`"${name}" is a Flink session, not an application: upgrade its jobs with "flink-mesos upgrade --session ${name} JOBID NEW.jar".`, 'badInput', true);
  }
  const job = await runningJob(record);

  // Everything that can be refused is checked while the current job still runs: the new jar, its entry class, the server.
  const input: ApplicationInput = {
    jar: req.next.jar, entryClass: req.next.entryClass, args: req.next.args, parallelism: req.next.parallelism ?? current.parallelism,
    allowNonRestoredState: req.allowNonRestoredState,
  };
  const prepared = await prepareApplication(input, req.artifactServer);
  let savepoint: string;
  try {
    progress(`stopping job ${job.id} of ${name} with a savepoint${req.savepointDir ? ` in ${req.savepointDir}` : ''}`);
    savepoint = await req.stopCurrent(req.savepointDir, req.drain ?? false);
  } catch (err) {
    await prepared.artifact?.stop();
    const still = await runningJob(record).then(() => true, () => false);
    throw new UpgradeError(`The savepoint to stop application ${name} failed, so nothing was upgraded: ${(err as Error).message}${still ? ' The application keeps running.' : ''}`,
      'stopFailed', still);
  }
  await req.history?.addSavepoint(name, {
    jobId: job.id, jobName: job.name, path: savepoint, at: Date.now(), kind: 'stop-with-savepoint',
    jarPath: current.jar.kind === 'local' ? current.jar.path : current.jar.uri, entryClass: current.entryClass, programArgs: current.args,
  });
  await req.onSavepoint?.(savepoint, job.id, job.name);
  progress(`${name} stopped; its savepoint is at ${savepoint}`);

  const first = await startAndWatch(req, { ...prepared.spec, savepoint }, prepared.artifact, 'new');
  if (first.ok) {
    await moveSchedule(req, job.id, first.jobId);
    return { outcome: 'upgraded', oldJobId: job.id, app: first.app, runningJobId: first.jobId, savepoint };
  }
  if (req.noRollback) {
    const cmd = applicationResumeCommand(record, savepoint);
    throw new UpgradeError(`The new jar failed (${first.reason}) and no rollback was asked for. The savepoint is kept at ${savepoint}; start the previous jar again with: ${cmd}`,
      'rollbackFailed', false, savepoint, cmd);
  }
  progress(`the new jar failed (${first.reason}); rolling back to the previous jar from ${savepoint}`);
  const back = await prepareApplication({ ...previousInput(current), savepoint, allowNonRestoredState: req.allowNonRestoredState }, req.artifactServer)
    .then((p) => startAndWatch(req, p.spec, p.artifact, 'rollback'), (err: unknown) => ({ ok: false as const, reason: `the previous jar was refused: ${(err as Error).message}` }));
  if (back.ok) {
    await moveSchedule(req, job.id, back.jobId);
    return { outcome: 'rolledBack', oldJobId: job.id, app: back.app, runningJobId: back.jobId, savepoint, reason: first.reason, failedJobId: first.jobId };
  }
  const cmd = applicationResumeCommand(record, savepoint);
  throw new UpgradeError(`The new jar failed (${first.reason}) and so did the rollback to the previous jar (${back.reason}). The savepoint is kept at ${savepoint}. Start again with: ${cmd}`,
    'rollbackFailed', false, savepoint, cmd);
}

/** A periodic savepoint schedule goes on for the job that runs now (the new one, or the previous jar's again). */
async function moveSchedule(req: ApplicationUpgradeRequest, from: string, to: string): Promise<void> {
  await req.history?.moveSchedule(req.current.name, from, to)
    .catch((err: unknown) => req.onProgress?.(`warning: the periodic savepoint schedule did not move to job ${to}: ${(err as Error).message}`));
}

/** The application's job, which has to be RUNNING to be stopped with a savepoint. */
async function runningJob(record: SessionRecord): Promise<{ id: string; name?: string }> {
  if (!record.jobManagerUrl) {
    throw new UpgradeError(`Application ${record.name} has no JobManager yet (${record.phase}): there is nothing to upgrade.`, 'notRunning', false);
  }
  const client = new FlinkRestClient(record.jobManagerUrl, { timeoutMs: 10000, retries: 0, tls: jobManagerRestTls(record.options.flinkSsl) });
  try {
    const jobs = await client.jobsOverview();
    const newest = [...jobs].sort((a, b) => b['start-time'] - a['start-time'])[0];
    if (!newest || newest.state !== 'RUNNING') {
      throw new UpgradeError(`The job of application ${record.name} is ${newest?.state ?? 'not submitted yet'}, not RUNNING: there is nothing to upgrade.`, 'notRunning', false);
    }
    return { id: newest.jid, name: newest.name };
  } finally {
    await client.close().catch(() => undefined);
  }
}

type Started = { ok: true; app: FlinkApplication; jobId: string } | { ok: false; reason: string; jobId?: string };

/** Starts a cluster for the spec and follows its job until it ran stably; a failed one is torn down. */
async function startAndWatch(req: ApplicationUpgradeRequest, spec: ApplicationSpec, artifact: ArtifactServer | undefined, which: 'new' | 'rollback'): Promise<Started> {
  const what = which === 'new' ? 'new' : 'previous';
  const validated: ValidatedSessionOptions = {
    options: { ...req.current.options, application: spec }, flinkConfiguration: { ...req.current.flinkConfiguration }, warnings: [],
  };
  let app: FlinkApplication;
  try {
    app = await req.launch(validated, artifact);
  } catch (err) {
    await artifact?.stop();
    return { ok: false, reason: `the ${what} jar's cluster did not start: ${(err as Error).message}` };
  }
  req.onProgress?.(`${what} jar: cluster ${app.session.frameworkId ?? ''} started; waiting until its job runs`.replace('  ', ' '));
  const job = await firstJob(app, req.startTimeoutMs ?? 120000);
  if (!job.ok) {
    const r = app.snapshot().result ?? await app.stop();
    return { ok: false, reason: r.reason ? `${job.reason}: ${r.reason}` : job.reason, jobId: r.jobId };
  }
  const url = app.session.jobManagerUrl as string;
  const client = new FlinkRestClient(url, { timeoutMs: 5000, retries: 1, tls: jobManagerRestTls(app.session.snapshot().options.flinkSsl) });
  try {
    const verdict = await watchStability(client, job.jobId, {
      stableMs: req.stableMs, startTimeoutMs: req.startTimeoutMs, pollMs: req.pollMs,
      abandoned: () => { const r = app.snapshot().result; return r ? `the application ended: ${r.reason ?? r.outcome}` : undefined; },
    }).catch((err: unknown) => ({ ok: false as const, reason: `its JobManager stopped answering: ${(err as Error).message}` }));
    if (verdict.ok) return { ok: true, app, jobId: job.jobId };
    const r = app.snapshot().result ?? await app.stop();
    return { ok: false, reason: r.rootException?.rootCause && !verdict.reason.includes(r.rootException.rootCause) ? `${verdict.reason} (${r.rootException.rootCause})` : verdict.reason, jobId: job.jobId };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The job the cluster's entry point submits, or why there is none (the cluster ended first, or took too long). */
function firstJob(app: FlinkApplication, timeoutMs: number): Promise<{ ok: true; jobId: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const done = (v: { ok: true; jobId: string } | { ok: false; reason: string }): void => { clearTimeout(timer); app.off('job', onJob); resolve(v); };
    const onJob = (j: { id: string }): void => done({ ok: true, jobId: j.id });
    const timer = setTimeout(() => done({ ok: false, reason: `no job was submitted within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
    app.on('job', onJob);
    const now = app.snapshot();
    if (now.job) done({ ok: true, jobId: now.job.id });
    else void app.whenEnded().then((r) => done({ ok: false, reason: `the application ended before its job ran (${r.outcome})` }));
  });
}
