// The agents Mesos wants back (a maintenance window from inverse offers, or a drain), as Session Resources lists them.
// Pure data to table rows: shared by the panel (media/) and its unit test; no vscode, no DOM.
import type { MaintenanceAgentData } from './protocol';

const iso = (ms: number | undefined): string => (ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** One row per agent: host, window start, window end, and what the session does about it. */
export function maintenanceRows(agents: readonly MaintenanceAgentData[]): string[][] {
  return [...agents].sort((a, b) => a.hostname.localeCompare(b.hostname)).map((a) => [
    a.hostname,
    a.draining ? 'now (drain)' : iso(a.from),
    a.draining ? '' : iso(a.until),
    a.draining ? 'draining: Mesos kills its tasks; TaskManagers are replaced elsewhere'
      : a.answer === 'accepted' ? 'nothing of this session left there (inverse offer accepted)'
        : a.answer === 'declined' ? 'the session cannot leave it yet (inverse offer declined)'
          : 'moving TaskManagers elsewhere before the window',
  ]);
}

/** The tree's words for a TaskManager on such an agent. */
export function maintenanceNote(m: { from?: number; draining?: boolean; movedTo?: string }): string {
  if (m.draining) return 'agent draining: Mesos kills it, replaced elsewhere';
  const when = m.from !== undefined ? ` from ${iso(m.from)}` : '';
  return m.movedTo ? `agent under maintenance${when} · replaced by ${m.movedTo}` : `agent under maintenance${when} · moving elsewhere first`;
}
