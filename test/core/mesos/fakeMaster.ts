// A tiny raw node:http Mesos master for tests that need exact control over statuses, headers and stream bytes.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { encodeRecord } from '../../../src/core/mesos/recordio';

export interface RecordedRequest { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; json?: Record<string, unknown>; socketPort: number }

export type Handler = (req: RecordedRequest, res: http.ServerResponse, master: FakeMaster) => void;

export class FakeMaster {
  readonly requests: RecordedRequest[] = [];
  /** Open SUBSCRIBE streams. */
  readonly streams: http.ServerResponse[] = [];
  onSubscribe: Handler = (req, res, m) => m.acceptSubscribe(req, res);
  onCall: Handler = (_req, res) => { res.writeHead(202, { 'content-length': '0' }); res.end(); };
  onOther: Handler = (_req, res) => { res.writeHead(404); res.end(); };
  frameworkCounter = 0;

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeMaster> {
    const server: http.Server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const master = new FakeMaster(server, `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try { json = body ? JSON.parse(body) as Record<string, unknown> : undefined; } catch { json = undefined; }
        const r: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json, socketPort: req.socket.remotePort ?? 0 };
        master.requests.push(r);
        if (req.url === '/api/v1/scheduler' && json?.type === 'SUBSCRIBE') master.onSubscribe(r, res, master);
        else if (req.url === '/api/v1/scheduler') master.onCall(r, res, master);
        else master.onOther(r, res, master);
      });
    });
    return master;
  }

  get port(): number { return Number(new URL(this.url).port); }

  calls(type?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url === '/api/v1/scheduler' && r.json?.type !== 'SUBSCRIBE' && (!type || r.json?.type === type));
  }

  subscribes(): RecordedRequest[] {
    return this.requests.filter((r) => r.json?.type === 'SUBSCRIBE');
  }

  /** 200 with a stream id, then SUBSCRIBED and a HEARTBEAT, as a real master does. */
  acceptSubscribe(req: RecordedRequest, res: http.ServerResponse, opts: { heartbeatSeconds?: number; streamId?: string } = {}): string {
    const streamId = opts.streamId ?? randomUUID();
    const fw = (req.json?.framework_id as { value?: string } | undefined)?.value ?? `fw-${++this.frameworkCounter}`;
    res.writeHead(200, { 'content-type': 'application/json', 'mesos-stream-id': streamId });
    this.streams.push(res);
    this.send(res, { type: 'SUBSCRIBED', subscribed: { framework_id: { value: fw }, heartbeat_interval_seconds: opts.heartbeatSeconds ?? 15, master_info: { id: 'm1', port: this.port, hostname: '127.0.0.1' } } });
    this.send(res, { type: 'HEARTBEAT' });
    return streamId;
  }

  send(res: http.ServerResponse, event: unknown): void {
    res.write(encodeRecord(JSON.stringify(event)));
  }

  sendRaw(res: http.ServerResponse, bytes: string | Buffer): void {
    res.write(bytes);
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Waits until predicate() holds, polling. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the arguments of the next `event` emitted by emitter. */
export function nextEvent<T extends unknown[]>(emitter: { once(e: string, l: (...a: T) => void): unknown }, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`)), timeoutMs);
    emitter.once(event, (...args: T) => { clearTimeout(timer); resolve(args); });
  });
}
