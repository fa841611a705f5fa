// A tiny raw node:http server for unit tests of the REST client: each test installs the answers it needs.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export class FakeJobManager {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<FakeJobManager> {
    const holder: { jm?: FakeJobManager } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        holder.jm!.requests.push(rec);
        void holder.jm!.dispatch(rec, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    holder.jm = new FakeJobManager(server, `http://127.0.0.1:${port}`);
    return holder.jm;
  }

  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  json(method: string, path: string | RegExp, status: number, body: unknown): this {
    return this.on(method, path, (_req, res) => sendJson(res, status, body));
  }

  private async dispatch(req: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const pathname = req.url.split('?')[0];
    const route = this.routes.find((r) => r.method === req.method && (typeof r.path === 'string' ? r.path === pathname : r.path.test(pathname)));
    if (!route) return sendJson(res, 404, { errors: [`Not found: ${pathname}`] });
    try {
      await route.handler(req, res);
    } catch (err) {
      sendJson(res, 500, { errors: ['Internal server error.', String(err)] });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
