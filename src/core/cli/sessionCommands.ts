// flink-mesos session start | attach | status | scale | stop: the session half of the command line, over FlinkSession.
import * as fs from 'fs';
import { request } from '../http/undici';
import { ExitCode, type CliIo } from './cliIo';
import { redact, type Logger } from '../log';
import { FlinkConfigurationError } from '../flink/flinkConfiguration';
import {
  FlinkSession, SessionConflictError, SessionError, type FlinkSessionDeps, type SessionSnapshot, type SessionTimings,
} from '../session/FlinkSession';
import { FileSessionStore, defaultSessionDir, type SessionRecord } from '../session/SessionStore';
import { parseSessionStartArgs, SessionOptionError, validateSessionOptions } from '../session/SessionOptions';
import type { Credentials, TlsOptions } from '../mesos/http';
import { LOGS_USAGE, LogsInputError, parseLogsArgs, readSessionLog } from './logsCommand';

export const SESSION_USAGE = `Session commands (a Flink session is one JobManager and N TaskManagers as Mesos tasks):
  flink-mesos session start -m HOST:PORT [options] [--detach] [--json]
      -m, --master HOST:PORT        Mesos master: HOST:PORT, HOST:PORT,HOST:PORT, zk://HOST:PORT/mesos or http(s)://HOST:PORT
      -n, --task-managers N         number of TaskManagers (default: greedy, one on every offer that fits)
      -s, --slots S                 slots per TaskManager (default 1); parallelism.default becomes N x S
      -tm MB    -tmc CPUS           TaskManager process memory (default 1728, at least 1024) and cpus (default 1)
      -jm MB    -jmc CPUS           JobManager process memory (default 1600, at least 768) and cpus (default 1)
      -c, --conf-dir DIR            Flink configuration folder (flink-conf.yaml or config.yaml)
      -D key=value                  Flink option, repeatable; wins over the configuration folder
      --flink-home DIR | --flink-uri URI | --docker-image IMAGE
                                    Flink on the agents: a folder on every agent, an archive they fetch, or an image (/opt/flink)
      -w / --no-web-ui              announce Flink's web UI (default) or not
      --name NAME                   session name (default "default"); several sessions need distinct names
      --role ROLE  --principal P  --user USER  --failover-timeout SECONDS (default 604800, one week)
      --constraint ATTR:VALUE       only agents with this attribute value (repeatable; "hostname" matches the host)
      --fit-timeout SECONDS         give up when offers never fit for this long (default 300)
      --max-failures-per-minute N   TaskManager replacement limit (default 10)
      -v, --verbose                 log the Mesos and Flink conversation to stderr
      --detach                      return once the session runs; it keeps running (attach, scale or stop it later)
      -j, -l                        the old start-mesos.sh options: -j becomes the Flink location, -l is ignored
  flink-mesos session attach [--name NAME] [--detach] [--json]   take over a saved session again (reconciles, replaces TaskManagers)
  flink-mesos session status [--name NAME] [--json]              saved sessions, read-only (asks Flink if it answers)
  flink-mesos session scale N [--name NAME] [--json]             set the number of TaskManagers (idle ones are removed first)
  flink-mesos session stop [--name NAME] [--json]                TEARDOWN, then checks that no task is left
${LOGS_USAGE}
  Common: --store DIR (saved sessions; default ~/.flink-mesos/sessions), --timeout SECONDS (waits; default 600).
  Credentials: --principal P with the secret in $FLINK_MESOS_SECRET or --secret-file FILE (never saved).
  TLS (https:// masters; start, attach, status, scale, stop): --ca-file FILE  the PEM CA that signed the masters' certificates;
      --insecure-skip-tls-verify  do not verify the masters' certificates at all (prints a warning; only for tests).
  In the foreground, Ctrl-C stops the session. Exit codes: 0 ok, 1 failed, 2 bad option, 3 Mesos unreachable,
  4 no such session, 5 another client drives the session, 130 stopped by Ctrl-C.
`;

interface CommonArgs {
  name: string;
  json: boolean;
  detach: boolean;
  storeDir: string;
  timeoutMs: number;
  verbose: boolean;
  secretFile?: string;
  principal?: string;
  caFile?: string;
  insecureSkipTlsVerify: boolean;
  /** From --ca-file / --insecure-skip-tls-verify (tlsOptions()). */
  tls?: TlsOptions;
  rest: string[];
}

class UsageError extends Error {}

function parseCommon(args: string[], io: CliIo): CommonArgs {
  const out: CommonArgs = { name: 'default', json: false, detach: false, storeDir: defaultSessionDir(io.env), timeoutMs: 600000, verbose: false, insecureSkipTlsVerify: false, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = /^(--[a-z-]+)=(.*)$/s.exec(a);
    const flag = eq ? eq[1] : a;
    const value = (): string => {
      if (eq) return eq[2];
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--name': out.name = value(); out.rest.push('--name', out.name); break;
      case '--json': out.json = true; break;
      case '--detach': out.detach = true; break;
      case '--store': out.storeDir = value(); break;
      case '--secret-file': out.secretFile = value(); break;
      case '--ca-file': out.caFile = value(); break;
      case '--insecure-skip-tls-verify': out.insecureSkipTlsVerify = true; break;
      case '--principal': out.principal = value(); out.rest.push('--principal', out.principal); break;
      case '-v': case '--verbose': out.verbose = true; out.rest.push(a); break;
      case '--timeout': {
        const s = Number(value());
        if (!Number.isFinite(s) || s <= 0) throw new UsageError('--timeout needs seconds above 0.');
        out.timeoutMs = s * 1000;
        break;
      }
      default: out.rest.push(a);
    }
  }
  return out;
}

function cliLogger(io: CliIo, verbose: boolean): Logger {
  const line = (level: string) => (m: string): void => { if (verbose) io.err(`[${level}] ${redact(m)}\n`); };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function credentials(common: CommonArgs, io: CliIo, principal: string | undefined): Credentials | undefined {
  let secret = io.env.FLINK_MESOS_SECRET;
  if (common.secretFile) {
    try {
      secret = fs.readFileSync(common.secretFile, 'utf8').trim();
    } catch (e) {
      throw new UsageError(`The secret file ${common.secretFile} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
    }
  }
  if (secret === undefined || secret === '') return undefined;
  if (!principal) throw new UsageError('A Mesos secret was given without --principal: pass the principal it belongs to.');
  return { principal, secret };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The TLS options of --ca-file (read now, so a bad path fails before anything starts) and --insecure-skip-tls-verify. */
function tlsOptions(common: CommonArgs, io: CliIo): TlsOptions | undefined {
  if (common.caFile !== undefined && common.insecureSkipTlsVerify) {
    throw new UsageError('--ca-file and --insecure-skip-tls-verify contradict each other: pass the CA file to verify the masters, or skip verification, not both.');
  }
  if (common.insecureSkipTlsVerify) {
    io.err('warning: --insecure-skip-tls-verify: the Mesos masters\' TLS certificates are not verified, so anyone on the way can read and change ' +
      'the traffic, credentials included. Pass --ca-file FILE instead outside of tests.\n');
    return { rejectUnauthorized: false };
  }
  if (common.caFile === undefined) return undefined;
  let ca: string;
  try {
    ca = fs.readFileSync(common.caFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : code ?? String(e);
    throw new UsageError(`--ca-file: the CA file ${common.caFile} cannot be read (${why}). Pass the PEM file of the CA that signed the Mesos masters' certificates.`);
  }
  if (!PEM_CERTIFICATE.test(ca)) {
    throw new UsageError(`--ca-file: ${common.caFile} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block). Pass the CA certificate in PEM form.`);
  }
  return { ca };
}

function timingsFromEnv(io: CliIo): Partial<SessionTimings> | undefined {
  const text = io.env.FLINK_MESOS_TIMINGS;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Partial<SessionTimings>;
  } catch {
    throw new UsageError('FLINK_MESOS_TIMINGS must be a JSON object of session timings (milliseconds).');
  }
}

function deps(common: CommonArgs, io: CliIo, principal?: string): FlinkSessionDeps {
  return {
    store: new FileSessionStore(common.storeDir), log: cliLogger(io, common.verbose),
    credentials: credentials(common, io, principal), tls: common.tls, timings: timingsFromEnv(io),
  };
}

/** Runs `session <sub-command> ...`; returns the exit code and never throws. */
export async function runSessionCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...args] = argv;
  let json = args.includes('--json');
  try {
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help' || args.includes('--help') || args.includes('-h')) {
      io.out(SESSION_USAGE);
      return sub === undefined ? ExitCode.usage : ExitCode.ok;
    }
    const common = parseCommon(args, io);
    json = common.json;
    common.tls = tlsOptions(common, io);
    switch (sub) {
      case 'start': return await startCommand(common, io);
      case 'attach': return await attachCommand(common, io);
      case 'status': return await statusCommand(common, io);
      case 'scale': return await scaleCommand(common, io);
      case 'stop': return await stopCommand(common, io);
      case 'logs': return await logsCommand(common, io);
      default: throw new UsageError(`Unknown session command "${sub}".`);
    }
  } catch (err) {
    return reportError(err, io, json);
  }
}

function reportError(err: unknown, io: CliIo, json: boolean): number {
  let code: number = ExitCode.failed;
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError || err instanceof LogsInputError) {
    code = ExitCode.usage;
    if (!json && err instanceof UsageError) message = `${message}\n\n${SESSION_USAGE}`;
  } else if (err instanceof SessionOptionError || err instanceof FlinkConfigurationError) {
    code = ExitCode.usage;
  } else if (err instanceof SessionConflictError) {
    code = ExitCode.conflict;
  } else if (err instanceof SessionError) {
    code = err.kind === 'notFound' || err.kind === 'removed' ? ExitCode.notFound : err.kind === 'exists' ? ExitCode.conflict : ExitCode.failed;
  }
  if (json) io.out(`${JSON.stringify({ error: message, exitCode: code })}\n`);
  else io.err(`flink-mesos: ${message}\n`);
  return code;
}

function ensureNoExtra(common: CommonArgs, allowed: string[] = []): void {
  const extra = common.rest.filter((a, i, all) => !allowed.includes(a) && !(i > 0 && all[i - 1] === '--name') && a !== '--name' && !(i > 0 && all[i - 1] === '--principal') && a !== '--principal' && a !== '-v' && a !== '--verbose');
  if (extra.length > 0) throw new UsageError(`Unknown argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}.`);
}

async function startCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const parsed = parseSessionStartArgs(common.rest);
  if (parsed.rest.length > 0) throw new UsageError(`Unknown argument${parsed.rest.length > 1 ? 's' : ''} for session start: ${parsed.rest.join(' ')}.`);
  const validated = validateSessionOptions(parsed.input, io.env);
  for (const note of parsed.notes) io.err(`note: ${note}\n`);
  for (const w of validated.warnings) io.err(`warning: ${w}\n`);
  const session = await FlinkSession.create(validated, deps(common, io, validated.options.principal));
  return follow(session, common, io);
}

async function attachCommand(common: CommonArgs, io: CliIo): Promise<number> {
  ensureNoExtra(common);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  return follow(session, common, io);
}

/** Runs the session in the foreground: progress on stderr, the addresses once running, Ctrl-C stops unless --detach. */
async function follow(session: FlinkSession, common: CommonArgs, io: CliIo): Promise<number> {
  const quiet = common.json;
  const say = (text: string): void => { if (!quiet) io.err(`${text}\n`); };
  let lastProgress = '';
  session.on('phase', (phase, detail) => {
    const s = session.snapshot();
    switch (phase) {
      case 'subscribing': say(`Subscribing to Mesos at ${s.masters}...`); break;
      case 'launchingJobManager': say(`Framework ${s.frameworkId ?? ''} registered${s.leaderUrl ? ` at ${s.leaderUrl}` : ''}. Waiting for the JobManager...`); break;
      case 'jobManagerUp': say(`JobManager up at ${detail.jobManagerUrl ?? s.jobManagerUrl}.`); break;
      case 'taskManagers': say(s.progress.wanted === null ? 'Taking every offer that fits a TaskManager (greedy)...' : `Waiting for ${s.progress.wanted} TaskManager(s)...`); break;
      case 'stopping': say('Stopping the session (TEARDOWN)...'); break;
      default: break;
    }
  });
  session.on('progress', (p) => {
    const text = `TaskManagers: ${p.registered} of ${p.wanted ?? p.launched} registered in Flink (${p.running} running, ${p.launched} launched)`;
    if (text !== lastProgress) { lastProgress = text; say(text); }
  });
  session.on('diagnosis', (d) => say(`waiting for offers: ${d}`));
  session.on('warning', (w) => say(`warning: ${w}`));
  session.on('connection', (state, detail) => {
    if (state === 'disconnected' && detail.reason) say(`Mesos: disconnected (${detail.reason})${detail.retryInMs !== undefined ? `; retrying in ${detail.retryInMs} ms` : ''}`);
  });

  let interrupted = false;
  const removeInterrupt = io.onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    say('Interrupted: stopping the session (run with --detach to leave it running)...');
    void session.stop();
  });
  try {
    await session.start();
    let snap: SessionSnapshot;
    try {
      snap = await session.waitFor((s) => s.phase === 'running' && s.reconciled, common.timeoutMs, 'waiting for the session to run');
    } catch (err) {
      if (interrupted) return await interruptedExit(session, io, common);
      const s = session.snapshot();
      if (s.phase === 'failed' || s.phase === 'detached') return ended(s, io, common);
      // Timed out: leave it as it is (running or not) for the user to decide.
      say(`${err instanceof Error ? err.message : String(err)}. The session keeps going; attach to it or stop it.`);
      await session.detach();
      if (common.json) io.out(`${JSON.stringify(summary(session.snapshot()))}\n`);
      return ExitCode.failed;
    }
    printRunning(snap, io, common.json);
    if (common.detach) {
      await session.detach();
      say(`Detached: the session keeps running. Follow it with "flink-mesos session status --name ${snap.name}", stop it with "flink-mesos session stop --name ${snap.name}".`);
      return ExitCode.ok;
    }
    say('Press Ctrl-C to stop the session.');
    await session.whenEnded();
    if (interrupted) return await interruptedExit(session, io, common);
    return ended(session.snapshot(), io, common);
  } finally {
    removeInterrupt();
  }
}

async function interruptedExit(session: FlinkSession, io: CliIo, common: CommonArgs): Promise<number> {
  const result = await session.stop();
  const s = session.snapshot();
  if (common.json) io.out(`${JSON.stringify({ ...summary(s), leftTasks: result.leftTasks })}\n`);
  else io.err(s.phase === 'stopped' ? 'Session stopped: no task is left on Mesos.\n' : `flink-mesos: ${s.reason ?? 'the stop did not complete'}\n`);
  return s.phase === 'stopped' ? ExitCode.interrupted : ExitCode.failed;
}

function ended(s: SessionSnapshot, io: CliIo, common: CommonArgs): number {
  if (common.json) io.out(`${JSON.stringify(summary(s))}\n`);
  else if (s.phase === 'stopped') io.err('Session stopped.\n');
  else io.err(`flink-mesos: session ${s.name} ${s.phase}: ${s.reason ?? ''}\n`);
  if (s.phase === 'stopped') return ExitCode.ok;
  if (s.phase === 'failed' && s.reason && /refused|cannot be resolved|accepted the subscription/.test(s.reason) && !s.frameworkId) return ExitCode.unreachable;
  if (s.phase === 'failed' && s.reason && /removed framework/.test(s.reason)) return ExitCode.notFound;
  return s.phase === 'detached' ? ExitCode.conflict : ExitCode.failed;
}

function summary(s: SessionSnapshot): Record<string, unknown> {
  return {
    name: s.name, phase: s.phase, reason: s.reason, frameworkId: s.frameworkId, jobManagerUrl: s.jobManagerUrl, flinkUiUrl: s.flinkUiUrl,
    mesosUiUrl: s.mesosUiUrl, taskManagers: s.progress, tasks: [...(s.jobManager ? [s.jobManager] : []), ...s.taskManagers].map((t) => ({ taskId: t.taskId, kind: t.kind, state: t.state, hostname: t.hostname, agentId: t.agentId, ports: t.ports })),
  };
}

function printRunning(s: SessionSnapshot, io: CliIo, json: boolean): void {
  if (json) {
    io.out(`${JSON.stringify(summary(s))}\n`);
    return;
  }
  io.out(`Flink session "${s.name}" is running: ${s.progress.registered} TaskManager(s) x ${s.options.slotsPerTaskManager} slot(s).\n`);
  io.out(`JobManager: ${s.jobManagerUrl}\n`);
  if (s.flinkUiUrl) io.out(`Flink web UI: ${s.flinkUiUrl}\n`);
  if (s.mesosUiUrl) io.out(`Mesos UI: ${s.mesosUiUrl}\n`);
  io.out(`Submit jobs with: flink-mesos run --session ${s.name} JAR\n`);
}

async function statusCommand(common: CommonArgs, io: CliIo): Promise<number> {
  ensureNoExtra(common);
  const store = new FileSessionStore(common.storeDir);
  const named = common.rest.includes('--name');
  const records = named ? [await store.load(common.name)].filter((r): r is SessionRecord => r !== undefined) : await store.list();
  if (named && records.length === 0) throw new SessionError(`No session named "${common.name}" is saved in ${common.storeDir}.`, 'Start one with "flink-mesos session start".', 'notFound');
  const out: Record<string, unknown>[] = [];
  for (const r of records) {
    let flink: Record<string, unknown> = { reachable: false };
    if (r.jobManagerUrl) {
      try {
        const res = await request(`${r.jobManagerUrl}/overview`, { signal: AbortSignal.timeout(3000) });
        const body = await res.body.json() as { taskmanagers?: number; 'slots-total'?: number; 'slots-available'?: number; 'flink-version'?: string };
        flink = res.statusCode === 200 ? { reachable: true, taskManagers: body.taskmanagers, slotsTotal: body['slots-total'], slotsAvailable: body['slots-available'], version: body['flink-version'] } : { reachable: false, status: res.statusCode };
      } catch (e) {
        flink = { reachable: false, error: e instanceof Error ? e.message : String(e) };
      }
    }
    const owner = r.owner ? { pid: r.owner.pid, host: r.owner.host, seenSecondsAgo: Math.round((Date.now() - r.owner.heartbeatAt) / 1000) } : undefined;
    out.push({
      name: r.name, phase: r.phase, frameworkId: r.frameworkId, masters: r.masters, leaderUrl: r.leaderUrl, jobManagerUrl: r.jobManagerUrl,
      wantedTaskManagers: r.wantedTaskManagers, tasks: r.tasks.map((t) => ({ taskId: t.taskId, kind: t.kind, state: t.state, hostname: t.hostname })), owner, flink,
    });
  }
  if (common.json) {
    io.out(`${JSON.stringify(named ? out[0] : out)}\n`);
    return ExitCode.ok;
  }
  if (out.length === 0) io.out(`No saved session in ${common.storeDir}.\n`);
  for (const s of out) {
    const f = s.flink as { reachable: boolean; taskManagers?: number; slotsTotal?: number; slotsAvailable?: number };
    const tasks = s.tasks as { kind: string }[];
    io.out(`${s.name}: ${s.phase}, framework ${s.frameworkId ?? '-'}, JobManager ${s.jobManagerUrl ?? '-'}\n` +
      `  TaskManagers: ${tasks.filter((t) => t.kind === 'taskmanager').length} of ${s.wantedTaskManagers ?? 'greedy'} on Mesos; ` +
      `${f.reachable ? `Flink sees ${f.taskManagers} with ${f.slotsAvailable}/${f.slotsTotal} slots free` : 'Flink does not answer'}\n` +
      `${s.owner ? `  driven by pid ${(s.owner as { pid: number }).pid} on ${(s.owner as { host: string }).host}\n` : '  no client attached (attach to replace failed TaskManagers)\n'}`);
  }
  return ExitCode.ok;
}

async function scaleCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const positional = common.rest.filter((a, i, all) => !a.startsWith('-') && !(i > 0 && (all[i - 1] === '--name' || all[i - 1] === '--principal')));
  if (positional.length !== 1) throw new UsageError('session scale needs the number of TaskManagers, e.g. "flink-mesos session scale 5".');
  const count = Number(positional[0]);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`"${positional[0]}" is not a number of TaskManagers: pass a whole number of 1 or more.`);
  ensureNoExtra(common, positional);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  await session.start();
  try {
    await session.waitFor((s) => s.reconciled && s.phase !== 'subscribing', Math.min(common.timeoutMs, 60000), 'attaching');
    const { killed } = await session.scale(count);
    if (!common.json) io.err(`Scaling ${common.name} to ${count} TaskManager(s)${killed.length ? `; removing ${killed.join(', ')}` : ''}...\n`);
    const snap = await session.waitFor((s) => s.taskManagers.length === count && s.progress.registered === count, common.timeoutMs, `scaling to ${count}`);
    if (common.json) io.out(`${JSON.stringify({ ...summary(snap), removed: killed })}\n`);
    else io.out(`Session ${common.name} has ${count} TaskManager(s).\n`);
    return ExitCode.ok;
  } catch (err) {
    const s = session.snapshot();
    if (s.phase === 'failed' || s.phase === 'detached') return ended(s, io, common);
    throw err;
  } finally {
    await session.detach();
  }
}

async function stopCommand(common: CommonArgs, io: CliIo): Promise<number> {
  ensureNoExtra(common);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  await session.start();
  try {
    await session.waitFor((s) => s.connection === 'subscribed', Math.min(common.timeoutMs, 30000), 'reaching Mesos');
  } catch {
    const s = session.snapshot();
    if (s.phase === 'failed' && s.reason && /removed framework/.test(s.reason)) {
      if (common.json) io.out(`${JSON.stringify({ ...summary(s), phase: 'stopped', leftTasks: [] })}\n`);
      else io.err(`${s.reason}\nNothing is left to stop.\n`);
      return ExitCode.ok;
    }
    if (s.phase === 'failed' || s.phase === 'detached') return ended(s, io, common);
    await session.detach();
    throw new SessionError(`No Mesos master answered for session "${common.name}"${s.reason ? ` (${s.reason})` : ''}.`, 'Check the master and try again; the session was left as it is.', 'unreachable');
  }
  const result = await session.stop();
  const s = session.snapshot();
  if (common.json) io.out(`${JSON.stringify({ ...summary(s), leftTasks: result.leftTasks })}\n`);
  else if (s.phase === 'stopped') io.out(`Session ${common.name} stopped: the master lists no task of framework ${s.frameworkId}.\n`);
  else io.err(`flink-mesos: ${s.reason}\n`);
  return s.phase === 'stopped' ? ExitCode.ok : ExitCode.failed;
}

/** The JobManager address of a saved session, for the job commands (--session NAME). */
async function logsCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const req = parseLogsArgs(common.rest);
  const record = await new FileSessionStore(common.storeDir).load(common.name);
  if (!record) throw new SessionError(`No session named "${common.name}" is saved in ${common.storeDir}.`, 'Start one with "flink-mesos session start", or pass --name.', 'notFound');
  const text = await readSessionLog(record, req, { credentials: credentials(common, io, common.principal ?? record.options.principal), tls: common.tls });
  if (common.json) io.out(`${JSON.stringify({ session: record.name, task: req.task, log: req.log, text })}\n`);
  else io.out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  return ExitCode.ok;
}

export async function resolveSessionJobManager(name: string, storeDir: string): Promise<string> {
  const record = await new FileSessionStore(storeDir).load(name);
  if (!record) throw new Error(`No session named "${name}" is saved in ${storeDir}. Start one with "flink-mesos session start", or pass -m HOST:PORT.`);
  if (!record.jobManagerUrl) throw new Error(`The session "${name}" has no JobManager address yet (${record.phase}). Wait until it runs.`);
  return record.jobManagerUrl;
}
