// flink-mesos application start | attach | status | list | stop | upgrade: one jar as its own Flink cluster on Mesos (FlinkApplication).
import { ExitCode, type CliIo } from './cliIo';
import { FlinkConfigurationError } from '../flink/flinkConfiguration';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { FlinkApplication } from '../application/FlinkApplication';
import { FileApplicationResultStore } from '../application/ApplicationResultStore';
import { ArtifactServerError } from '../application/ArtifactServer';
import { defaultApplicationName, prepareApplication } from '../application/applicationInput';
import { SessionConflictError, SessionError } from '../session/FlinkSession';
import { FileSessionStore, type SessionRecord } from '../session/SessionStore';
import { parseSessionStartArgs, SessionOptionError, validateSessionOptions } from '../session/SessionOptions';
import { requestStop } from '../session/sessionControlService';
import { UsageError, drivenBy, parseCommon, type CommonArgs } from './sessionCliCommon';
import { jobManagerRestTls } from '../session/flinkSsl';
import { APPLICATION_UPGRADE_USAGE, upgradeCommand } from './applicationUpgradeCommand';
import { appDeps, attachToStop, follow, parseApplicationFlags, parseSavepointFlags, printResult, splitAtJar, stopJobWithSavepoint, untilDriverTornDown } from './applicationCliCommon';

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
${APPLICATION_UPGRADE_USAGE}  Exit codes: 0 the job finished (or was stopped), 1 it failed or the cluster did, 2 bad input (nothing was started),
  4 no such application, 5 another client drives it, 6 an upgrade rolled back (the previous jar runs again).
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
    const { ours, jar, programArgs } = sub === 'start' || sub === 'upgrade' ? splitAtJar(args) : { ours: args, jar: undefined, programArgs: [] };
    const common = parseCommon(ours, io);
    json = common.json;
    switch (sub) {
      case 'start': return await startCommand(common, io, jar, programArgs);
      case 'attach': return await attachCommand(common, io);
      case 'status': case 'list': return await statusCommand(common, io, sub === 'list', ours.includes('--name'));
      case 'stop': return await stopCommand(common, io);
      case 'upgrade': return await upgradeCommand(common, io, jar, programArgs);
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
  const { savepointDir, drain, rest } = parseSavepointFlags(common.rest);
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
      const result = await untilDriverTornDown(common.storeDir, common.name, common.timeoutMs);
      if (common.json) io.out(`${JSON.stringify({ name: common.name, savepoint: path, through: 'driver', result })}\n`);
      else io.out(`Application ${common.name} stopped with a savepoint at ${path}.\n`);
      return ExitCode.ok;
    }
    const r = await requestStop(common.storeDir, common.name);
    if (common.json) io.out(`${JSON.stringify({ name: common.name, ...r, through: 'driver' })}\n`);
    else io.out(r.phase === 'stopped' ? `Application ${common.name} stopped: no task is left.\n` : `flink-mesos: ${r.reason ?? r.phase}\n`);
    return r.phase === 'stopped' ? ExitCode.ok : ExitCode.failed;
  }
  const app = await attachToStop(common, io, parseApplicationFlags(rest).artifact, savepointDir !== undefined);
  const result = await app.stop({ savepointDir, drain });
  printResult(result, io, common.json);
  return result.leftTasks.length > 0 ? ExitCode.failed : ExitCode.ok;
}
