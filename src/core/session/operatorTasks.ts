// The few operator API reads the session needs: which tasks of a framework the master still lists.
// Goes through OperatorClient, so TLS options, credentials and redirects to a new leader apply as for every other call.
import { OperatorClient, type OperatorTask } from '../mesos/OperatorClient';
import type { Credentials, TlsOptions } from '../mesos/http';
import { silentLogger, type Logger } from '../log';
import { TERMINAL_TASK_STATES, type TaskState } from '../mesos/types';

export interface MasterTask { taskId: string; state: TaskState; agentId?: string; frameworkId: string }

export interface OperatorApi {
  /** Tasks of the framework that the master does not consider ended. */
  liveTasks(frameworkId: string): Promise<MasterTask[]>;
  /** Releases connections (optional: stubs need none). */
  close?(): Promise<void>;
}

export interface OperatorTasksOptions {
  credentials?: Credentials;
  tls?: TlsOptions;
  /** Per call; also the connect timeout. Default 10000. */
  timeoutMs?: number;
  log?: Logger;
}

/** Asks the leader `leaderUrl()` names at the time of each call (one client per leader, kept until it changes or close()). */
export function httpOperatorApi(leaderUrl: () => string | undefined, options: OperatorTasksOptions = {}): OperatorApi {
  const timeoutMs = options.timeoutMs ?? 10000;
  let client: OperatorClient | undefined;
  let clientBase: string | undefined;
  const clientFor = (base: string): OperatorClient => {
    if (client && clientBase === base) return client;
    void client?.close().catch(() => undefined);
    clientBase = base;
    client = new OperatorClient({ masters: base, credentials: options.credentials, tls: options.tls, log: options.log ?? silentLogger, timeoutMs, connectTimeoutMs: timeoutMs });
    return client;
  };
  return {
    async liveTasks(frameworkId) {
      const base = leaderUrl();
      if (!base) throw new Error('No leading Mesos master is known, so its task list cannot be read.');
      const answer = await clientFor(base).getTasks();
      const out: MasterTask[] = [];
      const lists: (OperatorTask[] | undefined)[] = [answer.tasks, answer.pending_tasks, answer.unreachable_tasks, answer.orphan_tasks, answer.completed_tasks];
      for (const list of lists) {
        for (const t of list ?? []) {
          if (t.framework_id?.value !== frameworkId || TERMINAL_TASK_STATES.has(t.state)) continue;
          out.push({ taskId: t.task_id.value, state: t.state, agentId: t.agent_id?.value, frameworkId });
        }
      }
      return out;
    },
    async close() {
      const c = client;
      client = clientBase = undefined;
      await c?.close().catch(() => undefined);
    },
  };
}
