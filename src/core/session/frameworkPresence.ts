// Whether the Mesos master still knows a session's framework, read through the operator API (no subscription):
// for forget, status and the read-only watchers. "Unknown" and "removed" both mean nothing of it runs on that master.
import { OperatorClient } from '../mesos/OperatorClient';
import type { Credentials, TlsOptions } from '../mesos/http';
import { TERMINAL_TASK_STATES, type TaskState } from '../mesos/types';
import { silentLogger, type Logger } from '../log';
import type { SessionRecord, SessionStore } from './SessionStore';

export interface MasterTaskView { taskId: string; state: TaskState; agentId?: string }

export type FrameworkPresence =
  /** The master lists the framework (connected or waiting for its scheduler within the failover timeout). */
  | { kind: 'registered'; master: string; connected: boolean; tasks: MasterTaskView[] }
  /** Among the master's completed frameworks: torn down, or its failover timeout passed. */
  | { kind: 'removed'; master: string }
  /** The master answered and does not list it at all (a rebuilt master, or the completed list was trimmed). */
  | { kind: 'unknown'; master: string }
  | { kind: 'unreachable'; master: string; reason: string };

export interface PresenceOptions { credentials?: Credentials; tls?: TlsOptions; timeoutMs?: number; log?: Logger }

/** Asks the session's leader (or its masters) which frameworks and tasks it knows. Never throws. */
export async function frameworkPresence(record: Pick<SessionRecord, 'masters' | 'leaderUrl' | 'frameworkId'>, frameworkId: string, options: PresenceOptions = {}): Promise<FrameworkPresence> {
  const master = record.masters;
  const timeoutMs = options.timeoutMs ?? 5000;
  const ask = async (masters: string): Promise<FrameworkPresence> => {
    const client = new OperatorClient({ masters, credentials: options.credentials, tls: options.tls, log: options.log ?? silentLogger, timeoutMs, connectTimeoutMs: timeoutMs });
    try {
      const [frameworks, tasks] = await Promise.all([client.getFrameworks(), client.getTasks()]);
      const live = (frameworks.frameworks ?? []).find((f) => f.framework_info.id?.value === frameworkId);
      if (live) {
        const out: MasterTaskView[] = [];
        for (const list of [tasks.tasks, tasks.pending_tasks, tasks.unreachable_tasks, tasks.orphan_tasks]) {
          for (const t of list ?? []) {
            if (t.framework_id?.value === frameworkId && !TERMINAL_TASK_STATES.has(t.state)) out.push({ taskId: t.task_id.value, state: t.state, agentId: t.agent_id?.value });
          }
        }
        return { kind: 'registered', master, connected: live.connected, tasks: out };
      }
      if ((frameworks.completed_frameworks ?? []).some((f) => f.framework_info.id?.value === frameworkId)) return { kind: 'removed', master };
      return { kind: 'unknown', master };
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  try {
    return await ask(record.masters);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // The saved leader may answer where the configured addresses do not (a master list that changed).
    if (record.leaderUrl && record.leaderUrl !== record.masters) {
      try { return await ask(record.leaderUrl); } catch { /* the first reason says more */ }
    }
    return { kind: 'unreachable', master, reason };
  }
}

/** The master's answer in words, for status lines and the tree. */
export function describePresence(p: FrameworkPresence, frameworkId: string): string {
  switch (p.kind) {
    case 'registered': return `the master knows framework ${frameworkId} (${p.connected ? 'connected' : 'no scheduler connected'}, ${p.tasks.length} task(s) running)`;
    case 'removed': return `the master at ${p.master} removed framework ${frameworkId} (torn down, or its failover timeout passed): nothing of it runs there`;
    case 'unknown': return `the master at ${p.master} answered and does not know framework ${frameworkId} (torn down, its failover timeout passed, or the master was rebuilt)`;
    case 'unreachable': return `no Mesos master at ${p.master} answered (${p.reason})`;
  }
}

/**
 * Notes in the store that the session is gone (the master answered and no longer knows its framework), or that it is not
 * gone after all. Only for a session no client drives: a driver saves its own record and would overwrite the note.
 */
export async function notePresence(store: SessionStore, record: SessionRecord, p: FrameworkPresence, frameworkId: string): Promise<SessionRecord> {
  if (p.kind === 'unreachable') return record;
  const gone = p.kind === 'removed' || p.kind === 'unknown';
  if (gone === !!record.gone) return record;
  const current = await store.load(record.name);
  if (!current || current.frameworkId !== frameworkId) return record;
  if (gone) current.gone = { at: Date.now(), master: p.master, reason: describePresence(p, frameworkId) };
  else delete current.gone;
  await store.save(current);
  return current;
}
