// Forgetting a saved session whose cluster is gone: only when no client drives it and its master is unreachable or no longer
// knows its framework. The verdict says which, and what it means for tasks that may still run, before anything is removed.
import * as fs from 'fs';
import * as os from 'os';
import { describePresence, frameworkPresence, type FrameworkPresence, type PresenceOptions } from './frameworkPresence';
import { controlPaths } from './sessionControlChannel';
import { SessionConflictError, SessionError } from './sessionErrors';
import { ownerIsAlive, type SessionRecord, type SessionStore } from './SessionStore';

export interface ForgetVerdict {
  record: SessionRecord;
  /** unreachable: tasks may still run there; unknown/removed/neverRegistered: nothing of it runs on the master. */
  why: 'unreachable' | 'unknown' | 'removed' | 'neverRegistered';
  presence?: FrameworkPresence;
  /** Whether tasks of the session may still be running somewhere after forgetting. */
  tasksMayRun: boolean;
  /** What forgetting means, for the confirmation and the CLI output. */
  message: string;
}

/**
 * Checks that `name` may be forgotten. Throws SessionConflictError while a client drives it, and SessionError('state')
 * when the master still knows its framework (stop it instead: forgetting would leave its tasks running unseen).
 */
export async function checkForget(store: SessionStore, name: string, options: PresenceOptions & { leaseStaleMs?: number } = {}): Promise<ForgetVerdict> {
  const record = await store.load(name);
  if (!record) throw new SessionError(`No session named "${name}" is saved.`, 'List the saved sessions with "flink-mesos session status".', 'notFound');
  if (record.owner && ownerIsAlive(record.owner, '', Date.now(), options.leaseStaleMs ?? 20000, os.hostname())) {
    throw new SessionConflictError(name, record.owner);
  }
  const frameworkId = record.frameworkId;
  if (!frameworkId) {
    return { record, why: 'neverRegistered', tasksMayRun: false, message: `The session "${name}" never registered with Mesos, so no task of it runs anywhere. Forgetting removes its saved record.` };
  }
  const presence = await frameworkPresence(record, frameworkId, options);
  const saved = record.tasks.map((t) => t.taskId);
  switch (presence.kind) {
    case 'registered':
      throw new SessionError(`The Mesos master still knows framework ${frameworkId} of session "${name}" (${presence.tasks.length} task(s) running), so it is not gone: ` +
        'forgetting it would leave them running unseen.', `Stop it with "flink-mesos session stop --name ${name}" (or attach to it) instead.`, 'state');
    case 'unreachable':
      return {
        record, why: 'unreachable', presence, tasksMayRun: saved.length > 0,
        message: `${capital(describePresence(presence, frameworkId))}. Forgetting removes only the saved record: if that cluster comes back, framework ${frameworkId}` +
          `${saved.length ? ` and its ${saved.length} task(s) (${saved.join(', ')})` : ''} may still run there until its failover timeout ` +
          `(${record.options.failoverTimeoutSeconds} s) passes. Tear it down from the master (POST /master/teardown with frameworkId=${frameworkId}) to end them sooner.`,
      };
    default:
      return {
        record, why: presence.kind, presence, tasksMayRun: false,
        message: `${capital(describePresence(presence, frameworkId))}: no task of it runs on that master. Forgetting removes the saved record.`,
      };
  }
}

/** Removes the saved record (and any socket or token a dead driver left); the name is free again. */
export async function forgetSession(store: SessionStore, verdict: ForgetVerdict, storeDir?: string): Promise<void> {
  await store.delete(verdict.record.name);
  if (storeDir) {
    const p = controlPaths(storeDir, verdict.record.name);
    await fs.promises.rm(p.socket, { force: true }).catch(() => undefined);
    await fs.promises.rm(p.token, { force: true }).catch(() => undefined);
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
