// flink-mesos session start | attach | status | scale | stop | forget: the session half of the command line, over FlinkSession.
import { ExitCode, type CliIo } from './cliIo';
import { FlinkConfigurationError } from '../flink/flinkConfiguration';
import { FlinkSession, SessionConflictError, SessionError, type SessionSnapshot } from '../session/FlinkSession';
import { FileSessionStore, defaultSessionDir } from '../session/SessionStore';
import { parseSessionStartArgs, SessionOptionError, validateSessionOptions } from '../session/SessionOptions';
import { statusCommand } from './sessionStatusCommand';
import { forgetCommand } from './sessionForgetCommand';
import { ControlChannelError } from '../session/sessionControlChannel';
import { requestScale, requestStop, serveSessionControl } from '../session/sessionControlService';
import { runPeriodicSavepoints } from '../session/periodicSavepoints';
import { UsageError, cliLogger, credentials, deps, drivenBy, ensureNoExtra, parseCommon, partialFitChoice, summary, tlsOptions, type CommonArgs } from './sessionCliCommon';
import { LOGS_USAGE, LogsInputError, parseLogsArgs, readSessionLog } from './logsCommand';
import { JOB_MANAGER_LOST } from '../session/JobManagerRecovery';
import { restartCommandLine } from './restartCommand';
import { jobManagerRestTls } from '../session/flinkSsl';
import type { JobManagerEndpoint } from './jobCommands';

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
      --mesos-image IMAGE           the image run by the Mesos containerizer (universal container runtime) instead of Docker
      --image-flink-home DIR        where Flink is inside the image (default /opt/flink)
      --docker-force-pull  --docker-volume HOST:CONTAINER[:ro|rw]  --docker-parameter KEY=VALUE  --docker-network HOST|BRIDGE
                                    Docker options (repeatable volume/parameter); BRIDGE maps each offered port to itself
      -tmd, --task-manager-disk MB  disk per TaskManager (default: --disk)
      -tmg, --task-manager-gpus N   whole GPUs per TaskManager (declares GPU_RESOURCES; sets Flink's GPU external resource)
      --uri URI[,executable][,extract|no-extract][,cache]
                                    an extra file every task fetches into its sandbox (repeatable)
      --env NAME=VALUE              an environment variable of every task (repeatable)
      --bootstrap-command CMD       run in each task's shell before Flink starts (a failure ends the task)
      --port-assignment KEY         a Flink option that gets a port of the offer in every task (repeatable, or comma-separated)
      --task-manager-hostname T     the TaskManagers' advertised address; _TASK_ becomes the task id (Mesos-DNS names)
      -w / --no-web-ui              announce Flink's web UI (default) or not
      --name NAME                   session name (default "default"); several sessions need distinct names
      --role ROLE  --principal P  --failover-timeout SECONDS (default 604800, one week)
                                    --role is repeatable (or comma-separated): the session takes offers of each of its roles
      --user USER                   the user the tasks run as (default: this process's operating-system user)
      --constraint ATTR:VALUE       only agents with this attribute value (repeatable; "hostname" matches the host)
      --fit-timeout SECONDS         how long to wait for offers that fit the JobManager and every TaskManager (default 300)
      --on-partial-fit stop|keep    when the fit timeout runs out with only some TaskManagers placed: stop the session
                                    and everything it started (default), or keep it with the TaskManagers that fit
      --max-failures-per-minute N   TaskManager replacement limit (default 10)
      --unreachable-grace SECONDS   how long a TaskManager on a cut-off agent (TASK_UNREACHABLE) may stay so before it is
                                    replaced (default 60); if it comes back after that, it is killed
      --ha zk://HOST:PORT[,HOST:PORT]/PATH  --ha-storage DIR_OR_URI
                                    Flink's ZooKeeper high availability: a lost JobManager is relaunched (another agent
                                    when one fits) and its jobs recover from their latest checkpoint; the storage is a
                                    folder every agent shares or a URI (hdfs://, s3://). Kubernetes HA does not apply
      --max-job-manager-restarts N  with --ha: JobManager relaunches an hour before the session stops (default 3)
      --flink-ssl-keystore URI|PATH  --flink-ssl-truststore URI|PATH
                                    Flink TLS (security.ssl.*): Java stores the tasks fetch (a URI) or find on every agent
                                    (a path); their password is read from $FLINK_SSL_PASSWORD (--flink-ssl-password-env NAME)
      --flink-ssl-connections internal,rest   which connections use TLS (default both; internal TLS is mutual)
      --flink-ssl-rest-keystore URI|PATH  --flink-ssl-rest-truststore URI|PATH   REST's own stores (default: the above)
      --flink-rest-ca FILE          the PEM CA this client verifies the JobManager's https certificate with
      -v, --verbose                 log the Mesos and Flink conversation to stderr
      --detach                      return once the session runs; it keeps running (attach, scale or stop it later)
      -j, -l                        the old start-mesos.sh options: -j becomes the Flink location, -l is ignored
  flink-mesos session attach [--name NAME] [--detach] [--json]   take over a saved session again (reconciles, replaces TaskManagers)
  flink-mesos session status [--name NAME] [--json]              saved sessions, read-only: asks the master whether it still knows
                                                                 each framework (a gone one is marked so) and Flink what it sees
  flink-mesos session status --name NAME --watch [--interval S]  follow one session read-only (tasks from the master's operator API,
                                                                 Flink from its REST API) until Ctrl-C; never subscribes
  flink-mesos session scale N [--name NAME] [--json]             set the number of TaskManagers (idle ones are removed first)
  flink-mesos session stop [--name NAME] [--json]                TEARDOWN, then checks that no task is left; with no master answering,
                                                                 the phase stays and the stop is recorded as pending
  flink-mesos session forget NAME [--json]                       free the name of a session whose master is unreachable or no longer
                                                                 knows its framework (says which, and whether tasks may still run)
  scale and stop of a session another client drives (a foreground "session start", a VS Code window) are sent to that client
  through an owner-only socket beside the store, and its answer comes back; another Unix user is refused.
${LOGS_USAGE}
  Common: --store DIR (saved sessions; default ~/.flink-mesos/sessions), --timeout SECONDS (waits; default 600).
  Credentials: --principal P with the secret in $FLINK_MESOS_SECRET or --secret-file FILE (never saved).
  TLS (https:// masters; start, attach, status, scale, stop): --ca-file FILE  the PEM CA that signed the masters' certificates;
      --insecure-skip-tls-verify  do not verify the masters' certificates at all (prints a warning; only for tests).
  In the foreground, Ctrl-C stops the session, and so does a start that ends any other way than --detach (--timeout
  passed, a failure); an attach that times out leaves the session running and says how to stop it.
  Exit codes: 0 ok, 1 failed, 2 bad option, 3 no Mesos master at the address (unreachable, a Mesos agent, another HTTP
  server), 4 no such session, 5 another client drives the session (and takes no requests, or belongs to another user),
  130 stopped by Ctrl-C.
`;

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
      case 'forget': return await forgetCommand(common, io);
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
    code = err.kind === 'notFound' || err.kind === 'removed' ? ExitCode.notFound : err.kind === 'exists' ? ExitCode.conflict
      : err.kind === 'unreachable' ? ExitCode.unreachable : ExitCode.failed;
  } else if (err instanceof ControlChannelError) {
    // Refused (another Unix user) or no channel: another client holds the session either way.
    code = err.code === 'forbidden' || err.code === 'noChannel' ? ExitCode.conflict : ExitCode.failed;
  }
  if (json) io.out(`${JSON.stringify({ error: message, exitCode: code })}\n`);
  else io.err(`flink-mesos: ${message}\n`);
  return code;
}

async function startCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const partialFit = partialFitChoice(common.rest);
  const parsed = parseSessionStartArgs(partialFit.rest);
  if (parsed.rest.length > 0) throw new UsageError(`Unknown argument${parsed.rest.length > 1 ? 's' : ''} for session start: ${parsed.rest.join(' ')}.`);
  const validated = validateSessionOptions(parsed.input);
  for (const note of parsed.notes) io.err(`note: ${note}\n`);
  for (const w of validated.warnings) io.err(`warning: ${w}\n`);
  const session = await FlinkSession.create(validated, deps(common, io, validated.options.principal, partialFit.choice));
  session.on('partialFit', (fit) => {
    if (common.json) return;
    io.err(`Only ${fit.placed} of ${fit.wanted} TaskManagers fit within ${fit.fitTimeoutSeconds} s. ${fit.diagnosis}\n` +
      (partialFit.choice === 'keep'
        ? `--on-partial-fit keep: the session goes on with ${fit.placed} TaskManager(s).\n`
        : 'Stopping the session and everything it started (pass --on-partial-fit keep to keep a smaller session instead)...\n'));
  });
  return follow(session, common, io, true);
}

async function attachCommand(common: CommonArgs, io: CliIo): Promise<number> {
  ensureNoExtra(common);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  return follow(session, common, io, false);
}

/** Running as start reports it: every TaskManager asked for (or, greedy, every one launched) is registered in Flink. */
function fullyRunning(s: SessionSnapshot): boolean {
  if (s.phase !== 'running' || !s.reconciled) return false;
  const p = s.progress;
  return p.wanted === null ? p.launched > 0 && p.registered === p.launched : p.registered >= p.wanted;
}

/**
 * Runs the session in the foreground: progress on stderr, the addresses once running, Ctrl-C stops unless --detach.
 * A start (`started`) never exits leaving its session behind unless --detach; an attach that gives up says it leaves it running.
 */
async function follow(session: FlinkSession, common: CommonArgs, io: CliIo, started: boolean): Promise<number> {
  const quiet = common.json;
  const say = (text: string): void => { if (!quiet) io.err(`${text}\n`); };
  let lastProgress = '';
  session.on('phase', (phase, detail) => {
    const s = session.snapshot();
    switch (phase) {
      case 'subscribing': say(`Subscribing to Mesos at ${s.masters}...`); break;
      case 'launchingJobManager': say(`Framework ${s.frameworkId ?? ''} registered${s.leaderUrl ? ` at ${s.leaderUrl}` : ''}. Waiting for the JobManager...`); break;
      case 'jobManagerUp': say(`JobManager up at ${detail.jobManagerUrl ?? s.jobManagerUrl}.`); break;
      case 'recoveringJobManager': say(`JobManager recovering: ${detail.reason ?? s.reason ?? 'the JobManager task ended'}`); break;
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
  // Only failures that are retried: a final one is reported once, when the session ends.
  session.on('connection', (state, detail) => {
    if (state === 'disconnected' && detail.reason && detail.retryInMs !== undefined) say(`Mesos: disconnected (${detail.reason}); retrying in ${detail.retryInMs} ms`);
  });

  let interrupted = false;
  const removeInterrupt = io.onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    say('Interrupted: stopping the session (run with --detach to leave it running)...');
    void session.stop();
  });
  let settled = false;
  try {
    await session.start();
    // From here on other terminals and VS Code windows can ask this client to scale or stop the session.
    await serveSessionControl(session, common.storeDir, cliLogger(io, common.verbose));
    // The schedules of periodic savepoints run while this foreground client drives the session.
    runPeriodicSavepoints(session, common.storeDir, cliLogger(io, common.verbose));
    let snap: SessionSnapshot;
    try {
      snap = await session.waitFor(fullyRunning, common.timeoutMs, 'waiting for the session to run');
    } catch (err) {
      if (interrupted) { settled = true; return await interruptedExit(session, io, common); }
      const s = session.snapshot();
      if (s.phase === 'failed' || s.phase === 'detached' || s.phase === 'stopped') { settled = true; return await ended(s, io, common); }
      const why = err instanceof Error ? err.message : String(err);
      settled = true;
      if (started) {
        // What this start launched goes with it: a user who gives up must not leave tasks on the cluster.
        say(`${why}. Stopping the session and everything it started (pass a longer --timeout, or --on-partial-fit keep)...`);
        const result = await session.stop();
        const after = session.snapshot();
        if (common.json) io.out(`${JSON.stringify({ ...summary(after), leftTasks: result.leftTasks })}\n`);
        else say(after.phase === 'stopped' ? 'Session stopped: no task is left on Mesos.' : `flink-mesos: ${after.reason ?? 'the stop did not complete'}`);
        return ExitCode.failed;
      }
      await session.detach();
      say(`${why}. Leaving session ${s.name} running on Mesos (framework ${s.frameworkId ?? '-'}) as it was before this attach; ` +
        `attach to it again, or stop it with "flink-mesos session stop --name ${s.name}".`);
      if (common.json) io.out(`${JSON.stringify(summary(session.snapshot()))}\n`);
      return ExitCode.failed;
    }
    printRunning(snap, io, common.json);
    if (common.detach) {
      settled = true;
      await session.detach();
      say(`Detached: the session keeps running. Follow it with "flink-mesos session status --name ${snap.name}", stop it with "flink-mesos session stop --name ${snap.name}".`);
      return ExitCode.ok;
    }
    say('Press Ctrl-C to stop the session.');
    await session.whenEnded();
    settled = true;
    if (interrupted) return await interruptedExit(session, io, common);
    return await ended(session.snapshot(), io, common);
  } finally {
    removeInterrupt();
    // Left by an unexpected error: a start stops what it started; an attach leaves the session as it found it.
    const phase = session.phase;
    if (!settled && phase !== 'stopped' && phase !== 'failed' && phase !== 'detached') {
      if (started) await session.stop().catch(() => undefined);
      else await session.detach().catch(() => undefined);
    }
  }
}

async function interruptedExit(session: FlinkSession, io: CliIo, common: CommonArgs): Promise<number> {
  const result = await session.stop();
  const s = session.snapshot();
  if (common.json) io.out(`${JSON.stringify({ ...summary(s), leftTasks: result.leftTasks })}\n`);
  else io.err(s.phase === 'stopped' ? 'Session stopped: no task is left on Mesos.\n' : `flink-mesos: ${s.reason ?? 'the stop did not complete'}\n`);
  return s.phase === 'stopped' ? ExitCode.interrupted : ExitCode.failed;
}

/** Failure kinds that mean no Mesos master is at the address given. */
const NO_MASTER_KINDS = new Set(['unreachable', 'notMaster']);

async function ended(s: SessionSnapshot, io: CliIo, common: CommonArgs): Promise<number> {
  // A failure that kept the saved session (after a subscription: a refused call, say) may leave its tasks on Mesos: say so.
  const kept = s.phase === 'failed' && s.frameworkId !== undefined && await new FileSessionStore(common.storeDir).load(s.name).catch(() => undefined) !== undefined;
  const leaving = kept ? ` Session ${s.name} (framework ${s.frameworkId}) is left on Mesos as it is, its tasks may still run: ` +
    `stop it with "flink-mesos session stop --name ${s.name}" once the cause is fixed.` : '';
  // Its JobManager ended a session without HA: one command starts it again as it was (its jobs are not recovered).
  const restart = s.phase === 'failed' && s.failureKind === JOB_MANAGER_LOST ? restartCommandLine(s.options, { storeDir: common.storeDir !== defaultSessionDir(io.env) ? common.storeDir : undefined }) : undefined;
  if (common.json) io.out(`${JSON.stringify({ ...summary(s), ...(kept ? { leftRunning: true } : {}), ...(restart ? { restartCommand: restart } : {}) })}\n`);
  else if (s.phase === 'stopped') io.err('Session stopped.\n');
  else io.err(`flink-mesos: session ${s.name} ${s.phase}: ${s.reason ?? ''}${leaving}\n`);
  if (restart && !common.json) io.err(`Restart it with the same options (add --ha zk://HOST:PORT/PATH --ha-storage DIR so a lost JobManager comes back with its jobs):\n  ${restart}\n`);
  if (s.phase === 'stopped') return ExitCode.ok;
  if (s.phase === 'failed' && !s.frameworkId && ((s.failureKind !== undefined && NO_MASTER_KINDS.has(s.failureKind))
    || (s.reason !== undefined && /refused|cannot be resolved|accepted the subscription/.test(s.reason)))) return ExitCode.unreachable;
  if (s.phase === 'failed' && s.reason && /removed framework/.test(s.reason)) return ExitCode.notFound;
  return s.phase === 'detached' ? ExitCode.conflict : ExitCode.failed;
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

async function scaleCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const positional = common.rest.filter((a, i, all) => !a.startsWith('-') && !(i > 0 && (all[i - 1] === '--name' || all[i - 1] === '--principal')));
  if (positional.length !== 1) throw new UsageError('session scale needs the number of TaskManagers, e.g. "flink-mesos session scale 5".');
  const count = Number(positional[0]);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`"${positional[0]}" is not a number of TaskManagers: pass a whole number of 1 or more.`);
  ensureNoExtra(common, positional);
  if (await drivenBy(common, io)) return scaleThroughDriver(common, io, count);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  try {
    await session.start();
  } catch (err) {
    // Another client took the session over in the meantime: ask it.
    if (err instanceof SessionConflictError) return scaleThroughDriver(common, io, count);
    throw err;
  }
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
    if (s.phase === 'failed' || s.phase === 'detached') return await ended(s, io, common);
    throw err;
  } finally {
    await session.detach();
  }
}

/** scale against a session another client drives: the request goes to it, the answer comes back here. */
async function scaleThroughDriver(common: CommonArgs, io: CliIo, count: number): Promise<number> {
  const owner = await drivenBy(common, io);
  if (!common.json) io.err(`Session ${common.name} is driven by pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}: asking it to scale to ${count} TaskManager(s)...\n`);
  const r = await requestScale(common.storeDir, common.name, count, common.timeoutMs);
  if (common.json) io.out(`${JSON.stringify({ ...r.snapshot, removed: r.removed, through: 'driver' })}\n`);
  else io.out(`Session ${common.name} has ${count} TaskManager(s)${r.removed.length ? ` (removed ${r.removed.join(', ')})` : ''}.\n`);
  return ExitCode.ok;
}

async function stopThroughDriver(common: CommonArgs, io: CliIo): Promise<number> {
  const owner = await drivenBy(common, io);
  if (!common.json) io.err(`Session ${common.name} is driven by pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}: asking it to stop...\n`);
  const r = await requestStop(common.storeDir, common.name);
  if (common.json) io.out(`${JSON.stringify({ name: common.name, ...r, through: 'driver' })}\n`);
  else if (r.phase === 'stopped') io.out(`Session ${common.name} stopped: the master lists no task of framework ${r.frameworkId ?? ''}.\n`);
  else io.err(`flink-mesos: ${r.reason ?? `the stop ended ${r.phase}`}\n`);
  return r.phase === 'stopped' ? ExitCode.ok : ExitCode.failed;
}

async function stopCommand(common: CommonArgs, io: CliIo): Promise<number> {
  ensureNoExtra(common);
  if (await drivenBy(common, io)) return stopThroughDriver(common, io);
  const session = await FlinkSession.attach(common.name, deps(common, io, common.principal));
  try {
    await session.start();
  } catch (err) {
    if (err instanceof SessionConflictError) return stopThroughDriver(common, io);
    throw err;
  }
  try {
    await session.waitFor((s) => s.connection === 'subscribed', Math.min(common.timeoutMs, 30000), 'reaching Mesos');
  } catch {
    const s = session.snapshot();
    if (s.phase === 'failed' && s.reason && /removed framework/.test(s.reason)) {
      if (common.json) io.out(`${JSON.stringify({ ...summary(s), phase: 'stopped', leftTasks: [] })}\n`);
      else io.err(`${s.reason}\nNothing is left to stop.\n`);
      return ExitCode.ok;
    }
    if (s.phase === 'failed' || s.phase === 'detached') return await ended(s, io, common);
    // The saved phase stays as it was; the stop is noted as pending, and the next stop or attach completes it.
    await session.detach({ stopPending: true });
    const saved = await new FileSessionStore(common.storeDir).load(common.name).catch(() => undefined);
    throw new SessionError(`No Mesos master answered for session "${common.name}"${s.reason ? ` (${s.reason})` : ''}, so nothing was stopped.`,
      `The stop is recorded as pending (phase still ${saved?.phase ?? 'as it was'}): run "flink-mesos session stop --name ${common.name}" again, or attach, once the master is back. ` +
      `If the cluster is gone for good, "flink-mesos session forget ${common.name}" frees the name.`, 'unreachable');
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

export async function resolveSessionJobManager(name: string, storeDir: string): Promise<JobManagerEndpoint> {
  const record = await new FileSessionStore(storeDir).load(name);
  if (!record) throw new Error(`No session named "${name}" is saved in ${storeDir}. Start one with "flink-mesos session start", or pass -m HOST:PORT.`);
  if (!record.jobManagerUrl) throw new Error(`The session "${name}" has no JobManager address yet (${record.phase}). Wait until it runs.`);
  return { url: record.jobManagerUrl, tls: jobManagerRestTls(record.options.flinkSsl) };
}
