// Whether a job that was just started counts as started: RUNNING with every vertex RUNNING for a stable window, with no
// exception in that time. Shared by job upgrades in a session and application upgrades.
import type { FlinkRestClient } from './FlinkRestClient';
import { FlinkRestError } from './FlinkRestError';
import type { JobDetails } from './flinkRestTypes';
import { isTerminalJobState } from './flinkRestTypes';

export interface StabilityOptions {
  /** The job must stay RUNNING this long, with no exception. Default 10000. */
  stableMs?: number;
  /** Time allowed to reach RUNNING. Default 120000. */
  startTimeoutMs?: number;
  pollMs?: number;
  /** Ends the watch early with this reason (e.g. the application cluster went away). */
  abandoned?: () => string | undefined;
}

export type StabilityVerdict = { ok: true } | { ok: false; reason: string; state?: string };

const FAILED_STATES = new Set(['FAILING', 'FAILED', 'RESTARTING', 'CANCELLING', 'CANCELED', 'SUSPENDED', 'FINISHED']);

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Follows the job until it ran stably or failed; the caller cancels or tears down what is left of a failed one. */
export async function watchStability(client: FlinkRestClient, jobId: string, options: StabilityOptions = {}): Promise<StabilityVerdict> {
  const stableMs = options.stableMs ?? 10000;
  const startTimeoutMs = options.startTimeoutMs ?? 120000;
  const deadline = Date.now() + startTimeoutMs;
  const pollMs = options.pollMs ?? 500;
  let runningSince: number | undefined;
  for (;;) {
    const gone = options.abandoned?.();
    if (gone) return { ok: false, reason: gone };
    let d: JobDetails;
    try {
      d = await client.job(jobId);
    } catch (err) {
      if (err instanceof FlinkRestError && err.status === 404) return { ok: false, reason: `job ${jobId} vanished` };
      const late = options.abandoned?.();
      if (late) return { ok: false, reason: late };
      throw err;
    }
    const failedState = FAILED_STATES.has(d.state);
    const exceptions = failedState || runningSince ? await client.jobExceptions(jobId, 1).catch(() => undefined) : undefined;
    const first = exceptions?.exceptionHistory?.entries?.[0];
    if (failedState || first) {
      const why = first ? `${first.exceptionName ?? 'exception'}: ${(first.stacktrace ?? '').split('\n')[0]}` : exceptions?.['root-exception']?.split('\n')[0] ?? `it went ${d.state}`;
      return { ok: false, reason: `job ${jobId} ${d.state === 'RUNNING' ? 'failed' : `went ${d.state}`}: ${why}`, state: d.state };
    }
    const allRunning = d.state === 'RUNNING' && d.vertices.length > 0 && d.vertices.every((v) => v.status === 'RUNNING');
    if (allRunning && runningSince === undefined) runningSince = Date.now();
    if (!allRunning) runningSince = undefined;
    if (runningSince !== undefined && Date.now() - runningSince >= stableMs) return { ok: true };
    if (runningSince === undefined && Date.now() > deadline) {
      return { ok: false, reason: `job ${jobId} did not reach RUNNING within ${Math.round(startTimeoutMs / 1000)} s`, state: d.state };
    }
    await delay(pollMs);
  }
}

/** Whether a verdict's job still needs cancelling. */
export function stillLive(verdict: StabilityVerdict): boolean {
  return !verdict.ok && verdict.state !== undefined && !isTerminalJobState(verdict.state);
}
