// Raw HTTP for the stand-in's own tests: node:http with one connection per request, and a small private RecordIO
// reader (deliberately not the product's decoder, so the stand-in is checked independently of the scheduler code).
import * as assert from 'node:assert/strict';
import * as http from 'node:http';

export interface RawResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function rawRequest(url: string, req: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method ?? 'GET', headers: req.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** RecordIO: `<decimal byte count>\n<bytes>`, decoded on bytes. Feed it any slicing of the stream. */
export class TestRecordIoReader {
  private buf = Buffer.alloc(0);
  readonly records: Buffer[] = [];

  feed(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (true) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > 20) throw new Error('RecordIO: size line longer than 20 digits');
        return;
      }
      const sizeText = this.buf.subarray(0, nl).toString('ascii');
      if (!/^\d+$/.test(sizeText)) throw new Error(`RecordIO: bad size line '${sizeText}'`);
      const size = Number(sizeText);
      if (this.buf.length < nl + 1 + size) return;
      this.records.push(this.buf.subarray(nl + 1, nl + 1 + size));
      this.buf = this.buf.subarray(nl + 1 + size);
    }
  }

  get pending(): number { return this.buf.length; }
}

export interface StreamEvent { type: string; [k: string]: unknown; at: number }

export class EventStream {
  readonly events: StreamEvent[] = [];
  readonly chunks: Buffer[] = [];
  ended = false;
  private readonly reader = new TestRecordIoReader();
  private waiters: (() => void)[] = [];
  readonly started = Date.now();

  constructor(readonly response: http.IncomingMessage, private readonly request: http.ClientRequest) {
    response.on('data', (c: Buffer) => {
      this.chunks.push(c);
      if (response.statusCode !== 200) return; // an error body, not RecordIO
      this.reader.feed(c);
      while (this.reader.records.length > this.events.length) {
        const rec = this.reader.records[this.events.length];
        this.events.push({ ...(JSON.parse(rec.toString('utf8')) as { type: string }), at: Date.now() - this.started });
      }
      this.wake();
    });
    const end = (): void => { this.ended = true; this.wake(); };
    response.on('end', end);
    response.on('close', end);
    response.on('error', end);
  }

  get status(): number { return this.response.statusCode ?? 0; }
  get streamId(): string { return String(this.response.headers['mesos-stream-id'] ?? ''); }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits for the first event (from index `from`) matching `pred`. */
  async next(pred: (e: StreamEvent) => boolean, timeoutMs = 5000, from = 0): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.events.slice(from).find(pred);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended without the expected event; got ${this.events.map((e) => e.type).join(', ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  async waitEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('stream did not end');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): void {
    this.request.destroy();
    this.response.destroy();
  }
}

export function openSubscribe(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const u = new URL('/api/v1/scheduler', baseUrl);
    const all: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...headers };
    for (const k of Object.keys(all)) if (all[k] === '') delete all[k]; // '' drops a default header
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: all,
    }, (res) => resolve(new EventStream(res, req)));
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

export function frameworkInfo(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { user: 'root', name, failover_timeout: 30, capabilities: [{ type: 'TASK_KILLING_STATE' }], ...extra };
}

/** A subscribed framework with helpers for calls on its stream. */
export class TestFramework {
  constructor(readonly baseUrl: string, readonly stream: EventStream, readonly id: string) {}

  static async subscribe(baseUrl: string, info: Record<string, unknown>, headers: Record<string, string> = {}): Promise<TestFramework> {
    const s = await openSubscribe(baseUrl, { ...(info.id ? { framework_id: info.id } : {}), type: 'SUBSCRIBE', subscribe: { framework_info: info } }, headers);
    if (s.status !== 200) {
      await s.waitEnd().catch(() => undefined);
      throw new Error(`SUBSCRIBE answered ${s.status}: ${Buffer.concat(s.chunks).toString('utf8')}`);
    }
    const sub = await s.next((e) => e.type === 'SUBSCRIBED');
    return new TestFramework(baseUrl, s, ((sub.subscribed as { framework_id: { value: string } }).framework_id.value));
  }

  call(call: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawResponse> {
    return rawRequest(`${this.baseUrl}/api/v1/scheduler`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Mesos-Stream-Id': this.stream.streamId, ...headers },
      body: JSON.stringify({ framework_id: { value: this.id }, ...call }),
    });
  }

  async offers(timeoutMs = 5000, from = 0): Promise<OfferJson[]> {
    const e = await this.stream.next((x) => x.type === 'OFFERS', timeoutMs, from);
    return (e.offers as { offers: OfferJson[] }).offers;
  }

  updates(taskId?: string): StatusJson[] {
    return this.stream.events.filter((e) => e.type === 'UPDATE').map((e) => (e.update as { status: StatusJson }).status)
      .filter((s) => taskId === undefined || s.task_id.value === taskId);
  }

  async update(pred: (s: StatusJson) => boolean, timeoutMs = 5000): Promise<StatusJson> {
    const e = await this.stream.next((x) => x.type === 'UPDATE' && pred((x.update as { status: StatusJson }).status), timeoutMs);
    return (e.update as { status: StatusJson }).status;
  }

  ack(s: StatusJson): Promise<RawResponse> {
    return this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
  }

  launch(offer: OfferJson, tasks: Record<string, unknown>[], refuseSeconds = 1): Promise<RawResponse> {
    return this.call({
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: refuseSeconds } },
    });
  }
}

export interface OfferJson {
  id: { value: string };
  agent_id: { value: string };
  hostname: string;
  url: { scheme: string; address: { hostname: string; ip: string; port: number }; path: string };
  resources: { name: string; type: string; scalar?: { value: number }; ranges?: { range: { begin: number; end: number }[] } }[];
  attributes?: unknown[];
  allocation_info?: { role: string };
}

export interface StatusJson {
  task_id: { value: string };
  state: string;
  message?: string;
  source?: string;
  reason?: string;
  agent_id?: { value: string };
  uuid?: string;
  [k: string]: unknown;
}

export function commandTask(id: string, agentId: string, command: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: id, task_id: { value: id }, agent_id: { value: agentId }, command,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }, { name: 'mem', type: 'SCALAR', scalar: { value: 32 } }],
    ...extra,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True while a process exists. */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** True while the process (or, for a negative number, any process of that group) exists; false once kill(0) says ESRCH. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * True once no process of the group is left. A grandchild (the `sleep` under `sh -c`) gets the same signal as its
 * group leader but may still be exiting, or waiting for init to reap it, when the leader's exit is seen: allow 2 s.
 */
export async function groupGone(pgid: number, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (exists(-pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * For every test file's after(): records the cluster's task processes, stops it, and checks that each process and its
 * whole process group are gone (ESRCH). Returns the pids that were running before the stop.
 */
export async function stopWithoutStrays(cluster: { runningPids(): number[]; stop(): Promise<void> }): Promise<number[]> {
  const pids = cluster.runningPids();
  await cluster.stop();
  for (const pid of pids) {
    assert.equal(exists(pid), false, `task process ${pid} is still running after the cluster stopped`);
    assert.ok(await groupGone(pid), `a process of task group ${pid} is still running 2 s after the cluster stopped`);
  }
  assert.deepEqual(cluster.runningPids(), [], 'the stopped cluster still lists running task processes');
  return pids;
}
