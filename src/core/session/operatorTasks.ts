// The few operator API reads the session needs: which tasks of a framework the master still lists, and whether it knows the framework.
import { request } from 'undici';
import { basicAuthorization, type Credentials } from '../mesos/http';
import { TERMINAL_TASK_STATES, type TaskState } from '../mesos/types';

export interface MasterTask { taskId: string; state: TaskState; agentId?: string; frameworkId: string }

export interface OperatorApi {
  /** Tasks of the framework that the master does not consider ended. */
  liveTasks(frameworkId: string): Promise<MasterTask[]>;
}

interface GetTasksAnswer {
  get_tasks?: Record<string, { task_id: { value: string }; framework_id: { value: string }; agent_id?: { value: string }; state: TaskState }[] | undefined>;
}

export function httpOperatorApi(leaderUrl: () => string | undefined, credentials?: Credentials, timeoutMs = 10000): OperatorApi {
  return {
    async liveTasks(frameworkId) {
      const base = leaderUrl();
      if (!base) throw new Error('No leading Mesos master is known, so its task list cannot be read.');
      const res = await request(`${base}/api/v1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...basicAuthorization(credentials) },
        body: JSON.stringify({ type: 'GET_TASKS' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET_TASKS at ${base} answered ${res.statusCode}: ${text.slice(0, 200)}`);
      const answer = JSON.parse(text) as GetTasksAnswer;
      const out: MasterTask[] = [];
      for (const list of Object.values(answer.get_tasks ?? {})) {
        for (const t of list ?? []) {
          if (t.framework_id?.value !== frameworkId || TERMINAL_TASK_STATES.has(t.state)) continue;
          out.push({ taskId: t.task_id.value, state: t.state, agentId: t.agent_id?.value, frameworkId });
        }
      }
      return out;
    },
  };
}
