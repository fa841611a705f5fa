// The part of undici the extension uses (Agent, Pool and request), without the rest of the package.
// `import ... from 'undici'` bundles all of undici (fetch, WebSocket, cache stores, mocks: ~535 KB minified); these four
// modules are what Agent, Pool and Dispatcher#request need (~300 KB). The methods request/stream/... are put on
// Dispatcher.prototype here exactly as undici's index.js does. Types still come from 'undici'.
import type { Dispatcher as DispatcherType } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent';
import PoolClass from 'undici/lib/dispatcher/pool';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher';
import api from 'undici/lib/api';

Object.assign(DispatcherClass.prototype, api);

export const Agent = AgentClass;
export type Agent = AgentClass;
export const Pool = PoolClass;
export type Pool = PoolClass;
export type { Dispatcher } from 'undici';

/** undici's `request(url, opts)` options: the request options without origin/path, plus the dispatcher to send through. */
export type RequestOptions = Omit<DispatcherType.RequestOptions, 'origin' | 'path' | 'method'> &
  Partial<Pick<DispatcherType.RequestOptions, 'method' | 'path'>> & { dispatcher?: DispatcherType };

let defaultAgent: AgentClass | undefined;

/** The Agent used when a request names no dispatcher (created on first use, shared). */
export function defaultDispatcher(): AgentClass {
  defaultAgent ??= new AgentClass();
  return defaultAgent;
}

/**
 * undici's top-level `request`: origin and path from the URL (or `opts.path` on the URL's origin), sent through
 * `opts.dispatcher` or a shared Agent; the method defaults as in undici (PUT with a body, else GET).
 */
export function request(url: string | URL, opts: RequestOptions = {}): Promise<DispatcherType.ResponseData> {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('request: the URL must be a string or a URL');
  let target = new URL(url);
  if (opts.path != null) target = new URL(opts.path.startsWith('/') ? opts.path : `/${opts.path}`, target.origin);
  const { dispatcher = defaultDispatcher(), ...rest } = opts;
  return dispatcher.request({
    ...rest,
    origin: target.origin,
    path: target.search ? `${target.pathname}${target.search}` : target.pathname,
    method: opts.method || (opts.body ? 'PUT' : 'GET'),
  });
}
