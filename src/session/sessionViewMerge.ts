// How the session view is put together from its two sources: the core's Mesos snapshot and Flink's polled REST answers.
// No vscode import: plain functions, tested in Node.
import type { TaskManagerInfo } from '../core/flink/flinkRestTypes';
import { TERMINAL_JOB_STATES, type SessionView, type TaskManagerView } from './sessionViews';

/** The state shown for a job that had not ended when its session was torn down (not one of Flink's). */
export const LOST_JOB_STATE = 'LOST';

/** Puts the core's Mesos view under the Flink fields the manager polls. */
export function mergeMesos(v: SessionView, snap: Partial<SessionView>): SessionView {
  const merged: SessionView = { ...v, ...snap, flinkVersion: v.flinkVersion ?? snap.flinkVersion, jobs: v.jobs, jars: v.jars, slotsFree: v.slotsFree, slotsTotal: v.slotsTotal, flinkReachable: v.flinkReachable };
  if (snap.phase === 'failed' || snap.phase === 'stopped') {
    // Torn down: Flink's last answers are history. No TaskManager is registered and a job that had not ended is lost.
    merged.taskManagers = (snap.taskManagers ?? v.taskManagers).map(t => ({ ...t, registered: false, slotsFree: undefined, heartbeatAgoMs: undefined }));
    merged.jobs = v.jobs.map(j => (TERMINAL_JOB_STATES.includes(j.state) ? j : { ...j, state: LOST_JOB_STATE }));
    merged.slotsFree = 0;
    merged.slotsTotal = 0;
    merged.flinkReachable = false;
    return merged;
  }
  if (snap.taskManagers) {
    const flinkSide = new Map(v.taskManagers.map(t => [t.id, t]));
    merged.taskManagers = snap.taskManagers.map(t => {
      const f = flinkSide.get(t.id);
      return f ? { ...t, registered: f.registered, slotsTotal: f.slotsTotal, slotsFree: f.slotsFree, memoryMb: f.memoryMb ?? t.memoryMb, heartbeatAgoMs: f.heartbeatAgoMs, observedAt: f.observedAt } : t;
    });
  }
  return merged;
}

/** Flink's /taskmanagers merged into the TaskManagers known from Mesos (or taken as they are for a JobManager attached by address). */
export function mergeTaskManagers(known: TaskManagerView[], flink: TaskManagerInfo[], now: number, mesosBacked: boolean): TaskManagerView[] {
  const byId = new Map(flink.map(t => [t.id, t]));
  const fromFlink = (t: TaskManagerInfo): Partial<TaskManagerView> => ({
    registered: true, slotsTotal: t.slotsNumber, slotsFree: t.freeSlots,
    memoryMb: t.memoryConfiguration?.totalProcessMemory ? t.memoryConfiguration.totalProcessMemory / 1048576 : undefined,
    // Despite its name Flink sends the time of the last heartbeat (epoch ms); older stand-ins may send an age.
    heartbeatAgoMs: t.timeSinceLastHeartbeat === undefined ? undefined : t.timeSinceLastHeartbeat > 1e12 ? Math.max(0, now - t.timeSinceLastHeartbeat) : t.timeSinceLastHeartbeat,
    observedAt: now,
  });
  const out: TaskManagerView[] = known.map(t => {
    const f = byId.get(t.id);
    return f ? { ...t, ...fromFlink(f) } : { ...t, registered: false, slotsFree: undefined, heartbeatAgoMs: undefined };
  });
  if (!mesosBacked) {
    // Attached by address: Flink is the only source; TaskManagers that left are dropped.
    const kept = out.filter(t => byId.has(t.id));
    const keptIds = new Set(kept.map(t => t.id));
    for (const f of flink) {
      if (!keptIds.has(f.id)) {
        keptIds.add(f.id);
        kept.push({ id: f.id, stateHistory: [], lost: false, hasSandbox: false, agentHost: hostOf(f.path), registered: true, ...fromFlink(f) });
      }
    }
    return kept;
  }
  return out;
}

function hostOf(akkaPath: string | undefined): string | undefined {
  const m = akkaPath?.match(/@([^:/]+)(?::\d+)?\//);
  return m?.[1];
}
