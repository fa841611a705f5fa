// Test helpers: an in-process stand-in cluster (JobManager + TaskManagers) and small REST helpers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobManager } from './JobManager';
import { TaskManager } from './TaskManager';
import { ProcessLog } from './ProcessLog';
import { FlinkConfiguration } from './standinConfiguration';

export interface InProcessCluster {
  jm: JobManager;
  tms: TaskManager[];
  url: string;
  dir: string;
  addTaskManager(conf?: FlinkConfiguration): Promise<TaskManager>;
  stop(): Promise<void>;
}

/** Starts a JobManager and `taskManagers` TaskManagers in this process, on ephemeral loopback ports, logs in a temp dir. */
export async function startInProcessCluster(opts: { conf?: FlinkConfiguration; taskManagers?: number; tmConf?: FlinkConfiguration } = {}): Promise<InProcessCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-standin-test-'));
  const base: FlinkConfiguration = {
    'jobmanager.rpc.address': '127.0.0.1',
    'jobmanager.rpc.port': '0',
    'rest.port': '0',
    'heartbeat.interval': '100',
    'heartbeat.timeout': '2000',
    'web.tmpdir': dir,
    ...opts.conf,
  };
  const jm = await JobManager.start({ configuration: base, log: new ProcessLog(path.join(dir, 'jm-log'), 'standalonesession', false) });
  const tms: TaskManager[] = [];
  let n = 0;
  const addTaskManager = async (conf: FlinkConfiguration = {}): Promise<TaskManager> => {
    const i = n++;
    const tm = await TaskManager.start({
      configuration: {
        'jobmanager.rpc.address': '127.0.0.1',
        'jobmanager.rpc.port': String(jm.rpcPort),
        'taskmanager.host': '127.0.0.1',
        'taskmanager.resource-id': `tm-${i}`,
        'heartbeat.interval': base['heartbeat.interval'],
        'standin.flink-version': base['standin.flink-version'] ?? '1.19.1',
        ...opts.tmConf,
        ...conf,
      },
      log: new ProcessLog(path.join(dir, `tm-log-${i}`), 'taskexecutor', false),
    });
    tms.push(tm);
    return tm;
  };
  for (let i = 0; i < (opts.taskManagers ?? 1); i++) await addTaskManager();
  if (tms.length > 0) await waitFor(async () => (await getJson<{ taskmanagers: number }>(`${jm.restUrl}/overview`)).body.taskmanagers === tms.length, 5000, 'TaskManagers to register');
  return {
    jm,
    tms,
    url: jm.restUrl,
    dir,
    addTaskManager,
    async stop() {
      await Promise.all(tms.map((t) => t.stop()));
      for (const t of tms) t.log.close();
      await jm.stop();
      jm.log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

export async function request<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // plain text answer (logs)
  }
  return { status: res.status, body: parsed as T };
}

export function getJson<T = unknown>(url: string): Promise<JsonAnswer<T>> {
  return request<T>('GET', url);
}

/** Uploads with a real file name and the jar content type, as the notes recommend. */
export async function uploadJar(baseUrl: string, file: string, fieldName = 'jarfile', extra?: (form: FormData) => void): Promise<JsonAnswer<{ filename: string; status: string; errors?: string[] }>> {
  const form = new FormData();
  form.append(fieldName, new Blob([fs.readFileSync(file)], { type: 'application/x-java-archive' }), path.basename(file));
  extra?.(form);
  const res = await fetch(`${baseUrl}/jars/upload`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as { filename: string; status: string; errors?: string[] } };
}

export function jarIdOf(filename: string): string {
  return path.basename(filename);
}

/** The first line of an error string: Flink 1.15+ puts a whole stack trace in it. */
export function firstLine(error: string): string {
  return error.split('\n')[0];
}
