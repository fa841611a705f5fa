// What the application commands share: splitting our flags from the program's, the application flags, following an
// application in the foreground and printing its result, and a stop with a savepoint through another client.
import { ExitCode, type CliIo } from './cliIo';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { FlinkApplication, type ApplicationDeps } from '../application/FlinkApplication';
import { FileApplicationResultStore, type ApplicationResult } from '../application/ApplicationResultStore';
import type { ApplicationInput, ArtifactServerSettings } from '../application/applicationInput';
import { SessionError } from '../session/FlinkSession';
import { FileSessionStore, type SessionRecord } from '../session/SessionStore';
import { SessionOptionError } from '../session/SessionOptions';
import { serveSessionControl } from '../session/sessionControlService';
import { runPeriodicSavepoints } from '../session/periodicSavepoints';
import { UsageError, cliLogger, deps, type CommonArgs } from './sessionCliCommon';
import { ArgReader } from './argReader';
import { jobManagerRestTls } from '../session/flinkSsl';

const BOOLEAN_FLAGS = new Set(['-w', '--web-ui', '--no-web-ui', '-v', '--verbose', '--detach', '--json', '--insecure-skip-tls-verify',
  '--allow-non-restored-state', '--artifact-address-any', '--drain', '--no-rollback']);

/** Our flags, the jar (the first word that is neither a flag nor a flag's value), and everything after it. */
export function splitAtJar(args: string[]): { ours: string[]; jar?: string; programArgs: string[] } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-') && a.length > 1) {
      if (!BOOLEAN_FLAGS.has(a) && !a.includes('=') && !/^-D./.test(a)) i++;
      continue;
    }
    return { ours: args.slice(0, i), jar: a, programArgs: args.slice(i + 1) };
  }
  return { ours: args, programArgs: [] };
}

export interface AppFlags { input: Partial<ApplicationInput>; artifact: ArtifactServerSettings; rest: string[] }

export function parseApplicationFlags(args: string[]): AppFlags {
  const input: Partial<ApplicationInput> = {};
  const artifact: ArtifactServerSettings = {};
  const rest: string[] = [];
  const r = new ArgReader(args);
  while (r.next()) {
    const a = r.arg;
    const value = (): string => r.value();
    switch (r.name) {
      case '--class': input.entryClass = value(); break;
      case '-p': case '--parallelism': {
        const text = value();
        input.parallelism = Number(text);
        if (!/^\d+$/.test(text)) throw new SessionOptionError('-p', `"${text}" is not a parallelism.`, 'Pass -p with a whole number of 1 or more.');
        break;
      }
      case '-s': case '--fromSavepoint': case '--from-savepoint': input.savepoint = value(); break;
      case '--allow-non-restored-state': input.allowNonRestoredState = true; break;
      case '--artifact-address': artifact.host = value(); break;
      case '--artifact-address-any': artifact.allowAnyAddress = true; break;
      case '--artifact-port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new SessionOptionError('--artifact-port', `${p} is not a port.`, 'Pass a port from 1 to 65535, or leave it out for a free one.');
        artifact.port = p;
        break;
      }
      case '--artifact-cert': artifact.certFile = value(); break;
      case '--artifact-key': artifact.keyFile = value(); break;
      case '--artifact-advertised-host': artifact.advertisedHost = value(); break;
      default: rest.push(a);
    }
  }
  return { input, artifact, rest };
}

export function appDeps(common: CommonArgs, io: CliIo, principal: string | undefined, artifact: ArtifactServerSettings = {}): ApplicationDeps {
  return { ...deps(common, io, principal), results: new FileApplicationResultStore(common.storeDir), artifactServer: artifact };
}

/**
 * Follows the application in the foreground until its job ends (or, with --detach, runs); Ctrl-C tears it down.
 * `started`: the caller already started it and serves its control channel (an upgrade's new cluster).
 */
export async function follow(app: FlinkApplication, common: CommonArgs, io: CliIo, started = false): Promise<number> {
  const say = (t: string): void => { if (!common.json) io.err(`${t}\n`); };
  app.session.on('phase', (phase, detail) => {
    if (phase === 'launchingJobManager') say(`Framework ${app.session.frameworkId ?? ''} registered. Waiting for the JobManager...`);
    if (phase === 'jobManagerUp') say(`JobManager up at ${detail.jobManagerUrl ?? app.session.jobManagerUrl}.`);
    if (phase === 'stopping') say('Tearing the application cluster down...');
  });
  app.session.on('warning', (w) => say(`warning: ${w}`));
  app.on('warning', (w) => say(`warning: ${w}`));
  let lastState = '';
  app.on('job', (j) => { if (j.state !== lastState) { lastState = j.state; say(`Job ${j.id} (${j.name}): ${j.state}`); } });
  let interrupted = false;
  const removeInterrupt = io.onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    say('Interrupted: tearing the application cluster down...');
    void app.stop();
  });
  try {
    if (!started) {
      await app.start();
      await serveDriven(app, common, io);
    }
    if (common.detach) {
      // The timer is cleared once the race is decided: a pending one kept the process alive for --timeout.
      let timer: NodeJS.Timeout | undefined;
      // The job may run already (start() resolves after the session came up, and a busy machine lets Flink be quick).
      const running = app.snapshot().job?.state === 'RUNNING' || await Promise.race([
        new Promise<boolean>((resolve) => app.on('job', (j) => { if (j.state === 'RUNNING') resolve(true); })),
        app.whenEnded().then(() => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), common.timeoutMs); }),
      ]).finally(() => clearTimeout(timer));
      if (running) {
        await app.detach();
        say(`Detached: application ${app.name} keeps running. Follow it with "flink-mesos application attach --name ${app.name}", stop it with "flink-mesos application stop --name ${app.name}".`);
        if (common.json) io.out(`${JSON.stringify({ name: app.name, job: app.snapshot().job, jobManagerUrl: app.session.jobManagerUrl })}\n`);
        return ExitCode.ok;
      }
      if (!app.snapshot().result) await app.stop();
    }
    const result = await app.whenEnded();
    printResult(result, io, common.json);
    if (interrupted) return ExitCode.interrupted;
    return result.outcome === 'failed' || result.leftTasks.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    removeInterrupt();
  }
}

export function printResult(r: ApplicationResult, io: CliIo, json: boolean): void {
  if (json) { io.out(`${JSON.stringify(r)}\n`); return; }
  const lines = [`Application ${r.name} ${r.outcome}${r.jobState ? ` (job ${r.jobId ?? ''} ${r.jobState})` : ''}: ${r.reason ?? ''}`.trimEnd()];
  if (r.rootException) {
    lines.push(`Root exception: ${r.rootException.exceptionName ? `${r.rootException.exceptionName}: ` : ''}${r.rootException.message}`);
    if (r.rootException.rootCause) lines.push(`Cause: ${r.rootException.rootCause}`);
    if (r.rootException.fix) lines.push(`Fix: ${r.rootException.fix}`);
  }
  if (r.savepoint) lines.push(`Savepoint: ${r.savepoint}`);
  lines.push(r.leftTasks.length > 0 ? `The master still lists ${r.leftTasks.length} task(s): ${r.leftTasks.join(', ')}.` : 'The framework was torn down: no task is left.');
  io.out(`${lines.join('\n')}\n`);
}

/** What this process does for an application it drives: answers other clients' requests, takes its periodic savepoints. */
export async function serveDriven(app: FlinkApplication, common: CommonArgs, io: CliIo): Promise<void> {
  const log = cliLogger(io, common.verbose);
  await serveSessionControl(app.session, common.storeDir, log);
  runPeriodicSavepoints(app.session, common.storeDir, log);
}

/** --savepoint DIR and --drain of stop and upgrade; the other arguments as they came. */
export function parseSavepointFlags(args: readonly string[]): { savepointDir?: string; drain: boolean; rest: string[] } {
  let savepointDir: string | undefined;
  let drain = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--savepoint') { savepointDir = args[++i]; if (!savepointDir) throw new UsageError('--savepoint needs the folder to write the savepoint to.'); }
    else if (a.startsWith('--savepoint=')) savepointDir = a.slice('--savepoint='.length);
    else if (a === '--drain') drain = true;
    else rest.push(a);
  }
  return { savepointDir, drain, rest };
}

/** Takes a running application over to stop it; before a stop with a savepoint, waits until its job is known. */
export async function attachToStop(common: CommonArgs, io: CliIo, artifact: ArtifactServerSettings, withSavepoint: boolean): Promise<FlinkApplication> {
  const app = await FlinkApplication.attach(common.name, appDeps(common, io, common.principal, artifact));
  await app.start();
  if (withSavepoint) {
    await app.session.waitFor((s) => s.reconciled, Math.min(common.timeoutMs, 60000), 'attaching');
    const until = Date.now() + 30000;
    while (!app.snapshot().job && Date.now() < until && !app.snapshot().result) await new Promise((r) => setTimeout(r, 300));
  }
  return app;
}

/** Waits until the client that drives the application kept its result and removed its record (the cluster is gone). */
export async function untilDriverTornDown(storeDir: string, name: string, timeoutMs: number): Promise<ApplicationResult | undefined> {
  const results = new FileApplicationResultStore(storeDir);
  const until = Date.now() + timeoutMs;
  let result = await results.load(name);
  while ((!result || result.endedAt === undefined || (await new FileSessionStore(storeDir).load(name))) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    result = await results.load(name);
  }
  return result;
}

export async function stopJobWithSavepoint(record: SessionRecord, dir: string, drain: boolean): Promise<string> {
  if (!record.jobManagerUrl) throw new SessionError(`Application ${record.name} has no JobManager yet (${record.phase}).`, 'Wait until its job runs, or stop it without --savepoint.');
  const client = new FlinkRestClient(record.jobManagerUrl, { timeoutMs: 10000, tls: jobManagerRestTls(record.options.flinkSsl) });
  try {
    const jobs = await client.jobsOverview();
    const job = jobs.find((j) => j.state === 'RUNNING');
    if (!job) throw new SessionError(`Application ${record.name} has no running job to stop with a savepoint.`, 'Stop it without --savepoint.');
    return await client.stopWithSavepoint(job.jid, { targetDirectory: dir || undefined, drain }, { timeoutMs: 120000 });
  } finally {
    await client.close().catch(() => undefined);
  }
}
