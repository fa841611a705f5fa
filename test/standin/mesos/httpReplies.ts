// Response writers with the exact header sets a Mesos 1.12 master sends (recorded: Date first, no Connection header).
import type { ServerResponse } from 'node:http';
import { toMesosJson } from './mesosJson';

type Header = [string, string];

function head(res: ServerResponse, status: number, headers: Header[]): void {
  res.sendDate = false;
  res.removeHeader('Connection');
  const flat: string[] = ['Date', new Date().toUTCString()];
  for (const [k, v] of headers) flat.push(k, v);
  res.writeHead(status, flat);
}

/** An error with a text/plain body, e.g. 400 "Framework cannot be found". */
export function replyText(res: ServerResponse, status: number, body: string, extra: Header[] = []): void {
  const buf = Buffer.from(body, 'utf8');
  head(res, status, [...extra, ['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(buf.length)]]);
  res.end(buf);
}

/** 202 Accepted, 307 with Location, operator TEARDOWN 200: no Content-Type, Content-Length 0. */
export function replyEmpty(res: ServerResponse, status: number, extra: Header[] = []): void {
  head(res, status, [...extra, ['Content-Length', '0']]);
  res.end();
}

export function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const buf = Buffer.from(toMesosJson(value), 'utf8');
  head(res, status, [['Content-Type', 'application/json'], ['Content-Length', String(buf.length)]]);
  res.end(buf);
}

/** Opens a SUBSCRIBE stream: chunked, Mesos-Stream-Id, application/json, and nothing else. */
export function openStream(res: ServerResponse, streamId: string): void {
  head(res, 200, [['Transfer-Encoding', 'chunked'], ['Mesos-Stream-Id', streamId], ['Content-Type', 'application/json']]);
}

export const methodNotAllowed = (res: ServerResponse, method: string): void =>
  replyText(res, 405, `405 Method Not Allowed. Expecting one of { 'POST' }, but received '${method}'.`, [['Allow', 'POST']]);

/** 401 as recorded: Content-Type, then WWW-Authenticate, then Content-Length. */
export function unauthorized(res: ServerResponse): void {
  const body = '401 Unauthorized.';
  head(res, 401, [['Content-Type', 'text/plain; charset=utf-8'], ['WWW-Authenticate', 'Basic realm="mesos-master-scheduler"'], ['Content-Length', String(body.length)]]);
  res.end(body);
}
