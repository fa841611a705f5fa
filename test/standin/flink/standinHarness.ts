// Test helpers: an in-process stand-in cluster (JobManager + TaskManagers) and small REST helpers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobManager } from './JobManager';
import { TaskManager } from './TaskManager';
import { ProcessLog } from './ProcessLog';
import { FlinkConfiguration } from './standinConfiguration';
import { SpecValidator, type Json } from './specSchemas';

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
  flinkVersionOfOrigin.set(new URL(jm.restUrl).origin, base['standin.flink-version'] ?? '1.19.1');
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

// ---------------------------------------------------------------- spec validation of every answer

let specValidator: SpecValidator | undefined;
/** The Flink version each in-process JobManager emulates (by origin); others are taken as the spec's 1.19. */
const flinkVersionOfOrigin = new Map<string, string>();

/** Answers that differ from flink-rest-v1.19.yml on purpose, as ../shared/notes/flink-rest-api.md documents (each has its own test). */
const SPEC_DEVIATIONS: { method: string; template: string; why: string; schema?: Json }[] = [
  // Flink's MetricCollectionResponseBody is serialized as a bare array, not the {"metrics": [...]} the spec shows.
  { method: 'get', template: '/taskmanagers/{taskmanagerid}/metrics', why: 'metrics are a bare array [{id, value}]', schema: { type: 'array', items: { $ref: '#/components/schemas/Metric' } } },
  { method: 'get', template: '/jobmanager/metrics', why: 'metrics are a bare array [{id, value}]', schema: { type: 'array', items: { $ref: '#/components/schemas/Metric' } } },
  // The fields actually sent differ from the spec's schema (hyphenated names, serialized accumulators): see the execution-result test.
  { method: 'get', template: '/jobs/{jobid}/execution-result', why: 'the execution-result deviation (restApi.test.ts tests its real shape)' },
];

/**
 * Validates a 2xx JSON answer against the spec entry for its path and method (or the documented deviation), so that no
 * answer a test receives escapes validation. Throws naming the request when the spec has no entry for it.
 */
export function validateAgainstSpec(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  if (status < 200 || status >= 300 || !/json/i.test(contentType ?? '')) return;
  specValidator ??= new SpecValidator();
  const target = new URL(url);
  const pathname = target.pathname.replace(/\/+$/, '').replace(/^\/v1(?=\/|$)/, '') || '/';
  const template = specValidator.template(pathname);
  const m = method.toLowerCase();
  const what = `${method.toUpperCase()} ${target.pathname}`;
  if (!template) throw new Error(`${what} answered ${status} with JSON, but the spec has no such path: every answer must be described by flink-rest-v1.19.yml`);
  const deviation = SPEC_DEVIATIONS.find((d) => d.method === m && d.template === template);
  if (deviation) {
    if (deviation.schema) specValidator.inline(`${m} ${template}`, deviation.schema, body, `${what} (${deviation.why})`);
    return;
  }
  const version = flinkVersionOfOrigin.get(target.origin) ?? '1.19.1';
  let checked = body;
  // Documented version differences: the plan is a string before 1.19, and old JobManagers answer GET on /jars/:id/plan.
  if (!/^1\.(19|[2-9]\d)|^[2-9]\./.test(version) && template === '/jobs/{jobid}' && body && typeof (body as { plan?: unknown }).plan === 'string') {
    checked = { ...(body as object), plan: JSON.parse((body as { plan: string }).plan) as unknown };
  }
  const specMethod = m === 'get' && template === '/jars/{jarid}/plan' && !specValidator.has('get', template) ? 'post' : m;
  if (!specValidator.has(specMethod, template)) throw new Error(`${what} answered ${status} with JSON, but the spec has no ${method.toUpperCase()} ${template}`);
  if (!specValidator.hasJsonAnswer(specMethod, template)) {
    // No answer schema in the spec: Flink's EmptyResponseBody, serialized as {}.
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0) {
      throw new Error(`${what} answered ${JSON.stringify(body).slice(0, 200)}; the spec describes no answer body (Flink sends {})`);
    }
    return;
  }
  specValidator.response(specMethod, template, checked);
}

/** A request with a JSON (or text) answer; every 2xx JSON answer is validated against the spec (validateAgainstSpec). */
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
  validateAgainstSpec(method, url, res.status, res.headers.get('content-type'), parsed);
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
  const body = (await res.json()) as { filename: string; status: string; errors?: string[] };
  validateAgainstSpec('POST', `${baseUrl}/jars/upload`, res.status, res.headers.get('content-type'), body);
  return { status: res.status, body };
}

export function jarIdOf(filename: string): string {
  return path.basename(filename);
}

/** The first line of an error string: Flink 1.15+ puts a whole stack trace in it. */
export function firstLine(error: string): string {
  return error.split('\n')[0];
}
