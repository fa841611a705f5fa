// flink-mesos run | list | cancel | stop: the job half of the command line, shaped after Flink's own `flink` tool.
import * as path from 'node:path';
import { ArgReader, UsageError } from './argReader';
import type { CliIo } from './cliIo';
import { ExitCode } from './cliIo';
import type { Logger } from '../log';
import { FlinkRestClient, formatBytes, normalizeJobManagerUrl } from '../flink/FlinkRestClient';
import { FlinkRestError } from '../flink/FlinkRestError';
import { JarInspectionError } from '../flink/jarInspector';
import { JarSubmitError, JarSubmitter } from '../flink/JarSubmitter';
import type { JobResult } from '../flink/JobWatcher';
import { JobWatcher } from '../flink/JobWatcher';
import { ProgramArgsError } from '../flink/programArgs';
import type { JobSubmission, SavepointSchedule } from '../session/SavepointHistoryStore';
import { describeSchedule, notDrivenWarning, scheduleFromFlags, type ScheduleFlags } from './savepointScheduleCommand';

export const JOB_COMMANDS = ['run', 'list', 'cancel', 'stop'] as const;

/** Environment variable naming the JobManager when neither -m nor --session is given. */
export const JOBMANAGER_ENV = 'FLINK_MESOS_JOBMANAGER';

export const JOB_COMMANDS_USAGE = `Job commands (talk to a session's JobManager through Flink's REST API):
  flink-mesos run [-m HOST:PORT | --session NAME] [-c CLASS] [-p N] [-s SAVEPOINT] [-n] [-d] [--json] JAR [ARGS...]
      -c, --class CLASS              entry class (default: the jar manifest's program-class or Main-Class)
      -p, --parallelism N            parallelism (default: the JobManager's parallelism.default)
      -s, --fromSavepoint PATH       start from this savepoint
      -n, --allowNonRestoredState    allow savepoint state that maps to no operator
      -d, --detached                 print the job id and return instead of waiting for the result
      --savepoint-interval DURATION  periodic savepoints of the job (30s, 10m, 1h; needs --session), with
      --savepoint-keep N             the newest N counted as kept, older ones retired (on disk still), and
      --savepoint-dispose-old        retired ones disposed through the JobManager (see flink-mesos savepoint-schedule)
      ARGS                           program arguments, passed to the job exactly as given
  flink-mesos list   [-m HOST:PORT | --session NAME] [--json]
  flink-mesos cancel [-m HOST:PORT | --session NAME] [--json] JOBID
  flink-mesos stop   [-m HOST:PORT | --session NAME] [--savepoint DIR] [--drain] [--json] JOBID
  The JobManager is -m (its REST address), --session (a session started with flink-mesos), or $${JOBMANAGER_ENV}.
  Exit codes: 0 done (run: job FINISHED), 1 failed (job FAILED/CANCELED, or Flink refused), 2 bad usage or input,
              3 JobManager unreachable or not Flink, 4 session or job not found, 130 interrupted.
`;

export interface JobCommandOptions {
  /** Poll intervals of the job watcher (tests shorten them). */
  watch?: { minIntervalMs?: number; maxIntervalMs?: number };
  /** Timeout of each REST call. Default 10000. */
  timeoutMs?: number;
  log?: Logger;
  /** Remembers what a job was started from (the savepoint history's submissions), for upgrades and restores. */
  recordSubmission?: (flags: CommonFlags, submission: JobSubmission) => Promise<void>;
  /** Keeps the periodic savepoint schedule of a job run submitted; answers whether a process drives the session now. */
  setSchedule?: (session: string, schedule: SavepointSchedule) => Promise<{ driven: boolean }>;
}

export { UsageError };

export interface CommonFlags {
  jobManager?: string;
  session?: string;
  json: boolean;
}

/**
 * Runs one of the job sub-commands; argv starts with the sub-command ("run", "list", "cancel", "stop").
 * Returns the exit code (see ExitCode); never throws.
 */
export async function runJobCommand(
  argv: readonly string[],
  io: CliIo,
  resolveSession: (name: string) => Promise<string>,
  options: JobCommandOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  let client: FlinkRestClient | undefined;
  let json = rest.includes('--json');
  try {
    const connect = async (flags: CommonFlags): Promise<FlinkRestClient> => {
      const address = await resolveJobManager(flags, io, resolveSession);
      client = new FlinkRestClient(address, { timeoutMs: options.timeoutMs, log: options.log });
      return client;
    };
    switch (command) {
      case 'run': {
        const parsed = parseRunArgs(rest);
        json = parsed.flags.json;
        return await runCommand(parsed, await connect(parsed.flags), io, options);
      }
      case 'list': {
        const { flags, positional } = parseCommon(rest, {});
        json = flags.json;
        if (positional.length > 0) throw new UsageError(`list takes no arguments, got "${positional.join(' ')}".`);
        return await listCommand(await connect(flags), io, flags.json);
      }
      case 'cancel': {
        const { flags, positional } = parseCommon(rest, {});
        json = flags.json;
        const jobId = singleJobId(positional, 'cancel');
        const c = await connect(flags);
        await c.cancelJob(jobId);
        if (flags.json) io.out(`${JSON.stringify({ jobId, cancelled: true })}\n`);
        else io.out(`Cancelled job ${jobId}.\n`);
        return ExitCode.ok;
      }
      case 'stop': {
        const extra: Record<string, string | boolean | undefined> = { savepoint: undefined, drain: false };
        const { flags, positional } = parseCommon(rest, extra);
        json = flags.json;
        const jobId = singleJobId(positional, 'stop');
        const c = await connect(flags);
        if (!flags.json) io.err(`Stopping job ${jobId} with a savepoint${extra.savepoint ? ` in ${String(extra.savepoint)}` : ''}${extra.drain ? ' (draining)' : ''}...\n`);
        const location = await c.stopWithSavepoint(jobId, {
          targetDirectory: typeof extra.savepoint === 'string' ? extra.savepoint : undefined,
          drain: extra.drain === true ? true : undefined,
        });
        if (flags.json) io.out(`${JSON.stringify({ jobId, savepoint: location })}\n`);
        else io.out(`Savepoint completed. Path: ${location}\n`);
        return ExitCode.ok;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(JOB_COMMANDS_USAGE);
        return command === undefined ? ExitCode.usage : ExitCode.ok;
      default:
        throw new UsageError(`Unknown job command "${command}". Use one of ${JOB_COMMANDS.join(', ')}.`);
    }
  } catch (err) {
    return reportError(err, io, json);
  } finally {
    await (client as FlinkRestClient | undefined)?.close();
  }
}

// ---------------------------------------------------------------- run

interface RunArgs {
  flags: CommonFlags;
  entryClass?: string;
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState: boolean;
  detached: boolean;
  /** Periodic savepoints for the submitted job (checked before anything is submitted). */
  schedule?: SavepointSchedule;
  jar: string;
  programArgs: string[];
}

function parseRunArgs(args: readonly string[]): RunArgs {
  const flags: CommonFlags = { json: false };
  const run: Omit<RunArgs, 'flags' | 'jar' | 'programArgs'> = { allowNonRestoredState: false, detached: false };
  const periodic: ScheduleFlags = { disposeOld: false };
  let periodicGiven = false;
  const r = new ArgReader(args);
  // The jar and its program's arguments: what follows "--", or the first argument that is not a flag.
  let jarAndArgs: string[] = [];
  while (r.next()) {
    if (r.arg === '--') { jarAndArgs = r.rest(); break; }
    if (!r.arg.startsWith('-') || r.arg === '-') { jarAndArgs = r.fromHere(); break; }
    const name = r.name;
    const value = (): string => r.value();
    switch (name) {
      case '-m': case '--jobmanager': flags.jobManager = value(); break;
      case '--session': flags.session = value(); break;
      case '--json': flags.json = true; break;
      case '-c': case '--class': run.entryClass = value(); break;
      case '-p': case '--parallelism': {
        const text = value();
        const n = Number(text);
        if (!/^\d+$/.test(text) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1, not "${text}".`);
        run.parallelism = n;
        break;
      }
      case '-s': case '--fromSavepoint': run.savepointPath = value(); break;
      case '-n': case '--allowNonRestoredState': run.allowNonRestoredState = true; break;
      case '-d': case '--detached': run.detached = true; break;
      case '--savepoint-interval': periodic.interval = value(); periodicGiven = true; break;
      case '--savepoint-keep': periodic.keep = value(); periodicGiven = true; break;
      case '--savepoint-dispose-old': periodic.disposeOld = true; periodicGiven = true; break;
      default:
        throw new UsageError(`Unknown option ${name} for run. ${name === '-D' ? 'Flink configuration belongs to the session (flink-mesos start -D ...). ' : ''}See flink-mesos run --help.`);
    }
  }
  const [jar, ...programArgs] = jarAndArgs;
  if (jar === undefined) throw new UsageError('run needs the jar to submit: flink-mesos run [options] JAR [ARGS...].');
  if (periodicGiven) {
    if (!flags.session) throw new UsageError('Periodic savepoints (--savepoint-interval) belong to a session, whose driving process takes them: name it with --session NAME, not -m.');
    run.schedule = scheduleFromFlags('', periodic, { interval: '--savepoint-interval', keep: '--savepoint-keep', disposeOld: '--savepoint-dispose-old' });
  }
  return { flags, ...run, jar, programArgs };
}

async function runCommand(run: RunArgs, client: FlinkRestClient, io: CliIo, options: JobCommandOptions): Promise<number> {
  const submitter = new JarSubmitter(client, { log: options.log });
  const jarPath = path.resolve(run.jar);
  let lastPercent = -1;
  const result = await submitter.run(jarPath, {
    entryClass: run.entryClass,
    parallelism: run.parallelism,
    programArgs: run.programArgs,
    savepointPath: run.savepointPath,
    allowNonRestoredState: run.allowNonRestoredState,
    // Only a session of ours is known to have all its TaskManagers already; -m may name one that starts them on demand.
    slotShortage: run.flags.session ? 'refuse' : 'warn',
    onProgress: ({ sentBytes, totalBytes }) => {
      if (run.flags.json) return;
      const percent = totalBytes === 0 ? 100 : Math.floor((sentBytes / totalBytes) * 10) * 10;
      if (percent !== lastPercent) {
        lastPercent = percent;
        io.err(`Uploading ${path.basename(jarPath)}: ${percent}% of ${formatBytes(totalBytes)}\n`);
      }
    },
  });
  if (result.slotWarning && !run.flags.json) io.err(`Note: ${result.slotWarning}\n`);
  await options.recordSubmission?.(run.flags, {
    jobId: result.jobId, jarPath, entryClass: result.entryClass, programArgs: result.programArgs, parallelism: result.parallelism,
    restoredFrom: run.savepointPath, submittedAt: Date.now(),
  }).catch((err: unknown) => io.err(`Warning: the job was not added to the savepoint history: ${(err as Error).message}\n`));
  if (run.schedule && run.flags.session && options.setSchedule) {
    const schedule = { ...run.schedule, jobId: result.jobId, since: Date.now() };
    await options.setSchedule(run.flags.session, schedule).then(({ driven }) => {
      if (!run.flags.json) io.err(`Periodic savepoints of job ${result.jobId}: ${describeSchedule(schedule)}.\n`);
      if (!driven) io.err(`Warning: ${notDrivenWarning(run.flags.session!)}\n`);
    }, (err: unknown) => io.err(`Warning: the periodic savepoints of job ${result.jobId} were not set (set them with flink-mesos savepoint-schedule): ${(err as Error).message}\n`));
  }
  if (run.detached) {
    if (run.flags.json) io.out(`${JSON.stringify({ jobId: result.jobId, jarId: result.jarId, entryClass: result.entryClass, parallelism: result.parallelism })}\n`);
    else io.out(`Job has been submitted with JobID ${result.jobId}\n`);
    return ExitCode.ok;
  }
  if (!run.flags.json) io.err(`Job has been submitted with JobID ${result.jobId} (${result.entryClass}, parallelism ${result.parallelism}). Waiting for it to finish; Ctrl-C stops waiting, the job keeps running.\n`);
  const watcher = new JobWatcher(client, result.jobId, { ...options.watch, log: options.log });
  if (!run.flags.json) watcher.on('state', (state) => io.err(`Job ${result.jobId} is ${state}\n`));
  let interrupted = false;
  const removeInterrupt = io.onInterrupt(() => {
    interrupted = true;
    watcher.stop();
  });
  try {
    const final = await watcher.result();
    printResult(final, io, run.flags.json);
    return final.state === 'FINISHED' ? ExitCode.ok : ExitCode.failed;
  } catch (err) {
    if (interrupted) {
      io.err(`Stopped waiting. Job ${result.jobId} keeps running; cancel it with: flink-mesos cancel ${result.jobId}\n`);
      if (run.flags.json) io.out(`${JSON.stringify({ jobId: result.jobId, state: 'UNKNOWN', interrupted: true })}\n`);
      return ExitCode.interrupted;
    }
    throw err;
  } finally {
    removeInterrupt();
    watcher.stop();
  }
}

function printResult(result: JobResult, io: CliIo, json: boolean): void {
  if (json) {
    io.out(`${JSON.stringify(result)}\n`);
    return;
  }
  const lines = [`Job ${result.jobId} (${result.name}) ${result.state} after ${formatDuration(result.durationMs)}.`];
  if (result.accumulators.length > 0) {
    lines.push('Accumulators:');
    for (const a of result.accumulators) lines.push(`  ${a.name} (${a.type}): ${a.value}`);
  }
  if (result.state !== 'FINISHED' && result.rootException) {
    lines.push(`Root exception: ${result.rootException.exceptionName ? `${result.rootException.exceptionName}: ` : ''}${result.rootException.message}`);
    if (result.rootException.taskName) lines.push(`  in ${result.rootException.taskName}`);
    if (result.rootException.rootCause) lines.push(`Cause: ${result.rootException.rootCause}`);
    if (result.rootException.fix) lines.push(`Fix: ${result.rootException.fix}`);
  }
  io.out(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------- list, cancel, stop

async function listCommand(client: FlinkRestClient, io: CliIo, json: boolean): Promise<number> {
  const jobs = await client.jobsOverview();
  if (json) {
    io.out(`${JSON.stringify(jobs.map((j) => ({ jobId: j.jid, name: j.name, state: j.state, startTime: j['start-time'], endTime: j['end-time'], durationMs: j.duration })))}\n`);
    return ExitCode.ok;
  }
  if (jobs.length === 0) {
    io.out('No jobs.\n');
    return ExitCode.ok;
  }
  const rows = jobs.map((j) => [j.jid, j.state, j['start-time'] > 0 ? new Date(j['start-time']).toISOString().replace('T', ' ').slice(0, 19) : '-', formatDuration(j.duration), j.name]);
  const header = ['JOB ID', 'STATE', 'STARTED', 'DURATION', 'NAME'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('  ');
  io.out(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return ExitCode.ok;
}

function parseCommon(args: readonly string[], extra: Record<string, string | boolean | undefined>): { flags: CommonFlags; positional: string[] } {
  const flags: CommonFlags = { json: false };
  const positional: string[] = [];
  const r = new ArgReader(args);
  while (r.next()) {
    const { arg: a, name } = r;
    const value = (): string => r.value();
    if (name === '-m' || name === '--jobmanager') flags.jobManager = value();
    else if (name === '--session') flags.session = value();
    else if (name === '--json') flags.json = true;
    else if ((name === '--savepoint' || name === '--savepointPath' || name === '-p') && 'savepoint' in extra) extra.savepoint = value();
    else if (name === '--drain' && 'drain' in extra) extra.drain = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`Unknown option ${name}.`);
    else positional.push(a);
  }
  return { flags, positional };
}

function singleJobId(positional: string[], command: string): string {
  if (positional.length !== 1) throw new UsageError(`${command} needs exactly one JOBID (see flink-mesos list).`);
  const jobId = positional[0];
  if (!/^[0-9a-fA-F]{32}$/.test(jobId)) throw new UsageError(`"${jobId}" is not a Flink job id (32 hexadecimal characters). See flink-mesos list.`);
  return jobId.toLowerCase();
}

export async function resolveJobManager(flags: CommonFlags, io: CliIo, resolveSession: (name: string) => Promise<string>): Promise<string> {
  if (flags.jobManager && flags.session) throw new UsageError('Give either -m HOST:PORT or --session NAME, not both.');
  if (flags.session) {
    try {
      return await resolveSession(flags.session);
    } catch (err) {
      throw new SessionNotFound((err as Error).message || `No session named "${flags.session}".`);
    }
  }
  const address = flags.jobManager ?? io.env[JOBMANAGER_ENV];
  if (!address) throw new UsageError(`Name the JobManager: -m HOST:PORT (its REST port, 8081 by default), --session NAME, or set ${JOBMANAGER_ENV}.`);
  try {
    return normalizeJobManagerUrl(address);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

class SessionNotFound extends Error {}

export function reportError(err: unknown, io: CliIo, json: boolean, usage = JOB_COMMANDS_USAGE): number {
  let code: number = ExitCode.failed;
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError) {
    code = ExitCode.usage;
    message = `${message}\n\n${usage}`;
  } else if (err instanceof ProgramArgsError || err instanceof JarInspectionError) code = ExitCode.usage;
  else if (err instanceof JarSubmitError) code = err.kind === 'badOption' ? ExitCode.usage : ExitCode.failed;
  else if (err instanceof SessionNotFound) code = ExitCode.notFound;
  else if (err instanceof FlinkRestError) {
    if (err.kind === 'refused' || err.kind === 'timeout' || err.kind === 'unreachable' || err.kind === 'notFlink') code = ExitCode.unreachable;
    else if (err.status === 404 && /\/jobs\//.test(err.endpoint)) {
      code = ExitCode.notFound;
      message = `${message}\nThe job id is not known to this JobManager; see flink-mesos list.`;
    } else if ((err.kind === 'http' || err.kind === 'operation') && err.fix && !message.toLowerCase().includes(err.fix.toLowerCase())) message = `${message}\n${err.fix}`;
  }
  if (json) io.out(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err), exitCode: code })}\n`);
  io.err(`flink-mesos: ${message}\n`);
  return code;
}

function formatDuration(ms: number): string {
  if (!(ms >= 0)) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
