// flink-mesos application start | attach | status | list | stop: one jar as its own Flink cluster on Mesos (FlinkApplication).
import { ExitCode, type CliIo } from './cliIo';
import { FlinkConfigurationError } from '../flink/flinkConfiguration';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { FlinkApplication, type ApplicationDeps } from '../application/FlinkApplication';
import { FileApplicationResultStore, type ApplicationResult } from '../application/ApplicationResultStore';
import { ArtifactServerError } from '../application/ArtifactServer';
import { defaultApplicationName, prepareApplication, type ApplicationInput, type ArtifactServerSettings } from '../application/applicationInput';
import { SessionConflictError, SessionError } from '../session/FlinkSession';
import { FileSessionStore, type SessionRecord } from '../session/SessionStore';
import { parseSessionStartArgs, SessionOptionError, validateSessionOptions } from '../session/SessionOptions';
import { requestStop } from '../session/sessionControlService';
import { serveSessionControl } from '../session/sessionControlService';
import { UsageError, cliLogger, deps, drivenBy, parseCommon, type CommonArgs } from './sessionCliCommon';
import { ArgReader } from './argReader';
import { jobManagerRestTls } from '../session/flinkSsl';

export const APPLICATION_USAGE = `Application commands (one jar as its own Flink cluster: the JobManager runs it with Flink's application
entry point, bin/standalone-job.sh; the framework is torn down when the job ends, and its result is kept):
  flink-mesos application start -m HOST:PORT [options] JAR [PROGRAM ARGS...]
      JAR                           a URI every agent fetches (http(s)://, hdfs://, s3://, file:///path on a shared mount),
                                    or a local file, served to the agents by an artifact server for the life of the cluster
      --class CLASS                 the entry class (default: the jar manifest's Main-Class)
      -p, --parallelism P           the job's default parallelism
      -s, --fromSavepoint PATH      start from this savepoint (as the JobManager sees it); --allow-non-restored-state
      --name NAME                   the application's name (default: from the jar's file name)
      --artifact-address HOST       the address the artifact server binds, as the agents reach it (needed for a local jar);
                                    0.0.0.0 is refused unless --artifact-address-any is given too
      --artifact-port PORT          its port (default: a free one)
      --artifact-cert FILE --artifact-key FILE   serve over HTTPS with this PEM certificate and key
      --detach                      return once the job runs (a URI jar only: a local jar needs this process's server)
      and the session's resource options: -n N, --slots S, -tm MB, -tmc CPUS, -jm MB, -jmc CPUS, -c DIR, -D key=value,
      --flink-home DIR | --flink-uri URI | --docker-image IMAGE, --role, --user, --constraint, --fit-timeout, -v
      (-s is the savepoint here, as in "flink run": pass slots as --slots)
  flink-mesos application attach --name NAME      follow a running application again (after a CLI restart)
  flink-mesos application status [--name NAME] [--json]   running applications and kept results
  flink-mesos application list [--json]                   every application, one line each
  flink-mesos application stop --name NAME [--savepoint DIR] [--drain] [--json]
                                    stop with a savepoint (the job ends FINISHED, the cluster goes), or tear it down
  Exit codes: 0 the job finished (or was stopped), 1 it failed or the cluster did, 2 bad input (nothing was started),
  4 no such application, 5 another client drives it.
`;

/** Runs `application <sub-command> ...`; returns the exit code and never throws. */
export async function runApplicationCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...args] = argv;
  let json = args.includes('--json');
  try {
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(APPLICATION_USAGE);
      return sub === undefined ? ExitCode.usage : ExitCode.ok;
    }
    // Program arguments after the jar are the program's, never ours: split them off before parsing our flags.
    const { ours, jar, programArgs } = sub === 'start' ? splitAtJar(args) : { ours: args, jar: undefined, programArgs: [] };
    const common = parseCommon(ours, io);
    json = common.json;
    switch (sub) {
      case 'start': return await startCommand(common, io, jar, programArgs);
      case 'attach': return await attachCommand(common, io);
      case 'status': case 'list': return await statusCommand(common, io, sub === 'list', ours.includes('--name'));
      case 'stop': return await stopCommand(common, io);
      default: throw new UsageError(`Unknown application command "${sub}".`);
    }
  } catch (err) {
    let code: number = ExitCode.failed;
    let message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError) { code = ExitCode.usage; if (!json) message = `${message}\n\n${APPLICATION_USAGE}`; }
    else if (err instanceof SessionOptionError || err instanceof FlinkConfigurationError || err instanceof ArtifactServerError) code = ExitCode.usage;
    else if (err instanceof SessionConflictError) code = ExitCode.conflict;
    else if (err instanceof SessionError) code = err.kind === 'notFound' ? ExitCode.notFound : err.kind === 'exists' ? ExitCode.conflict : ExitCode.failed;
    if (json) io.out(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    else io.err(`flink-mesos: ${message}\n`);
    return code;
  }
}

const BOOLEAN_FLAGS = new Set(['-w', '--web-ui', '--no-web-ui', '-v', '--verbose', '--detach', '--json', '--insecure-skip-tls-verify',
  '--allow-non-restored-state', '--artifact-address-any', '--drain']);

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

interface AppFlags { input: Partial<ApplicationInput>; artifact: ArtifactServerSettings; rest: string[] }

function parseApplicationFlags(args: string[]): AppFlags {
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

function appDeps(common: CommonArgs, io: CliIo, principal: string | undefined, artifact: ArtifactServerSettings = {}): ApplicationDeps {
  return { ...deps(common, io, principal), results: new FileApplicationResultStore(common.storeDir), artifactServer: artifact };
}

async function startCommand(common: CommonArgs, io: CliIo, jar: string | undefined, programArgs: string[]): Promise<number> {
  if (!jar) throw new UsageError('application start needs the jar: "flink-mesos application start -m HOST:PORT JAR [ARGS...]".');
  const flags = parseApplicationFlags(common.rest);
  const parsed = parseSessionStartArgs(flags.rest);
  if (parsed.rest.length > 0) throw new UsageError(`Unknown argument${parsed.rest.length > 1 ? 's' : ''} for application start: ${parsed.rest.join(' ')}.`);
  if (!parsed.input.name) parsed.input.name = defaultApplicationName(jar);
  parsed.input.frameworkName ??= `Flink application ${parsed.input.name}`;
  // Checked before the artifact server starts, so a bad option leaves nothing to stop.
  validateSessionOptions(parsed.input);
  if (common.detach && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(jar)) {
    throw new UsageError('--detach needs the jar as a URI the agents fetch: a local jar is served by this process, which has to stay for the life of the cluster.');
  }
  const { spec, artifact } = await prepareApplication({ ...flags.input, jar, args: programArgs }, flags.artifact);
  let app: FlinkApplication;
  try {
    const validated = validateSessionOptions({ ...parsed.input, application: spec });
    for (const w of validated.warnings) io.err(`warning: ${w}\n`);
    app = await FlinkApplication.create(validated, appDeps(common, io, validated.options.principal, flags.artifact), artifact);
  } catch (e) {
    await artifact?.stop();
    throw e;
  }
  if (artifact && !common.json) io.err(`Artifact server: serving ${spec.jarFileName} at ${artifact.uri.replace(/\/[0-9a-f]{48}\//, '/<secret>/')}\n`);
  return follow(app, common, io);
}

async function attachCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const flags = parseApplicationFlags(common.rest);
  const app = await FlinkApplication.attach(common.name, appDeps(common, io, common.principal, flags.artifact));
  return follow(app, common, io);
}

/** Follows the application in the foreground until its job ends (or, with --detach, runs); Ctrl-C tears it down. */
async function follow(app: FlinkApplication, common: CommonArgs, io: CliIo): Promise<number> {
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
    await app.start();
    await serveSessionControl(app.session, common.storeDir, cliLogger(io, common.verbose));
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

function printResult(r: ApplicationResult, io: CliIo, json: boolean): void {
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

interface ApplicationLine { name: string; state: string; job?: string; jobManagerUrl?: string; frameworkId?: string; reason?: string; savepoint?: string; running: boolean }

async function statusCommand(common: CommonArgs, io: CliIo, list: boolean, named: boolean): Promise<number> {
  const records = (await new FileSessionStore(common.storeDir).list()).filter((r) => r.options.application);
  const results = await new FileApplicationResultStore(common.storeDir).list();
  const lines: ApplicationLine[] = [];
  for (const r of records) lines.push(await runningLine(r));
  for (const r of results) if (!records.some((x) => x.name === r.name)) {
    lines.push({ name: r.name, state: r.outcome, job: r.jobId ? `${r.jobId} ${r.jobState ?? ''}`.trim() : undefined, frameworkId: r.frameworkId, reason: r.reason, savepoint: r.savepoint, running: false });
  }
  const shown = named ? lines.filter((l) => l.name === common.name) : lines;
  if (named && shown.length === 0) throw new SessionError(`No application named "${common.name}" is saved in ${common.storeDir}.`, 'List them with "flink-mesos application list".', 'notFound');
  if (common.json) { io.out(`${JSON.stringify(named ? { ...shown[0], result: results.find((r) => r.name === common.name) } : shown)}\n`); return ExitCode.ok; }
  if (shown.length === 0) { io.out('No applications.\n'); return ExitCode.ok; }
  for (const l of shown) {
    if (list) io.out(`${l.name}\t${l.state}\t${l.job ?? '-'}\n`);
    else {
      io.out(`${l.name}: ${l.state}${l.job ? `, job ${l.job}` : ''}${l.jobManagerUrl ? `, JobManager ${l.jobManagerUrl}` : ''}${l.frameworkId ? `, framework ${l.frameworkId}` : ''}\n`);
      if (l.reason) io.out(`  ${l.reason}\n`);
      if (l.savepoint) io.out(`  savepoint: ${l.savepoint}\n`);
    }
  }
  return ExitCode.ok;
}

async function runningLine(r: SessionRecord): Promise<ApplicationLine> {
  const line: ApplicationLine = { name: r.name, state: r.phase, jobManagerUrl: r.jobManagerUrl, frameworkId: r.frameworkId, reason: r.reason, running: true };
  if (r.jobManagerUrl) {
    const client = new FlinkRestClient(r.jobManagerUrl, { timeoutMs: 3000, retries: 0, tls: jobManagerRestTls(r.options.flinkSsl) });
    try {
      const jobs = await client.jobsOverview();
      const j = [...jobs].sort((a, b) => b['start-time'] - a['start-time'])[0];
      if (j) line.job = `${j.jid} ${j.state}`;
    } catch { /* not answering: the phase says enough */ } finally { await client.close().catch(() => undefined); }
  }
  return line;
}

async function stopCommand(common: CommonArgs, io: CliIo): Promise<number> {
  let savepointDir: string | undefined;
  let drain = false;
  const rest: string[] = [];
  for (let i = 0; i < common.rest.length; i++) {
    const a = common.rest[i];
    if (a === '--savepoint') { savepointDir = common.rest[++i]; if (!savepointDir) throw new UsageError('--savepoint needs the folder to write the savepoint to.'); }
    else if (a.startsWith('--savepoint=')) savepointDir = a.slice('--savepoint='.length);
    else if (a === '--drain') drain = true;
    else rest.push(a);
  }
  const record = await new FileSessionStore(common.storeDir).load(common.name);
  if (!record?.options.application) {
    const kept = await new FileApplicationResultStore(common.storeDir).load(common.name);
    if (kept) { io.err(`Application ${common.name} already ended (${kept.outcome}); nothing runs.\n`); return ExitCode.ok; }
    throw new SessionError(record ? `"${common.name}" is a Flink session, not an application.` : `No application named "${common.name}" is running.`,
      record ? `Stop it with "flink-mesos session stop --name ${common.name}".` : 'List them with "flink-mesos application list".', 'notFound');
  }
  const owner = await drivenBy(common, io);
  if (owner) {
    // Another client follows it: stop-with-savepoint goes to Flink directly, and that client tears the cluster down once the job ends.
    if (savepointDir !== undefined) {
      const path = await stopJobWithSavepoint(record, savepointDir, drain);
      const results = new FileApplicationResultStore(common.storeDir);
      const until = Date.now() + common.timeoutMs;
      let result = await results.load(common.name);
      while ((!result || result.endedAt === undefined || (await new FileSessionStore(common.storeDir).load(common.name))) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        result = await results.load(common.name);
      }
      if (common.json) io.out(`${JSON.stringify({ name: common.name, savepoint: path, through: 'driver', result })}\n`);
      else io.out(`Application ${common.name} stopped with a savepoint at ${path}.\n`);
      return ExitCode.ok;
    }
    const r = await requestStop(common.storeDir, common.name);
    if (common.json) io.out(`${JSON.stringify({ name: common.name, ...r, through: 'driver' })}\n`);
    else io.out(r.phase === 'stopped' ? `Application ${common.name} stopped: no task is left.\n` : `flink-mesos: ${r.reason ?? r.phase}\n`);
    return r.phase === 'stopped' ? ExitCode.ok : ExitCode.failed;
  }
  const app = await FlinkApplication.attach(common.name, appDeps(common, io, common.principal, parseApplicationFlags(rest).artifact));
  await app.start();
  if (savepointDir !== undefined) {
    await app.session.waitFor((s) => s.reconciled, Math.min(common.timeoutMs, 60000), 'attaching');
    const until = Date.now() + 30000;
    while (!app.snapshot().job && Date.now() < until && !app.snapshot().result) await new Promise((r) => setTimeout(r, 300));
  }
  const result = await app.stop({ savepointDir, drain });
  printResult(result, io, common.json);
  return result.leftTasks.length > 0 ? ExitCode.failed : ExitCode.ok;
}

async function stopJobWithSavepoint(record: SessionRecord, dir: string, drain: boolean): Promise<string> {
  if (!record.jobManagerUrl) throw new SessionError(`Application ${record.name} has no JobManager yet (${record.phase}).`, 'Wait until its job runs, or stop it without --savepoint.');
  const client = new FlinkRestClient(record.jobManagerUrl, { timeoutMs: 10000, tls: jobManagerRestTls(record.options.flinkSsl) });
  try {
    const jobs = await client.jobsOverview();
    const job = jobs.find((j) => j.state === 'RUNNING');
    if (!job) throw new SessionError(`Application ${record.name} has no running job to stop with a savepoint.`, 'Stop it without --savepoint.');
    return await client.stopWithSavepoint(job.jid, { targetDirectory: dir, drain }, { timeoutMs: 120000 });
  } finally {
    await client.close().catch(() => undefined);
  }
}
