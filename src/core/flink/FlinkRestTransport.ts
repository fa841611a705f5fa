// One Flink JobManager's REST endpoint: its connection pool, the calls' timeouts and retries, and the mapping of
// failures to errors that name the problem and the fix. FlinkRestClient builds the typed calls on it.
import { Pool, type Dispatcher } from '../http/undici';
import type { Logger } from '../log';
import { redact, silentLogger } from '../log';
import { FlinkRestError, summarizeFlinkErrors } from './FlinkRestError';
import { flinkFailureFix } from './flinkFailureFix';
import { httpToHttpsProblem, restTlsProblem, speaksTls } from './restTls';
import type { TlsOptions } from '../mesos/http';

export interface FlinkRestClientOptions {
  /** Time allowed for the answer's headers and between body chunks of every call. Default 10000. */
  timeoutMs?: number;
  /** Time allowed to open a connection. Default 5000. */
  connectTimeoutMs?: number;
  /** Extra attempts for idempotent reads (GET) after a network failure, a timeout or 502/503/504. Default 2. */
  retries?: number;
  /** First retry delay, doubled each time. Default 200. */
  retryBaseMs?: number;
  /** Connections kept to the JobManager. Default 4. */
  connections?: number;
  /** Uploads get timeoutMs plus this much per MiB of jar. Default 1000 (assumes at least 1 MiB/s). */
  uploadMsPerMiB?: number;
  /** For an https JobManager: the CA its REST certificate is verified against (default: the system's CAs). */
  tls?: TlsOptions;
  log?: Logger;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  timeoutMs?: number;
}

/** A request body: undici's, or an async iterable of chunks (the jar upload), each taken once the previous one is sent. */
export type RequestBody = Dispatcher.DispatchOptions['body'] | AsyncIterable<Buffer>;

const DEFAULT_LOG_MAX_BYTES = 8 * 1024 * 1024;

/** Turns what a user typed ("host:port", "http://host:port/", ".../v1") into the JobManager's base URL. */
export function normalizeJobManagerUrl(input: string): string {
  const text = input.trim();
  if (text === '') throw new Error('The JobManager address is empty. Give it as host:port (its REST port, rest.port, 8081 by default).');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`The JobManager address "${text}" is not a valid host:port or http(s) URL. Give it as host:port, e.g. 10.0.0.5:8081.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The JobManager address "${text}" uses ${url.protocol}; Flink's REST API speaks http or https. Give it as host:port or http(s)://host:port.`);
  }
  if (!url.hostname) throw new Error(`The JobManager address "${text}" has no host. Give it as host:port.`);
  // A bare host means Flink's default REST port, not port 80.
  if (url.port === '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) url.port = '8081';
  let pathname = url.pathname.replace(/\/+$/, '');
  if (pathname.endsWith('/v1')) pathname = pathname.slice(0, -3);
  return `${url.protocol}//${url.host}${pathname}`;
}

export class FlinkRestTransport {
  /** Base URL without a trailing slash, e.g. http://10.0.0.5:8081 */
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  protected readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  protected readonly uploadMsPerMiB: number;
  protected readonly log: Logger;
  private closed = false;

  constructor(baseUrl: string, options: FlinkRestClientOptions = {}) {
    this.baseUrl = normalizeJobManagerUrl(baseUrl);
    const url = new URL(this.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname === '/' ? '' : url.pathname;
    this.timeoutMs = options.timeoutMs ?? 10000;
    this.retries = options.retries ?? 2;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.uploadMsPerMiB = options.uploadMsPerMiB ?? 1000;
    this.log = options.log ?? silentLogger;
    this.pool = new Pool(this.origin, {
      connections: options.connections ?? 4,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Verified unless the caller turns it off, as for the Mesos masters (mesos/http.ts).
      ...(url.protocol === 'https:' ? { connect: { rejectUnauthorized: options.tls?.rejectUnauthorized ?? true, ...(options.tls?.ca ? { ca: options.tls.ca } : {}) } } : {}),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4000,
    });
  }

  /** Closes the connection pool; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // destroy, not close: pending calls end now rather than holding the process up.
    await this.pool.destroy().catch(() => undefined);
  }


  getJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.withRetries(`GET ${path}`, () => this.requestJson<T>('GET', path, { query: options.query, timeoutMs: options.timeoutMs }));
  }

  /** A POST whose JSON answer is wanted (operation triggers outside the job routes, e.g. savepoint disposal). */
  postJson<T>(path: string, json: unknown, options: RequestOptions = {}): Promise<T> {
    return this.requestJson<T>('POST', path, { json, timeoutMs: options.timeoutMs });
  }

  /** A plain-text answer (logs), keeping only its last maxBytes. */
  getText(path: string, maxBytes = DEFAULT_LOG_MAX_BYTES, options: RequestOptions = {}): Promise<string> {
    return this.withRetries(`GET ${path}`, async () => {
      const { statusCode, headers, body, endpoint } = await this.send('GET', path, { query: options.query, timeoutMs: options.timeoutMs });
      if (statusCode >= 400) throw await this.httpError(endpoint, statusCode, headers, body);
      const contentType = headerValue(headers, 'content-type');
      const text = await readTail(body, maxBytes);
      if (/text\/html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text)) throw this.notFlinkError(endpoint, 'answered with an HTML page');
      return text;
    });
  }

  /** A call whose answer body is ignored; errors are mapped as for every call. */
  async request(method: Dispatcher.HttpMethod, path: string, options: RequestOptions = {}): Promise<void> {
    const run = async (): Promise<void> => {
      const { statusCode, headers, body, endpoint } = await this.send(method, path, { query: options.query, json: options.json, timeoutMs: options.timeoutMs });
      if (statusCode >= 400) throw await this.httpError(endpoint, statusCode, headers, body);
      const contentType = headerValue(headers, 'content-type');
      const text = await readTail(body, 64 * 1024);
      if (/text\/html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text)) throw this.notFlinkError(endpoint, 'answered with an HTML page');
    };
    return method === 'GET' ? this.withRetries(`GET ${path}`, run) : run();
  }

  protected async requestJson<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    options: RequestOptions & { headers?: Record<string, string>; body?: RequestBody; signal?: AbortSignal },
  ): Promise<T> {
    const { statusCode, headers, body, endpoint } = await this.send(method, path, options);
    if (statusCode >= 400) throw await this.httpError(endpoint, statusCode, headers, body);
    const text = await readTail(body, Number.MAX_SAFE_INTEGER);
    const contentType = headerValue(headers, 'content-type');
    if (/text\/html/i.test(contentType) || /^\s*<(!doctype|html)/i.test(text)) throw this.notFlinkError(endpoint, 'answered with an HTML page');
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      this.log.debug(`${endpoint} on ${this.baseUrl} answered non-JSON: ${redact(text.slice(0, 500))}`);
      throw this.notFlinkError(endpoint, 'answered something that is not JSON');
    }
  }

  private async send(
    method: Dispatcher.HttpMethod,
    path: string,
    options: RequestOptions & { headers?: Record<string, string>; body?: RequestBody; signal?: AbortSignal },
  ): Promise<{ statusCode: number; headers: Dispatcher.ResponseData['headers']; body: Dispatcher.ResponseData['body']; endpoint: string }> {
    const endpoint = `${method} ${path}`;
    if (this.closed) throw new Error(`The Flink REST client for ${this.baseUrl} is closed.`);
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9', ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const started = Date.now();
    try {
      const response = await this.pool.request({
        method,
        path: this.basePath + path + queryString(options.query),
        headers,
        // undici sends async iterables (its documented body types), though its typings do not list them.
        body: body as Dispatcher.DispatchOptions['body'],
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: options.signal,
      });
      this.log.debug(`${endpoint} on ${this.baseUrl}: HTTP ${response.statusCode} in ${Date.now() - started} ms`);
      if (response.statusCode >= 300 && response.statusCode < 400) throw await this.redirectError(endpoint, response);
      return { statusCode: response.statusCode, headers: response.headers, body: response.body, endpoint };
    } catch (err) {
      throw await this.tlsError(endpoint, err) ?? this.networkError(endpoint, err, timeoutMs);
    }
  }

  private async withRetries<T>(endpoint: string, attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        const retryable =
          err instanceof FlinkRestError &&
          (err.kind === 'refused' || err.kind === 'timeout' || err.kind === 'unreachable' || (err.kind === 'http' && [502, 503, 504].includes(err.status ?? 0)));
        if (!retryable || i >= this.retries || this.closed) throw err;
        const waitMs = this.retryBaseMs * 2 ** i * (0.75 + Math.random() * 0.5);
        this.log.debug(`${endpoint} on ${this.baseUrl} failed (${(err as Error).message}); retry ${i + 1}/${this.retries} in ${Math.round(waitMs)} ms`);
        await delay(waitMs);
      }
    }
  }

  private async httpError(endpoint: string, status: number, headers: Dispatcher.ResponseData['headers'], body: Dispatcher.ResponseData['body']): Promise<FlinkRestError> {
    const text = await readTail(body, 1024 * 1024).catch(() => '');
    const contentType = headerValue(headers, 'content-type');
    let errors: string[] | undefined;
    if (!/text\/html/i.test(contentType)) {
      try {
        const parsed = JSON.parse(text) as { errors?: unknown };
        if (parsed && Array.isArray(parsed.errors)) errors = parsed.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
      } catch {
        errors = undefined;
      }
    }
    if (!errors) {
      if (status === 413) {
        // Netty may refuse an oversized upload before Flink's handlers write a JSON body.
        return new FlinkRestError(`The JobManager at ${this.baseUrl} refused the request as too large (HTTP 413). Raise rest.server.max-content-length.`, {
          kind: 'http', address: this.baseUrl, endpoint, status, fullText: text, fix: 'raise rest.server.max-content-length',
        });
      }
      this.log.debug(`${endpoint} on ${this.baseUrl}: HTTP ${status} without Flink's error body: ${redact(text.slice(0, 2000))}`);
      return this.notFlinkError(endpoint, `answered HTTP ${status} ${/text\/html/i.test(contentType) || /^\s*</.test(text) ? 'with an HTML page' : 'without Flink\'s {"errors": [...]} body'}`, status);
    }
    const { first, rootCause, fullText } = summarizeFlinkErrors(errors);
    this.log.warn(`${endpoint} on ${this.baseUrl} failed with HTTP ${status}:\n${redact(fullText)}`);
    const causeText = rootCause ? ` (cause: ${rootCause})` : '';
    return new FlinkRestError(`${first}${causeText} [HTTP ${status}, ${endpoint}, ${this.baseUrl}]`, {
      kind: 'http', address: this.baseUrl, endpoint, status, flinkMessage: first, rootCause, fullText, fix: flinkFailureFix(fullText),
    });
  }

  protected notFlinkError(endpoint: string, what: string, status?: number): FlinkRestError {
    return new FlinkRestError(
      `${this.baseUrl} ${what}: it does not look like a Flink JobManager's REST API (${endpoint}). ` +
        `Check the address: it must be the JobManager's REST port (rest.port, 8081 by default), not a web page, proxy or another service.`,
      { kind: 'notFlink', address: this.baseUrl, endpoint, status, fix: 'give the JobManager REST address host:port (rest.port, 8081 by default)' },
    );
  }

  /**
   * Flink's REST API never redirects, except an https JobManager asked over plain http: its RedirectingSslHandler answers
   * 301 to the https address. Any other redirect is not Flink's REST API.
   */
  private async redirectError(endpoint: string, response: Dispatcher.ResponseData): Promise<FlinkRestError> {
    await response.body.dump().catch(() => undefined);
    const location = headerValue(response.headers, 'location');
    if (this.origin.startsWith('http:') && /^https:\/\//i.test(location)) {
      const problem = httpToHttpsProblem(this.baseUrl);
      return new FlinkRestError(`${problem.message} ${problem.fix}.`, { kind: 'tls', address: this.baseUrl, endpoint, status: response.statusCode, fix: problem.fix });
    }
    return this.notFlinkError(endpoint, `answered HTTP ${response.statusCode}, a redirect${location ? ` to ${location}` : ''}`, response.statusCode);
  }

  /** A failure that TLS explains: a certificate check, or http and https mixed up. Not retried: it needs a change of address or CA. */
  private async tlsError(endpoint: string, err: unknown): Promise<FlinkRestError | undefined> {
    const e = err as { code?: string; message?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? '';
    const message = e.message ?? String(err);
    let problem = restTlsProblem(this.baseUrl, code, message);
    if (!problem && this.origin.startsWith('http:') && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || /^HPE_/.test(code))) {
      const url = new URL(this.origin);
      if (await speaksTls(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80))) problem = httpToHttpsProblem(this.baseUrl);
    }
    if (!problem) return undefined;
    this.log.debug(`${endpoint} on ${this.baseUrl} failed TLS: ${code} ${message}`);
    return new FlinkRestError(`${problem.message} ${problem.fix}.`, { kind: 'tls', address: this.baseUrl, endpoint, fix: problem.fix, cause: err });
  }

  private networkError(endpoint: string, err: unknown, timeoutMs: number): FlinkRestError {
    if (err instanceof FlinkRestError) return err;
    const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? '';
    const message = e.message ?? String(err);
    this.log.debug(`${endpoint} on ${this.baseUrl} failed: ${code} ${message}`);
    if (e.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return new FlinkRestError(`${endpoint} on ${this.baseUrl} was cancelled.`, { kind: 'unreachable', address: this.baseUrl, endpoint, cause: err });
    }
    if (code === 'ECONNREFUSED') {
      return new FlinkRestError(
        `Nothing answers at ${this.baseUrl} (connection refused). Check that the JobManager is running and that the address is its REST port (rest.port, 8081 by default).`,
        { kind: 'refused', address: this.baseUrl, endpoint, fix: 'start the JobManager or correct host:port', cause: err },
      );
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
      return new FlinkRestError(
        `The JobManager at ${this.baseUrl} did not answer ${endpoint} within ${timeoutMs} ms. It may be overloaded or the address may be wrong (a firewall, or not its REST port); check it and try again.`,
        { kind: 'timeout', address: this.baseUrl, endpoint, fix: 'check the address and that the JobManager is responsive', cause: err },
      );
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new FlinkRestError(`The JobManager host in ${this.baseUrl} is unknown (${code}). Check the host name.`, {
        kind: 'unreachable', address: this.baseUrl, endpoint, fix: 'correct the host name', cause: err,
      });
    }
    if (code === 'HPE_INVALID_CONSTANT' || code === 'HPE_INVALID_VERSION' || /parse|HPE_/i.test(code) || e.name === 'HTTPParserError' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
      return new FlinkRestError(
        `${this.baseUrl} does not speak HTTP like Flink's REST API (${message}). Check the address: it must be the JobManager's REST port (rest.port, 8081 by default), and http vs https.`,
        { kind: 'notFlink', address: this.baseUrl, endpoint, fix: 'give the JobManager REST address host:port', cause: err },
      );
    }
    return new FlinkRestError(
      `The connection to the JobManager at ${this.baseUrl} failed during ${endpoint}: ${message}${code ? ` (${code})` : ''}. ` +
        `If the address is right, the JobManager may have stopped or the network dropped; try again.`,
      { kind: 'unreachable', address: this.baseUrl, endpoint, fix: 'check the JobManager is running and reachable', cause: err },
    );
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** Reads a body keeping only its last maxBytes (a log can be large; its end is what matters). */
async function readTail(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  let dropped = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.length;
    while (chunks.length > 1 && total - chunks[0].length >= maxBytes) {
      total -= chunks.shift()!.length;
      dropped = true;
    }
  }
  let buf = Buffer.concat(chunks);
  if (buf.length > maxBytes) {
    buf = buf.subarray(buf.length - maxBytes);
    dropped = true;
  }
  let text = buf.toString('utf8');
  if (dropped) {
    const nl = text.indexOf('\n');
    text = `[… earlier output cut …]\n${nl >= 0 ? text.slice(nl + 1) : text}`;
  }
  return text;
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
