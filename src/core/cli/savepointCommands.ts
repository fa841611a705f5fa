// flink-mesos savepoint | savepoints | upgrade: savepoints of running jobs, their history, and one-step upgrades.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIo } from './cliIo';
import { ExitCode } from './cliIo';
import type { CommonFlags, JobCommandOptions } from './jobCommands';
import { JOBMANAGER_ENV, UsageError, reportError, resolveJobManager } from './jobCommands';
import { ArgReader } from './argReader';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { JarSubmitter } from '../flink/JarSubmitter';
import type { JobSpec, UpgradeMode } from '../flink/JobUpgrader';
import { JobUpgrader, UPGRADE_MODES, UpgradeError, takeSavepoint } from '../flink/JobUpgrader';
import { SavepointHistoryStore, savepointDirFor } from '../session/SavepointHistoryStore';

export const SAVEPOINT_COMMANDS = ['savepoint', 'savepoints', 'upgrade'] as const;

export const SAVEPOINT_USAGE = `Savepoint and upgrade commands:
  flink-mesos savepoint  [-m HOST:PORT | --session NAME] [--json] JOBID [DIR]
      takes a savepoint without stopping the job (DIR default: the cluster's state.savepoints.dir)
  flink-mesos savepoints [-m HOST:PORT | --session NAME] [--json] [JOBID]
      the savepoint history kept with the session (savepoints, stop-with-savepoint, periodic, checkpoints used for
      upgrades); a periodic one beyond its schedule's keep count shows "(retired)", one disposed "(disposed)"
  flink-mesos upgrade    [-m HOST:PORT | --session NAME] [--mode savepoint|last-state|stateless] [-c CLASS] [-p N]
                         [--savepoint-dir DIR] [--allow-non-restored-state] [--stable-seconds S]
                         [--previous-jar JAR [--previous-class CLASS]] [--no-rollback] [--json] JOBID NEW.jar [ARGS...]
      stops the job (with a savepoint, or by cancelling for last-state/stateless), starts NEW.jar from its state and
      follows it until RUNNING for S seconds (default 10); if it fails, starts the previous jar again from the same
      state (rollback). The previous jar is known for jobs started with flink-mesos run or the editor.
  Exit codes: 0 done, 1 failed, 2 bad usage or input (nothing stopped), 3 unreachable, 4 not found,
              6 upgrade rolled back (the previous jar runs again).
`;

/** Where the CLI keeps savepoint histories, and under which key: the session's name, or the JobManager address. */
export function historyOf(flags: CommonFlags, sessionDir: string, env: CliIo['env']): { store: SavepointHistoryStore; key: string } {
  return { store: new SavepointHistoryStore(savepointDirFor(sessionDir)), key: flags.session ?? flags.jobManager ?? env[JOBMANAGER_ENV] ?? 'default' };
}

interface Parsed { flags: CommonFlags; options: Map<string, string | true>; positional: string[] }

const VALUED = new Set(['--mode', '-c', '--class', '-p', '--parallelism', '--savepoint-dir', '--stable-seconds', '--previous-jar', '--previous-class']);
const BOOLEAN = new Set(['--allow-non-restored-state', '-n', '--no-rollback']);

/** Options before the positionals; for upgrade everything after NEW.jar is the program's. */
function parse(args: readonly string[], command: string): Parsed {
  const flags: CommonFlags = { json: false };
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  const jarIndex = command === 'upgrade' ? 1 : Infinity;
  const r = new ArgReader(args);
  while (r.next()) {
    const { arg: a, name } = r;
    if (positional.length > jarIndex) { positional.push(a); continue; }
    if (a === '--') { positional.push(...r.rest()); break; }
    const value = (): string => r.value();
    if (name === '-m' || name === '--jobmanager') flags.jobManager = value();
    else if (name === '--session') flags.session = value();
    else if (name === '--json') flags.json = true;
    else if (command === 'upgrade' && VALUED.has(name)) options.set(name, value());
    else if (command === 'upgrade' && BOOLEAN.has(name)) options.set(name, true);
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`Unknown option ${name} for ${command}.`);
    else positional.push(a);
  }
  return { flags, options, positional };
}

function jobIdOf(text: string | undefined, command: string): string {
  if (text === undefined) throw new UsageError(`${command} needs the JOBID (see flink-mesos list).`);
  if (!/^[0-9a-fA-F]{32}$/.test(text)) throw new UsageError(`"${text}" is not a Flink job id (32 hexadecimal characters). See flink-mesos list.`);
  return text.toLowerCase();
}

export async function runSavepointCommand(argv: readonly string[], io: CliIo, resolveSession: (name: string) => Promise<string>, sessionDir: string, options: JobCommandOptions & { pollMs?: number } = {}): Promise<number> {
  const [command, ...rest] = argv;
  let json = rest.includes('--json');
  let client: FlinkRestClient | undefined;
  try {
    if (rest.includes('--help') || rest.includes('-h')) { io.out(SAVEPOINT_USAGE); return ExitCode.ok; }
    const parsed = parse(rest, command);
    json = parsed.flags.json;
    const history = historyOf(parsed.flags, sessionDir, io.env);
    const connect = async (): Promise<FlinkRestClient> => {
      client = new FlinkRestClient(await resolveJobManager(parsed.flags, io, resolveSession), { timeoutMs: options.timeoutMs, log: options.log });
      return client;
    };
    switch (command) {
      case 'savepoint': return await savepointCommand(parsed, await connect(), history, io, options);
      case 'savepoints': return await listCommand(parsed, history, io);
      case 'upgrade': return await upgradeCommand(parsed, await connect(), history, io, options);
      default: throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UpgradeError) return reportUpgradeError(err, io, json);
    return reportError(err, io, json, SAVEPOINT_USAGE);
  } finally {
    await (client as FlinkRestClient | undefined)?.close();
  }
}

async function savepointCommand(p: Parsed, client: FlinkRestClient, history: ReturnType<typeof historyOf>, io: CliIo, options: { pollMs?: number }): Promise<number> {
  if (p.positional.length > 2) throw new UsageError('savepoint takes JOBID and an optional DIR.');
  const jobId = jobIdOf(p.positional[0], 'savepoint');
  const dir = p.positional[1];
  if (!p.flags.json) io.err(`Triggering a savepoint of job ${jobId}${dir ? ` in ${dir}` : ''}; the job keeps running...\n`);
  const location = await takeSavepoint(client, jobId, {
    targetDirectory: dir, pollMs: options.pollMs,
    onProgress: ({ elapsedMs }) => { if (!p.flags.json) io.err(`Savepoint in progress (${Math.round(elapsedMs / 1000)} s)\n`); },
  });
  const submission = await history.store.submission(history.key, jobId).catch(() => undefined);
  const name = await client.job(jobId).then((d) => d.name, () => undefined);
  await history.store.addSavepoint(history.key, {
    jobId, jobName: name, path: location, at: Date.now(), kind: 'savepoint',
    jarPath: submission?.jarPath, entryClass: submission?.entryClass, programArgs: submission?.programArgs,
  });
  if (p.flags.json) io.out(`${JSON.stringify({ jobId, savepoint: location })}\n`);
  else io.out(`Savepoint completed. Path: ${location}\n`);
  return ExitCode.ok;
}

async function listCommand(p: Parsed, history: ReturnType<typeof historyOf>, io: CliIo): Promise<number> {
  if (p.positional.length > 1) throw new UsageError('savepoints takes at most one JOBID.');
  const jobId = p.positional[0] !== undefined ? jobIdOf(p.positional[0], 'savepoints') : undefined;
  const entries = await history.store.savepoints(history.key, jobId);
  if (p.flags.json) {
    io.out(`${JSON.stringify(entries)}\n`);
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    io.out(`No savepoints in the history of ${history.key}${jobId ? ` for job ${jobId}` : ''}.\n`);
    return ExitCode.ok;
  }
  const kind = (e: (typeof entries)[number]): string => (e.disposedAt ? `${e.kind} (disposed)` : e.retiredAt ? `${e.kind} (retired)` : e.kind);
  const rows = entries.map((e) => [new Date(e.at).toISOString().replace('T', ' ').slice(0, 19), kind(e), e.jobId, e.entryClass ?? '-', e.path]);
  const header = ['TIME', 'KIND', 'JOB ID', 'ENTRY CLASS', 'PATH'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('  ');
  io.out(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return ExitCode.ok;
}

async function upgradeCommand(p: Parsed, client: FlinkRestClient, history: ReturnType<typeof historyOf>, io: CliIo, options: JobCommandOptions & { pollMs?: number }): Promise<number> {
  const jobId = jobIdOf(p.positional[0], 'upgrade');
  const jar = p.positional[1];
  if (!jar) throw new UsageError('upgrade needs the new jar: flink-mesos upgrade JOBID NEW.jar [ARGS...].');
  const mode = (p.options.get('--mode') ?? 'savepoint') as UpgradeMode;
  if (!UPGRADE_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${UPGRADE_MODES.join(', ')}, not "${String(mode)}".`);
  const int = (name: string): number | undefined => {
    const v = p.options.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number, not "${String(v)}".`);
    return Number(v);
  };
  const parallelism = int('-p') ?? int('--parallelism');
  const stableSeconds = int('--stable-seconds');
  const str = (...names: string[]): string | undefined => names.map((n) => p.options.get(n)).find((v): v is string => typeof v === 'string');
  const known = await history.store.submission(history.key, jobId).catch(() => undefined);
  const previousJar = str('--previous-jar');
  const previous: JobSpec | undefined = previousJar
    ? { jarPath: path.resolve(previousJar), entryClass: str('--previous-class'), programArgs: [], parallelism: known?.parallelism }
    : known && fs.existsSync(known.jarPath) ? { jarPath: known.jarPath, entryClass: known.entryClass, programArgs: known.programArgs, parallelism: known.parallelism } : undefined;
  if (!previousJar && known && !fs.existsSync(known.jarPath) && !p.options.has('--no-rollback')) {
    throw new UsageError(`Job ${jobId} was started from ${known.jarPath}, which is gone, so a failed upgrade could not be rolled back. Give --previous-jar JAR or --no-rollback.`);
  }
  const next: JobSpec = { jarPath: path.resolve(jar), entryClass: str('-c', '--class'), programArgs: p.positional.slice(2), parallelism: parallelism ?? known?.parallelism };
  const name = await client.job(jobId).then((d) => d.name, () => undefined);
  const submitter = new JarSubmitter(client, { log: options.log });
  const upgrader = new JobUpgrader(client, submitter, options.log);
  const result = await upgrader.upgrade({
    jobId, next, mode, previous, noRollback: p.options.has('--no-rollback'),
    savepointDirectory: str('--savepoint-dir'), allowNonRestoredState: p.options.has('--allow-non-restored-state') || p.options.has('-n'),
    stableMs: stableSeconds !== undefined ? stableSeconds * 1000 : undefined, pollMs: options.pollMs,
    onProgress: (s) => { if (!p.flags.json) io.err(`${s}\n`); },
    onState: ({ path: statePath, kind }) => history.store.addSavepoint(history.key, {
      jobId, jobName: name, path: statePath, at: Date.now(), kind, jarPath: previous?.jarPath, entryClass: previous?.entryClass, programArgs: previous?.programArgs,
    }),
    onSubmitted: (newJobId, spec, restoredFrom) => history.store.recordSubmission(history.key, {
      jobId: newJobId, jarPath: spec.jarPath, entryClass: spec.entryClass, programArgs: spec.programArgs, parallelism: spec.parallelism, restoredFrom, submittedAt: Date.now(),
    }),
  });
  // A periodic savepoint schedule goes on for the job that runs now (the new one, or the previous jar after a rollback).
  await history.store.moveSchedule(history.key, jobId, result.runningJobId).catch((err: unknown) => io.err(`Warning: the periodic savepoint schedule did not move to job ${result.runningJobId}: ${(err as Error).message}\n`));
  if (p.flags.json) io.out(`${JSON.stringify(result)}\n`);
  else if (result.outcome === 'upgraded') io.out(`Upgraded: job ${result.runningJobId} runs ${path.basename(next.jarPath)}${result.statePath ? ` from ${result.statePath}` : ' (stateless)'}.\n`);
  else io.out(`Rolled back: the new job failed (${result.reason}). The previous jar runs again as job ${result.runningJobId}${result.statePath ? ` from ${result.statePath}` : ''}.\n`);
  return result.outcome === 'upgraded' ? ExitCode.ok : ExitCode.rolledBack;
}

function reportUpgradeError(err: UpgradeError, io: CliIo, json: boolean): number {
  const code = err.kind === 'badInput' || err.kind === 'notRunning' ? ExitCode.usage : ExitCode.failed;
  if (json) io.out(`${JSON.stringify({ error: err.message, kind: err.kind, oldJobRunning: err.oldJobRunning, statePath: err.statePath, resumeCommand: err.resumeCommand, exitCode: code })}\n`);
  io.err(`flink-mesos: ${err.message}\n`);
  return code;
}
