// One poll of a session's JobManager (issue 19's request budget): what it reads is planned by flinkPollPlan.ts, and what it
// read goes into the session's view in the model.
import { FlinkRestError } from '../core/flink/FlinkRestError';
import type { Logger } from '../core/log';
import { CHECKPOINT_READS_PER_LIST, overviewSignature, planPoll } from './flinkPollPlan';
import type { ManagedSession } from './managedSession';
import type { SessionModel } from './SessionModel';
import type { StreamingJobService } from './StreamingJobService';
import type { JobView } from './sessionViews';
import { mergeTaskManagers } from './sessionViewMerge';

export interface PollContext { model: SessionModel; log: Logger; streaming?: StreamingJobService; intervalMs: number }

/** One poll of a session's JobManager: the overview always, the lists and jars when planPoll says so, into the model. */
export async function pollJobManager(m: ManagedSession, ctx: PollContext, force: boolean): Promise<void> {
  const flink = m.flink;
  if (!flink) return;
  const memory = m.poll;
  try {
    const overview = await flink.overview();
    const signature = overviewSignature(overview);
    const started = Date.now();
    const plan = planPoll(memory, signature, started, ctx.intervalMs, force);
    const [taskManagers, jobs, jars, version] = await Promise.all([
      plan.lists ? flink.taskManagers() : undefined, plan.lists ? flink.jobsOverview() : undefined,
      plan.jars ? flink.jars().catch((e: unknown) => { if (e instanceof FlinkRestError && e.status === 404) memory.jarsUnavailable = true; return undefined; }) : undefined,
      flink.flinkVersion().catch(() => undefined),
    ]);
    if (m.poll !== memory) return; // the client changed meanwhile: this answer is of the old JobManager
    if (plan.lists) { memory.signature = signature; memory.listsAt = started; }
    if (jars) { memory.jarsAt = started; memory.jarsStale = false; }
    const running = jobs?.filter(j => j.state === 'RUNNING').map(j => ({ id: j.jid, startTime: j['start-time'] > 0 ? j['start-time'] : undefined })) ?? [];
    const health = ctx.streaming && running.length ? await ctx.streaming.checkpointHealth(flink, running, Date.now(), CHECKPOINT_READS_PER_LIST).catch(() => undefined) : undefined;
    const now = Date.now();
    ctx.model.update(m.name, v => {
      v.flinkReachable = true;
      v.flinkVersion = version ?? overview['flink-version'] ?? v.flinkVersion;
      v.slotsTotal = overview['slots-total'];
      v.slotsFree = overview['slots-available'];
      if (taskManagers) v.taskManagers = mergeTaskManagers(v.taskManagers, taskManagers, now, !!m.mesos);
      if (jobs) v.jobs = jobs.map(j => ({
        id: j.jid, name: j.name, state: j.state, startTime: j['start-time'] > 0 ? j['start-time'] : undefined,
        endTime: j['end-time'] > 0 ? j['end-time'] : undefined, durationMs: j.duration >= 0 ? j.duration : undefined,
        checkpoint: health?.get(j.jid),
      } satisfies JobView));
      if (jars) v.jars = jars.files.map(f => ({ id: f.id, name: f.name, uploaded: f.uploaded, entryClasses: f.entry.map(e => e.name) }));
      if (v.jobManagerOnly) v.phase = 'attached';
      return v;
    });
  } catch (err) {
    ctx.log.debug(`Polling ${m.name} at ${flink.baseUrl}: ${err instanceof Error ? err.message : String(err)}`);
    memory.signature = undefined; // back: read everything
    ctx.model.update(m.name, v => ({ ...v, flinkReachable: false }));
  }
}
