// Savepoints without stopping, and one-step upgrades of a running job in the Flink Kubernetes Operator's modes:
// savepoint (stop with a savepoint, start the new jar from it), last-state (cancel, start from the latest retained
// checkpoint) and stateless (cancel, start empty). A new job that fails to start, or fails within a short window,
// is cancelled and the previous jar is started again from the same state (rollback).
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { FlinkRestClient } from './FlinkRestClient';
import { FlinkRestError } from './FlinkRestError';
import type { JobDetails } from './flinkRestTypes';
import { isTerminalJobState } from './flinkRestTypes';
import type { JarSubmitter } from './JarSubmitter';
import { joinProgramArgs } from './programArgs';
import { StreamingJobReads } from './StreamingJobReads';
import { stillLive, watchStability } from './jobStability';

export type UpgradeMode = 'savepoint' | 'last-state' | 'stateless';
export const UPGRADE_MODES: readonly UpgradeMode[] = ['savepoint', 'last-state', 'stateless'];

/** How a job is (or was) started: enough to start it again. */
export interface JobSpec {
  jarPath: string;
  entryClass?: string;
  programArgs: string[];
  parallelism?: number;
}

export interface UpgradeRequest {
  jobId: string;
  next: JobSpec;
  mode?: UpgradeMode;
  /** Savepoint folder (mode savepoint); default the cluster's state.savepoints.dir. */
  savepointDirectory?: string;
  allowNonRestoredState?: boolean;
  /** How the running job was started; without it there is no rollback, and the upgrade refuses unless noRollback. */
  previous?: JobSpec;
  noRollback?: boolean;
  /** The new job must stay RUNNING this long, with no exception, to count as started. Default 10000. */
  stableMs?: number;
  /** Time allowed for the new job to reach RUNNING. Default 120000. */
  startTimeoutMs?: number;
  pollMs?: number;
  onProgress?: (step: string) => void;
  /** Called with each state the old job leaves (savepoint or checkpoint path), before anything is started from it. */
  onState?: (state: { path: string; kind: 'stop-with-savepoint' | 'checkpoint' }) => void | Promise<void>;
  /** Called with every job this upgrade started. */
  onSubmitted?: (jobId: string, spec: JobSpec, restoredFrom: string | undefined) => void | Promise<void>;
}

export interface UpgradeResult {
  outcome: 'upgraded' | 'rolledBack';
  mode: UpgradeMode;
  oldJobId: string;
  /** The job that runs now: the new one, or the previous jar started again. */
  runningJobId: string;
  /** The state both were started from (undefined: stateless). */
  statePath?: string;
  /** Why the new job was rolled back. */
  reason?: string;
  failedJobId?: string;
}

export type UpgradeErrorKind = 'badInput' | 'notRunning' | 'stopFailed' | 'rollbackFailed';

export class UpgradeError extends Error {
  constructor(
    message: string,
    readonly kind: UpgradeErrorKind,
    /** Whether the original job still runs (true for every refusal before it was stopped). */
    readonly oldJobRunning: boolean,
    readonly statePath?: string,
    readonly resumeCommand?: string,
  ) {
    super(message);
    this.name = 'UpgradeError';
  }
}

/** Quotes an argument for a POSIX shell only when it needs it. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that starts a spec from a state path again. */
export function resumeCommand(spec: JobSpec, statePath: string | undefined, target = ''): string {
  const parts = ['flink-mesos', 'run'];
  if (target) parts.push(target);
  if (statePath) parts.push('-s', shellQuote(statePath));
  if (spec.entryClass) parts.push('-c', shellQuote(spec.entryClass));
  if (spec.parallelism) parts.push('-p', String(spec.parallelism));
  parts.push(shellQuote(spec.jarPath));
  if (spec.programArgs.length) parts.push(joinProgramArgs(spec.programArgs));
  return parts.join(' ');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface SavepointProgress { triggerId: string; elapsedMs: number }

/** Takes a savepoint of a running job without stopping it; reports progress while Flink writes it; returns its path. */
export async function takeSavepoint(client: FlinkRestClient, jobId: string, options: { targetDirectory?: string; pollMs?: number; timeoutMs?: number; onProgress?: (p: SavepointProgress) => void } = {}): Promise<string> {
  const details = await client.job(jobId);
  if (details.state !== 'RUNNING') {
    throw new UpgradeError(`Job ${jobId} is ${details.state}, not RUNNING: only a running job can take a savepoint.`, 'notRunning', false);
  }
  const started = Date.now();
  const triggerId = await client.triggerSavepoint(jobId, { targetDirectory: options.targetDirectory });
  const pollMs = options.pollMs ?? 500;
  const deadline = started + (options.timeoutMs ?? 600000);
  for (;;) {
    const status = await client.savepointStatus(jobId, triggerId);
    if (status?.status?.id === 'COMPLETED') break;
    options.onProgress?.({ triggerId, elapsedMs: Date.now() - started });
    if (Date.now() > deadline) break; // waitForSavepoint below reports the timeout
    await delay(pollMs);
  }
  // Completed: the client maps the failure (e.g. a folder the JobManager cannot write) or returns the location.
  try {
    return await client.waitForSavepoint(jobId, triggerId, { pollIntervalMs: pollMs, timeoutMs: Math.max(1, deadline - Date.now()) });
  } catch (err) {
    throw err instanceof FlinkRestError && err.kind === 'operation' ? savepointFailure(err, jobId, options.targetDirectory) : err;
  }
}

/**
 * Names the folder the savepoint was to go to, and the exception class of the root cause: real Flink's root cause of an
 * unwritable folder is often just the path (java.nio.file.FileAlreadyExistsException: /the/path).
 */
function savepointFailure(err: FlinkRestError, jobId: string, targetDirectory: string | undefined): FlinkRestError {
  const last = (err.fullText ?? '').split('\n').filter((l) => /^\s*Caused by:/.test(l)).pop();
  const cls = last ? /Caused by:\s*(?:[\w$]+\.)*([\w$]*(?:Exception|Error)):/.exec(last)?.[1] : undefined;
  const cause = err.rootCause ? ` (cause: ${cls && !err.rootCause.includes(cls) ? `${cls}: ` : ''}${err.rootCause})` : '';
  const where = targetDirectory ?? "the cluster's state.savepoints.dir";
  return new FlinkRestError(`The savepoint of job ${jobId} into ${where} failed: ${err.flinkMessage ?? err.message}${cause}`, {
    kind: 'operation', address: err.address, endpoint: err.endpoint, flinkMessage: err.flinkMessage, rootCause: err.rootCause, fullText: err.fullText, fix: err.fix, cause: err,
  });
}

export class JobUpgrader {
  private readonly log: Logger;
  private readonly reads: StreamingJobReads;

  constructor(private readonly client: FlinkRestClient, private readonly submitter: JarSubmitter, log?: Logger) {
    this.log = log ?? silentLogger;
    this.reads = new StreamingJobReads(client);
  }

  async upgrade(req: UpgradeRequest): Promise<UpgradeResult> {
    const mode = req.mode ?? 'savepoint';
    const progress = (s: string): void => { this.log.info(`Upgrade of ${req.jobId}: ${s}`); req.onProgress?.(s); };
    if (!UPGRADE_MODES.includes(mode)) throw new UpgradeError(`Unknown upgrade mode "${mode}". Use one of ${UPGRADE_MODES.join(', ')}.`, 'badInput', true);

    // Everything that can be refused is checked while the old job still runs.
    const details = await this.client.job(req.jobId);
    if (details.state !== 'RUNNING') {
      throw new UpgradeError(
        `Job ${req.jobId} is ${details.state}, not RUNNING: there is nothing to upgrade. Start the new jar on its own (flink-mesos run${details.state === 'FINISHED' || details.state === 'CANCELED' ? ' -s SAVEPOINT, from its savepoint history: flink-mesos savepoints' : ''}).`,
        'notRunning', false);
    }
    const next = await this.submitter.prepare(req.next.jarPath, req.next.entryClass); // no entry class -> JarInspectionError, job untouched
    if (!req.previous && !req.noRollback) {
      throw new UpgradeError(
        `It is not known which jar job ${req.jobId} was started from, so a failed upgrade could not be rolled back. ` +
          'Give the running job\'s jar (--previous-jar JAR [--previous-class CLASS]) or accept no rollback (--no-rollback).',
        'badInput', true);
    }
    if (req.previous) await this.submitter.prepare(req.previous.jarPath, req.previous.entryClass);
    let checkpointPath: string | undefined;
    if (mode === 'last-state') checkpointPath = await this.latestRetainedCheckpoint(req.jobId);

    // Stop the old job and keep its state.
    let statePath: string | undefined;
    if (mode === 'savepoint') {
      progress(`stopping job ${req.jobId} with a savepoint${req.savepointDirectory ? ` in ${req.savepointDirectory}` : ''}`);
      try {
        statePath = await this.client.stopWithSavepoint(req.jobId, { targetDirectory: req.savepointDirectory });
      } catch (err) {
        const state = await this.client.job(req.jobId).then((d) => d.state, () => 'UNKNOWN');
        throw new UpgradeError(
          `The savepoint to stop job ${req.jobId} failed, so nothing was upgraded: ${(err as Error).message}` +
            (state === 'RUNNING' ? ' The job keeps running.' : ` The job is ${state}.`),
          'stopFailed', state === 'RUNNING');
      }
      await req.onState?.({ path: statePath, kind: 'stop-with-savepoint' });
    } else {
      progress(`cancelling job ${req.jobId} (${mode})`);
      await this.client.cancelJob(req.jobId);
    }
    await this.waitTerminal(req.jobId, req.pollMs);
    if (mode === 'last-state') {
      // Checkpoints may have completed since the check; the newest retained one is the state to continue from.
      statePath = (await this.latestRetainedCheckpoint(req.jobId).catch(() => checkpointPath)) ?? checkpointPath;
      if (statePath) await req.onState?.({ path: statePath, kind: 'checkpoint' });
    }
    progress(statePath ? `job ${req.jobId} stopped; state at ${statePath}` : `job ${req.jobId} stopped (stateless)`);

    const nextSpec: JobSpec = { ...req.next, entryClass: req.next.entryClass ?? next.entryClass };
    const started = await this.startAndWatch(nextSpec, statePath, req, 'new');
    if (started.ok) {
      progress(`job ${started.jobId} is RUNNING and stayed so for ${Math.round((req.stableMs ?? 10000) / 1000)} s`);
      return { outcome: 'upgraded', mode, oldJobId: req.jobId, runningJobId: started.jobId, statePath };
    }
    const reason = started.reason;
    const previous = req.previous;
    if (!previous) {
      throw new UpgradeError(
        `The new job failed to start (${reason}) and no rollback was asked for. ${statePath ? `The old job's state is at ${statePath}; resume it with: ${resumeCommand({ jarPath: 'PREVIOUS.jar', programArgs: [] }, statePath)}` : 'The old job was stopped without state.'}`,
        'rollbackFailed', false, statePath, statePath ? resumeCommand({ jarPath: 'PREVIOUS.jar', programArgs: [] }, statePath) : undefined);
    }
    progress(`the new job failed (${reason}); rolling back to ${previous.jarPath}${statePath ? ` from ${statePath}` : ''}`);
    const back = await this.startAndWatch(previous, statePath, req, 'rollback');
    if (back.ok) {
      return { outcome: 'rolledBack', mode, oldJobId: req.jobId, runningJobId: back.jobId, statePath, reason, failedJobId: started.jobId };
    }
    const cmd = resumeCommand(previous, statePath);
    throw new UpgradeError(
      `The new job failed (${reason}) and so did the rollback to the previous jar (${back.reason}). ` +
        (statePath ? `The state is kept at ${statePath}. Resume with: ${cmd}` : `Start it again with: ${cmd}`),
      'rollbackFailed', false, statePath, cmd);
  }

  /** The newest completed checkpoint's path, if checkpoints are retained on cancellation; otherwise a clear refusal. */
  private async latestRetainedCheckpoint(jobId: string): Promise<string> {
    const config = await this.reads.checkpointConfig(jobId);
    // Flink reports periodic checkpointing switched off as interval Long.MAX_VALUE.
    if (!config || !(config.interval > 0 && config.interval < 2 ** 62)) throw new UpgradeError(`Job ${jobId} does not checkpoint, so mode last-state has no state to continue from. Use --mode savepoint (default) or stateless.`, 'badInput', true);
    if (!config.externalization?.enabled || config.externalization.delete_on_cancellation) {
      throw new UpgradeError(
        `Job ${jobId} deletes its checkpoints when cancelled, so mode last-state would lose its state. ` +
          'Set execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION (Flink 1.x: execution.checkpointing.externalized-checkpoint-retention too), or use --mode savepoint.',
        'badInput', true);
    }
    const stats = await this.reads.checkpoints(jobId);
    const latest = stats.latest.completed;
    if (!latest?.external_path) throw new UpgradeError(`Job ${jobId} has no completed checkpoint yet; wait for one or use --mode savepoint.`, 'badInput', true);
    return latest.external_path;
  }

  private async waitTerminal(jobId: string, pollMs = 250, timeoutMs = 120000): Promise<JobDetails> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.client.job(jobId);
      if (isTerminalJobState(d.state)) return d;
      if (Date.now() > deadline) throw new UpgradeError(`Job ${jobId} did not stop within ${timeoutMs / 1000} s (it is ${d.state}); nothing new was started.`, 'stopFailed', d.state === 'RUNNING');
      await delay(pollMs);
    }
  }

  /** Submits and follows a job until it has run stably, or says why it did not (and cancels what is left of it). */
  private async startAndWatch(spec: JobSpec, statePath: string | undefined, req: UpgradeRequest, which: 'new' | 'rollback'): Promise<{ ok: true; jobId: string } | { ok: false; reason: string; jobId?: string }> {
    let jobId: string;
    try {
      const result = await this.submitter.run(spec.jarPath, {
        entryClass: spec.entryClass, programArgs: spec.programArgs, parallelism: spec.parallelism,
        savepointPath: statePath, allowNonRestoredState: statePath ? req.allowNonRestoredState : undefined, skipSlotCheck: true,
      });
      jobId = result.jobId;
      await req.onSubmitted?.(jobId, { ...spec, entryClass: result.entryClass, parallelism: result.parallelism }, statePath);
    } catch (err) {
      return { ok: false, reason: `the ${which === 'new' ? 'new' : 'previous'} jar was refused: ${(err as Error).message}` };
    }
    req.onProgress?.(`${which === 'new' ? 'new' : 'previous'} job ${jobId} submitted; waiting until it runs`);
    const verdict = await watchStability(this.client, jobId, { stableMs: req.stableMs, startTimeoutMs: req.startTimeoutMs, pollMs: req.pollMs });
    if (verdict.ok) return { ok: true, jobId };
    if (stillLive(verdict)) {
      await this.client.cancelJob(jobId).catch(() => undefined);
      await this.waitTerminal(jobId, req.pollMs).catch(() => undefined);
    }
    return { ok: false, reason: verdict.reason, jobId };
  }
}
