// Helpers for end-to-end session tests against the Mesos and Flink stand-ins.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { request } from 'undici';
import { MesosCluster, type MesosClusterOptions } from '../../standin/mesos/MesosCluster';
import { FlinkSession, type FlinkSessionDeps, type SessionTimings } from '../../../src/core/session/FlinkSession';
import { FileSessionStore } from '../../../src/core/session/SessionStore';
import { validateSessionOptions, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';
import type { Logger } from '../../../src/core/log';

export const FAST: Partial<SessionTimings> = {
  flinkPollMs: 150, runningPollMs: 500, reconcileInitialMs: 300, reconcileMaxMs: 2000, subscribeTimeoutMs: 8000,
  stopVerifyTimeoutMs: 10000, leaseHeartbeatMs: 300, leaseStaleMs: 3000, tickMs: 200, launchReconcileMs: 5000,
  heartbeatMissedIntervals: 3, backoffInitialMs: 100, backoffMaxMs: 1000, callTimeoutMs: 3000, connectTimeoutMs: 2000, flinkTimeoutMs: 2000,
};

export function testLogger(lines: string[] = []): Logger {
  const add = (level: string) => (m: string): void => { lines.push(`${level} ${m}`); if (process.env.SESSION_TEST_LOG) process.stderr.write(`${level} ${m}\n`); };
  return { debug: add('debug'), info: add('info'), warn: add('warn'), error: add('error') };
}

export async function startCluster(opts: MesosClusterOptions = {}): Promise<MesosCluster> {
  return MesosCluster.start({ heartbeatSeconds: 1, allocationIntervalMs: 100, updateRetryMs: 1000, killGracePeriodMs: 500, ...opts });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function deps(storeDir: string, extra: Partial<FlinkSessionDeps> = {}): FlinkSessionDeps {
  return { store: new FileSessionStore(storeDir), log: testLogger(), timings: FAST, ...extra };
}

export async function newSession(cluster: MesosCluster, storeDir: string, input: Partial<SessionOptionsInput>, extra: Partial<FlinkSessionDeps> = {}): Promise<FlinkSession> {
  const validated = validateSessionOptions({
    master: cluster.masterUrls.map((u) => u.replace(/^http:\/\//, '')).join(','), flink: { kind: 'home', path: cluster.flinkHome },
    taskManagerMemoryMb: 1024, jobManagerMemoryMb: 1024, ...input,
  });
  return FlinkSession.create(validated, deps(storeDir, extra));
}

interface OperatorTask { task_id: { value: string }; framework_id: { value: string }; state: string; agent_id: { value: string }; resources: { name: string; ranges?: { range: { begin: number; end: number }[] } }[] }

/** Tasks of the framework the master lists as not ended. */
export async function liveTasks(cluster: MesosCluster, frameworkId: string | undefined): Promise<OperatorTask[]> {
  const answer = await cluster.operator<{ get_tasks: Record<string, OperatorTask[] | undefined> }>({ type: 'GET_TASKS' });
  const terminal = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);
  const out: OperatorTask[] = [];
  for (const list of Object.values(answer.get_tasks ?? {})) for (const t of list ?? []) if (t.framework_id.value === frameworkId && !terminal.has(t.state)) out.push(t);
  return out;
}

export async function flinkGet<T>(baseUrl: string, p: string): Promise<T> {
  const res = await request(baseUrl + p, { signal: AbortSignal.timeout(5000) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${p}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}`);
}

interface OperatorFramework { framework_info: { id?: { value: string }; name: string; user: string; labels?: { labels: { key: string; value?: string }[] } } }

/** The frameworks the master lists for a session (by its label): those still registered, and those it has removed. */
export async function sessionFrameworks(cluster: MesosCluster, session: string): Promise<{ registered: OperatorFramework[]; completed: OperatorFramework[] }> {
  const answer = await cluster.operator<{ get_frameworks: { frameworks?: OperatorFramework[]; completed_frameworks?: OperatorFramework[] } }>({ type: 'GET_FRAMEWORKS' });
  const ours = (f: OperatorFramework): boolean => (f.framework_info.labels?.labels ?? []).some((l) => l.key === 'flink-mesos.session' && l.value === session);
  return { registered: (answer.get_frameworks.frameworks ?? []).filter(ours), completed: (answer.get_frameworks.completed_frameworks ?? []).filter(ours) };
}

/**
 * Nothing of the session is left on the master (asked through the operator API): GET_FRAMEWORKS lists no framework of it
 * still registered, GET_TASKS no live task of any framework it ever had. Returns the ids of its removed frameworks.
 */
export async function nothingLeftOnMaster(cluster: MesosCluster, session: string): Promise<string[]> {
  const { registered, completed } = await sessionFrameworks(cluster, session);
  if (registered.length > 0) throw new Error(`GET_FRAMEWORKS still lists framework(s) of session ${session}: ${registered.map((f) => f.framework_info.id?.value).join(', ')}`);
  const ids = completed.map((f) => f.framework_info.id?.value ?? '');
  for (const id of ids) {
    const live = await liveTasks(cluster, id);
    if (live.length > 0) throw new Error(`GET_TASKS lists live task(s) of session ${session}: ${live.map((t) => `${t.task_id.value} ${t.state}`).join(', ')}`);
  }
  return ids;
}
