// flink-mesos savepoint-schedule: periodic savepoints of a running job, set, cleared or listed. The schedule is kept in
// the session's savepoint history; the process that drives the session (the editor window or a foreground
// `flink-mesos session start`) takes the savepoints (core/session/periodicSavepoints.ts).
import type { CliIo } from './cliIo';
import { ExitCode } from './cliIo';
import { UsageError, reportError, resolveJobManager, type JobCommandOptions } from './jobCommands';
import { ArgReader } from './argReader';
import { leaseStaleMs } from './sessionCliCommon';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { formatInterval, parseDuration, scheduleProblem, sessionIsDriven } from '../session/periodicSavepoints';
import type { SavepointSchedule } from '../session/SavepointHistoryStore';
import { SavepointHistoryStore, savepointDirFor } from '../session/SavepointHistoryStore';

export const SCHEDULE_COMMAND = 'savepoint-schedule';

export const SCHEDULE_USAGE = `Periodic savepoints:
  flink-mesos savepoint-schedule --session NAME [--json]
      lists the periodic savepoint schedules of the session's jobs
  flink-mesos savepoint-schedule --session NAME [--json] JOBID --interval DURATION [--keep N [--dispose-old]] [--dir DIR]
      takes a savepoint of the running job every DURATION (30s, 10m, 1h); --keep N: the newest N periodic savepoints
      count as kept and older ones are marked retired in the history, on disk still; --dispose-old: retired ones are
      also disposed through the JobManager (nothing is ever deleted without it)
  flink-mesos savepoint-schedule --session NAME [--json] JOBID --clear
  flink-mesos run --session NAME --savepoint-interval DURATION [--savepoint-keep N [--savepoint-dispose-old]] ... sets
      one for the job it submits. The savepoints are taken by the process that drives the session (the editor, or
      flink-mesos session start in the foreground); while none does, none is taken, and the next driver catches up.
  Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 unreachable, 4 session or job not found.
`;

export interface ScheduleFlags { interval?: string; keep?: string; disposeOld: boolean; dir?: string }

/** A schedule from command-line values; UsageError naming the fix when they do not make one. */
export function scheduleFromFlags(jobId: string, f: ScheduleFlags, names = { interval: '--interval', keep: '--keep', disposeOld: '--dispose-old' }, now = Date.now()): SavepointSchedule {
  if (f.interval === undefined) throw new UsageError(`${names.interval} DURATION is needed (e.g. ${names.interval} 10m).`);
  const intervalMs = parseDuration(f.interval);
  if (intervalMs === undefined) throw new UsageError(`${names.interval} must be a duration such as 30s, 10m or 1h, not "${f.interval}".`);
  let keep: number | undefined;
  if (f.keep !== undefined) {
    if (!/^\d+$/.test(f.keep)) throw new UsageError(`${names.keep} must be a whole number of at least 1, not "${f.keep}".`);
    keep = Number(f.keep);
  }
  const schedule: SavepointSchedule = { jobId, intervalMs, keep, disposeOld: f.disposeOld, targetDirectory: f.dir, since: now };
  const problem = scheduleProblem(schedule);
  if (problem) throw new UsageError(problem.replace('the number to keep (e.g. keep 3)', `${names.keep} N (e.g. ${names.keep} 3)`));
  return schedule;
}

/** Whether a process drives the session now (its owner lease is fresh): only then are periodic savepoints taken. */
export function sessionDriven(storeDir: string, name: string, io: CliIo): Promise<boolean> {
  return sessionIsDriven(storeDir, name, leaseStaleMs(io));
}

export function notDrivenWarning(name: string): string {
  return `No process drives session ${name} now, so no periodic savepoint is taken until one does: ` +
    `open it in the editor, or run "flink-mesos session attach --name ${name}" in the foreground. The schedule is kept.`;
}

export function describeSchedule(s: SavepointSchedule): string {
  const keep = s.keep === undefined ? 'all kept' : `keep ${s.keep}${s.disposeOld ? ', older disposed' : ', older retired (not disposed)'}`;
  return `every ${formatInterval(s.intervalMs)}, ${keep}${s.targetDirectory ? `, in ${s.targetDirectory}` : ''}`;
}

export async function runScheduleCommand(argv: readonly string[], io: CliIo, resolveSession: (name: string) => Promise<string>, storeDir: string, options: JobCommandOptions = {}): Promise<number> {
  const json = argv.includes('--json');
  let client: FlinkRestClient | undefined;
  try {
    if (argv.includes('--help') || argv.includes('-h')) { io.out(SCHEDULE_USAGE); return ExitCode.ok; }
    let session: string | undefined;
    let jobManager: string | undefined;
    let clear = false;
    const f: ScheduleFlags = { disposeOld: false };
    const positional: string[] = [];
    const r = new ArgReader(argv);
    while (r.next()) {
      const { arg: a, name } = r;
      const value = (): string => r.value();
      if (name === '--session') session = value();
      else if (name === '-m' || name === '--jobmanager') jobManager = value();
      else if (name === '--json') continue;
      else if (name === '--interval') f.interval = value();
      else if (name === '--keep') f.keep = value();
      else if (name === '--dispose-old') f.disposeOld = true;
      else if (name === '--dir') f.dir = value();
      else if (name === '--clear') clear = true;
      else if (a.startsWith('-')) throw new UsageError(`Unknown option ${name} for ${SCHEDULE_COMMAND}.`);
      else positional.push(a);
    }
    if (!session) {
      throw new UsageError(`Periodic savepoints belong to a session: the process that drives it takes them. Name it with --session NAME${jobManager ? ' (not -m; a JobManager address has no driving process)' : ''}.`);
    }
    const store = new SavepointHistoryStore(savepointDirFor(storeDir));
    if (positional.length > 1) throw new UsageError(`${SCHEDULE_COMMAND} takes at most one JOBID.`);
    if (positional.length === 0) {
      if (clear || f.interval !== undefined) throw new UsageError(`${clear ? '--clear' : '--interval'} needs the JOBID.`);
      const schedules = await store.schedules(session);
      const driven = await sessionDriven(storeDir, session, io);
      if (json) io.out(`${JSON.stringify({ session, driven, schedules })}\n`);
      else if (schedules.length === 0) io.out(`No periodic savepoints in session ${session}.\n`);
      else {
        for (const s of schedules) {
          io.out(`${s.jobId}  ${describeSchedule(s)}${s.lastAt ? `, last ${new Date(s.lastAt).toISOString()}` : ''}${s.lastError ? ` (failed: ${s.lastError})` : ''}\n`);
        }
        if (!driven) io.err(`Note: ${notDrivenWarning(session)}\n`);
      }
      return ExitCode.ok;
    }
    const jobId = positional[0];
    if (!/^[0-9a-fA-F]{32}$/.test(jobId)) throw new UsageError(`"${jobId}" is not a Flink job id (32 hexadecimal characters). See flink-mesos list.`);
    if (clear) {
      if (f.interval !== undefined) throw new UsageError('Give either --interval or --clear, not both.');
      const had = await store.clearSchedule(session, jobId.toLowerCase());
      if (json) io.out(`${JSON.stringify({ jobId: jobId.toLowerCase(), cleared: had })}\n`);
      else io.out(had ? `Periodic savepoints of job ${jobId} cleared; the savepoints taken stay.\n` : `Job ${jobId} had no periodic savepoints.\n`);
      return ExitCode.ok;
    }
    const schedule = scheduleFromFlags(jobId.toLowerCase(), f);
    client = new FlinkRestClient(await resolveJobManager({ session, json }, io, resolveSession), { timeoutMs: options.timeoutMs, log: options.log });
    const state = (await client.job(schedule.jobId)).state;
    if (state !== 'RUNNING') throw new UsageError(`Job ${schedule.jobId} is ${state}, not RUNNING: only a running job takes periodic savepoints.`);
    await store.setSchedule(session, schedule);
    const driven = await sessionDriven(storeDir, session, io);
    if (json) io.out(`${JSON.stringify({ jobId: schedule.jobId, schedule, driven })}\n`);
    else io.out(`Periodic savepoints of job ${schedule.jobId}: ${describeSchedule(schedule)}.\n`);
    if (!driven) io.err(`Warning: ${notDrivenWarning(session)}\n`);
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, io, json, SCHEDULE_USAGE);
  } finally {
    await client?.close();
  }
}
