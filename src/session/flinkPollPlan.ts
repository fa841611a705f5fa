// What one poll reads from a JobManager, and when (issue 19: 192 requests a minute for one session, a sidebar and one
// TaskManager panel, against a goal of 2 per polling interval). The overview is read every poll: its counts (TaskManagers,
// slots, jobs per end state) change whenever a list would. The lists (TaskManagers, jobs) are read only when they
// changed, when asked for (a refresh, a submit, a job change) and at least every LIST_REFRESH_POLLS polls for what the
// counts cannot show (a job restarting in place, heartbeats); jars after our own changes and every JAR_REFRESH_POLLS polls.
// A TaskManager panel reads its details (the heap chart's sample) every PANEL_DETAILS_POLLS polls and its log tail every
// LOG_REFRESH_POLLS; a render caused by a tree change reuses what it read. All in polls: they follow the interval setting.
import type { ClusterOverview } from '../core/flink/flinkRestTypes';

export const LIST_REFRESH_POLLS = 12;
export const JAR_REFRESH_POLLS = 60;
/** Running jobs whose checkpoints one list read refreshes (the others keep their last answer and take turns). */
export const CHECKPOINT_READS_PER_LIST = 1;
export const PANEL_DETAILS_POLLS = 2;
export const LOG_REFRESH_POLLS = 12;

/** What the last polls of one session read, and when. jarsUnavailable: the JobManager has no /jars (an application cluster, web.submit.enable off). */
export interface PollMemory { signature?: string; listsAt: number; jarsAt: number; jarsStale: boolean; jarsUnavailable?: boolean }

export function newPollMemory(): PollMemory {
  return { listsAt: 0, jarsAt: 0, jarsStale: true };
}

/** The overview's counts that move whenever the TaskManager or job list does. */
export function overviewSignature(o: ClusterOverview): string {
  return [o.taskmanagers, o['slots-total'], o['slots-available'], o['jobs-running'], o['jobs-finished'], o['jobs-cancelled'], o['jobs-failed'], o['taskmanagers-blocked'] ?? ''].join('/');
}

/** Which reads this poll makes beside the overview. */
export function planPoll(memory: PollMemory, signature: string, now: number, intervalMs: number, force: boolean): { lists: boolean; jars: boolean } {
  // Half an interval of slack: a timer that fires a little early must not skip a whole period.
  const due = (at: number, polls: number): boolean => now - at >= polls * intervalMs - intervalMs / 2;
  const lists = force || memory.signature !== signature || due(memory.listsAt, LIST_REFRESH_POLLS);
  const jars = !memory.jarsUnavailable && (force || memory.jarsStale || due(memory.jarsAt, JAR_REFRESH_POLLS));
  return { lists, jars };
}

/** What an open TaskManager panel last read, and when. */
export interface PanelReadMemory { detailsAt: number; logAt: number }

/** Whether a panel's load reads the details and the log now; fresh: the panel's own Refresh, or its first load. */
export function panelReads(memory: PanelReadMemory | undefined, now: number, intervalMs: number, fresh: boolean): { details: boolean; log: boolean } {
  if (!memory || fresh) return { details: true, log: true };
  // Half an interval of slack: a timer that fires a little early must not skip a whole period.
  return { details: now - memory.detailsAt >= PANEL_DETAILS_POLLS * intervalMs - intervalMs / 2, log: now - memory.logAt >= LOG_REFRESH_POLLS * intervalMs - intervalMs / 2 };
}
