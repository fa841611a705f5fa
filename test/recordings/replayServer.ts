// A tiny HTTP server that answers with a recording: each request gets the recorded answer of the step chosen for its
// method and path, so the real client meets exactly what a real JobManager sent (status, content type, body).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedCall } from './restCall';

export interface ServedRequest { method: string; path: string; body: string }

function key(method: string, pathAndQuery: string): string {
  const url = new URL(pathAndQuery, 'http://x');
  const params = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
  const pathname = url.pathname.replace(/^\/v1(?=\/)/, '');
  return `${method.toUpperCase()} ${decodeURIComponent(pathname)}${params.length ? `?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
}

export class ReplayServer {
  readonly requests: ServedRequest[] = [];
  private readonly byKey = new Map<string, RecordedCall[]>();
  private server?: http.Server;
  url = '';

  constructor(private readonly calls: RecordedCall[]) {
    // By default a path answers as its first recorded call (GETs), and in turn for repeated steps.
    for (const c of calls) {
      const k = key(c.method, c.path);
      if (!this.byKey.has(k)) this.byKey.set(k, [c]);
    }
  }

  /** The recorded call of a step (throws naming the step when the recording has none). */
  step(name: string): RecordedCall {
    const c = this.calls.find((x) => x.step === name);
    if (!c) throw new Error(`the recording has no step "${name}"`);
    return c;
  }

  /** From now on, requests to these steps' method and path get these steps' answers, one after the other (the last repeats). */
  use(...steps: string[]): this {
    const groups = new Map<string, RecordedCall[]>();
    for (const s of steps) {
      const c = this.step(s);
      const k = key(c.method, c.path);
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    for (const [k, cs] of groups) this.byKey.set(k, cs);
    return this;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const p = req.url ?? '/';
        this.requests.push({ method: req.method ?? 'GET', path: p, body: Buffer.concat(chunks).toString('utf8') });
        const queue = this.byKey.get(key(req.method ?? 'GET', p));
        if (!queue) {
          res.writeHead(599, { 'content-type': 'text/plain' });
          return res.end(`the recording has no answer for ${key(req.method ?? 'GET', p)}`);
        }
        const c = queue.length > 1 ? queue.shift()! : queue[0];
        const text = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
        res.writeHead(c.status === 0 ? 500 : c.status, { ...c.headers, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
