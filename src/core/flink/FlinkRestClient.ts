// Typed calls to one Flink JobManager's REST API (Flink 1.13 to 2.0), over one undici connection pool.
import * as fs from 'node:fs';
import { Pool, type Dispatcher } from '../http/undici';
import type { Logger } from '../log';
import { redact, silentLogger } from '../log';
import { FlinkRestError, summarizeFlinkErrors, firstLine, stripJavaExceptionPrefix } from './FlinkRestError';
import { flinkFailureFix } from './flinkFailureFix';
import { jarIdFromUploadAnswer, multipartJarBody, uploadFileName } from './jarUpload';
import type { UploadProgress } from './jarUpload';
import { toLegacyProgramArgs } from './programArgs';
import { ignoresProgramArgs, knowsFormatType } from './flinkVersionQuirks';
import type {
  ClusterOverview, ConfigurationEntry, DashboardConfiguration, JarList, JarPlanRequest, JarRunRequest, JarRunResponse,
  JarUploadResponse, JobAccumulators, JobDetails, JobExceptions, JobExecutionResultResponse, JobOverviewItem, JobPlan,
  LogList, MetricValue, SavepointStatus, TaskManagerDetails, TaskManagerInfo, ThreadDump, TriggerResponse,
} from './flinkRestTypes';

/** The least a jar run or plan call may take (see jarRunTimeoutMs). */
export const JAR_RUN_TIMEOUT_MS = 120000;

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
  log?: Logger;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  timeoutMs?: number;
}

export interface UploadOptions {
  /** The name Flink shows; default the file's base name (".jar" appended when missing). */
  fileName?: string;
  onProgress?: (p: UploadProgress) => void;
  /** Sees every byte of the jar as it is sent (e.g. to hash it in the same read); the chunk is reused after the call. */
  onChunk?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface SavepointWaitOptions {
  /** Poll interval of the trigger status. Default 500. */
  pollIntervalMs?: number;
  /** Give up after this long. Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StopWithSavepointOptions {
  targetDirectory?: string;
  drain?: boolean;
  formatType?: 'CANONICAL' | 'NATIVE';
}

export interface TriggerSavepointOptions {
  targetDirectory?: string;
  cancelJob?: boolean;
  formatType?: 'CANONICAL' | 'NATIVE';
}

/** A request body: undici's, or an async iterable of chunks (the jar upload), each taken once the previous one is sent. */
type RequestBody = Dispatcher.DispatchOptions['body'] | AsyncIterable<Buffer>;

export const DEFAULT_MAX_CONTENT_LENGTH = 104857600;
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

/** Parses "1.19.1" or "2.0-SNAPSHOT" into numbers; [0, 0] when unknown. */
export function parseFlinkVersion(version: string | undefined): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export class FlinkRestClient {
  /** Base URL without a trailing slash, e.g. http://10.0.0.5:8081 */
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly uploadMsPerMiB: number;
  private readonly log: Logger;
  private versionPromise?: Promise<string | undefined>;
  /** Set once the JobManager refused programArgsList (or its version predates it). */
  private legacyProgramArgs = false;
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

  // ---- cluster ----

  config(): Promise<DashboardConfiguration> {
    return this.getJson('/config');
  }

  /** Checks that the address is a Flink JobManager and returns its version ("unknown" if it does not say). */
  async probe(): Promise<string> {
    const config = await this.config();
    if (config === null || typeof config !== 'object' || Array.isArray(config) || (!('flink-version' in config) && !('refresh-interval' in config))) {
      throw this.notFlinkError('GET /config', 'answered JSON that is not Flink\'s /config');
    }
    return config['flink-version'] ?? 'unknown';
  }

  /** The JobManager's Flink version, asked once per client; undefined when /config does not say. */
  flinkVersion(): Promise<string | undefined> {
    if (!this.versionPromise) {
      this.versionPromise = this.config().then(
        (c) => c['flink-version'],
        (err: unknown) => {
          this.versionPromise = undefined;
          throw err;
        },
      );
    }
    return this.versionPromise;
  }

  overview(): Promise<ClusterOverview> {
    return this.getJson('/overview');
  }

  /** Shuts the whole session cluster down (JobManager and TaskManagers). */
  async shutdownCluster(): Promise<void> {
    await this.request('DELETE', '/cluster');
  }

  // ---- JobManager ----

  jobManagerConfig(): Promise<ConfigurationEntry[]> {
    return this.getJson('/jobmanager/config');
  }

  /** The JobManager configuration as a map. */
  async jobManagerConfigMap(): Promise<Map<string, string>> {
    const entries = await this.jobManagerConfig();
    return new Map(entries.map((e) => [e.key, e.value]));
  }

  /** `rest.server.max-content-length` of the JobManager in bytes (Flink's default when unset or unreadable). */
  async maxContentLength(): Promise<number> {
    const value = (await this.jobManagerConfigMap()).get('rest.server.max-content-length');
    const parsed = value === undefined ? NaN : parseMemorySize(value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_MAX_CONTENT_LENGTH;
  }

  jobManagerLogList(): Promise<LogList> {
    return this.getJson('/jobmanager/logs');
  }
  /** The main log; only its last `maxBytes` (default 8 MiB) are kept. */
  jobManagerLog(maxBytes?: number): Promise<string> {
    return this.getText('/jobmanager/log', maxBytes);
  }
  jobManagerStdout(maxBytes?: number): Promise<string> {
    return this.getText('/jobmanager/stdout', maxBytes);
  }
  jobManagerLogFile(name: string, maxBytes?: number): Promise<string> {
    return this.getText(`/jobmanager/logs/${encodeURIComponent(name)}`, maxBytes);
  }

  // ---- TaskManagers (ids are free text: always URL-encoded, never validated) ----

  async taskManagers(): Promise<TaskManagerInfo[]> {
    const answer = await this.getJson<{ taskmanagers?: TaskManagerInfo[] }>('/taskmanagers');
    return answer.taskmanagers ?? [];
  }
  taskManager(id: string): Promise<TaskManagerDetails> {
    return this.getJson(`/taskmanagers/${encodeURIComponent(id)}`);
  }
  /** Without names: the available metric ids. With names: their values. */
  async taskManagerMetrics(id: string, names?: readonly string[]): Promise<MetricValue[]> {
    const query = names && names.length > 0 ? { get: names.join(',') } : undefined;
    const answer = await this.getJson<MetricValue[] | { metrics?: MetricValue[] }>(`/taskmanagers/${encodeURIComponent(id)}/metrics`, { query });
    return Array.isArray(answer) ? answer : (answer.metrics ?? []);
  }
  taskManagerLogList(id: string): Promise<LogList> {
    return this.getJson(`/taskmanagers/${encodeURIComponent(id)}/logs`);
  }
  taskManagerLog(id: string, maxBytes?: number): Promise<string> {
    return this.getText(`/taskmanagers/${encodeURIComponent(id)}/log`, maxBytes);
  }
  taskManagerStdout(id: string, maxBytes?: number): Promise<string> {
    return this.getText(`/taskmanagers/${encodeURIComponent(id)}/stdout`, maxBytes);
  }
  taskManagerLogFile(id: string, name: string, maxBytes?: number): Promise<string> {
    return this.getText(`/taskmanagers/${encodeURIComponent(id)}/logs/${encodeURIComponent(name)}`, maxBytes);
  }
  taskManagerThreadDump(id: string): Promise<ThreadDump> {
    return this.getJson(`/taskmanagers/${encodeURIComponent(id)}/thread-dump`);
  }

  // ---- jars ----

  async jars(): Promise<JarList> {
    const answer = await this.getJson<JarList>('/jars');
    return { ...answer, files: answer.files ?? [] };
  }

  async deleteJar(jarId: string): Promise<void> {
    await this.request('DELETE', `/jars/${encodeURIComponent(jarId)}`);
  }

  /**
   * Uploads a jar streamed from disk as multipart/form-data and returns the jar id Flink assigned.
   * Sent exactly once (uploads are not idempotent); no Expect: 100-continue.
   */
  async uploadJar(filePath: string, options: UploadOptions = {}): Promise<{ jarId: string; answer: JarUploadResponse }> {
    const endpoint = 'POST /jars/upload';
    let size: number;
    try {
      size = (await fs.promises.stat(filePath)).size;
    } catch (err) {
      throw new Error(`Cannot read the jar ${filePath}: ${(err as Error).message}. Check the path.`);
    }
    const body = multipartJarBody(filePath, size, { fileName: options.fileName ?? uploadFileName(filePath) });
    const timeoutMs = this.timeoutMs + Math.ceil(size / (1024 * 1024)) * this.uploadMsPerMiB;
    let answer: JarUploadResponse;
    try {
      answer = await this.requestJson<JarUploadResponse>('POST', '/jars/upload', {
        headers: { 'content-type': body.contentType, 'content-length': String(body.contentLength) },
        body: body.open({ onProgress: options.onProgress, onChunk: options.onChunk }),
        timeoutMs,
        signal: options.signal,
      });
    } catch (err) {
      if (err instanceof FlinkRestError && err.status === 413) {
        throw new FlinkRestError(
          `The JobManager at ${this.baseUrl} refused the jar ${filePath} (${formatBytes(size)}) as too large (HTTP 413). ` +
            `Raise rest.server.max-content-length in the session's Flink configuration, or make the jar smaller.`,
          { kind: 'http', address: this.baseUrl, endpoint, status: 413, flinkMessage: err.flinkMessage, fullText: err.fullText, fix: 'raise rest.server.max-content-length', cause: err },
        );
      }
      if (err instanceof FlinkRestError && (err.kind === 'unreachable' || err.kind === 'timeout')) {
        throw new FlinkRestError(`The upload of ${filePath} to ${this.baseUrl} was cut: ${err.message} Nothing was stored; upload it again.`, {
          kind: err.kind, address: this.baseUrl, endpoint, fix: 'upload again', cause: err,
        });
      }
      throw err;
    }
    if (!answer || typeof answer.filename !== 'string') {
      throw this.notFlinkError(endpoint, 'answered the upload without a "filename"');
    }
    return { jarId: jarIdFromUploadAnswer(answer.filename), answer };
  }

  /**
   * Runs an uploaded jar. `programArgsList` is sent as such; a JobManager too old to know it gets the single
   * `programArgs` string instead (detected from its version or from its refusal).
   */
  async runJar(jarId: string, request: JarRunRequest): Promise<JarRunResponse> {
    const path = `/jars/${encodeURIComponent(jarId)}/run`;
    const answer = await this.withProgramArgsFallback(request, (body) => this.requestJson<JarRunResponse>('POST', path, { json: body, timeoutMs: this.jarRunTimeoutMs() }));
    if (!answer || typeof answer.jobid !== 'string') throw this.notFlinkError(`POST ${path}`, 'answered the run without a "jobid"');
    return answer;
  }

  /**
   * The JobManager runs the jar's main() inside a run or plan call (builds the job graph, uploads it to its blob
   * server, submits it): real Flink 1.13 on a busy machine took over 10 s, so these calls get at least 2 minutes.
   */
  private jarRunTimeoutMs(): number {
    return Math.max(this.timeoutMs, JAR_RUN_TIMEOUT_MS);
  }

  /** The job graph a jar would run, without running it: POST, or GET on JobManagers that only know that. */
  async planJar(jarId: string, request: JarPlanRequest = {}): Promise<JobPlan> {
    const path = `/jars/${encodeURIComponent(jarId)}/plan`;
    let answer: { plan?: unknown };
    try {
      answer = await this.withProgramArgsFallback(request, (body) => this.requestJson<{ plan?: unknown }>('POST', path, { json: body, timeoutMs: this.jarRunTimeoutMs() }));
    } catch (err) {
      if (!(err instanceof FlinkRestError) || (err.status !== 404 && err.status !== 405) || err.isJarMissing) throw err;
      const args = request.programArgsList ?? [];
      const query: Record<string, string | number | undefined> = {
        'entry-class': request.entryClass,
        parallelism: request.parallelism,
      };
      if (args.length > 0) {
        if (args.some((a) => a.includes(','))) query['program-args'] = toLegacyProgramArgs(args);
        else query.programArg = args.join(',');
      }
      answer = await this.getJson<{ plan?: unknown }>(path, { query });
    }
    return parsePlan(answer.plan ?? answer);
  }

  // ---- jobs ----

  async jobsOverview(): Promise<JobOverviewItem[]> {
    const answer = await this.getJson<{ jobs?: JobOverviewItem[] }>('/jobs/overview');
    return answer.jobs ?? [];
  }

  /** Job details with `plan` parsed (a string in older versions, an object in 1.19+). */
  async job(jobId: string): Promise<JobDetails> {
    const answer = await this.getJson<JobDetails & { plan?: unknown }>(`/jobs/${encodeURIComponent(jobId)}`);
    const details: JobDetails = { ...answer, vertices: answer.vertices ?? [] };
    if (answer.plan !== undefined && answer.plan !== null) {
      try {
        details.plan = parsePlan(answer.plan);
      } catch {
        delete details.plan;
      }
    }
    return details;
  }

  /** PATCH /jobs/:id?mode=cancel (202). */
  async cancelJob(jobId: string): Promise<void> {
    await this.request('PATCH', `/jobs/${encodeURIComponent(jobId)}`, { query: { mode: 'cancel' } });
  }

  /** Starts stop-with-savepoint and returns the trigger id (see waitForSavepoint). */
  async triggerStop(jobId: string, options: StopWithSavepointOptions = {}): Promise<string> {
    const body: Record<string, unknown> = {};
    if (options.targetDirectory !== undefined) body.targetDirectory = options.targetDirectory;
    if (options.drain !== undefined) body.drain = options.drain;
    if (options.formatType !== undefined) body.formatType = await this.formatTypeFor(options.formatType);
    const answer = await this.requestJson<TriggerResponse>('POST', `/jobs/${encodeURIComponent(jobId)}/stop`, { json: body });
    return this.triggerIdOf(answer, `POST /jobs/${jobId}/stop`);
  }

  /** Starts a savepoint (optionally cancelling the job afterwards) and returns the trigger id. */
  async triggerSavepoint(jobId: string, options: TriggerSavepointOptions = {}): Promise<string> {
    const body: Record<string, unknown> = {};
    if (options.targetDirectory !== undefined) body['target-directory'] = options.targetDirectory;
    if (options.cancelJob !== undefined) body['cancel-job'] = options.cancelJob;
    if (options.formatType !== undefined) body.formatType = await this.formatTypeFor(options.formatType);
    const answer = await this.requestJson<TriggerResponse>('POST', `/jobs/${encodeURIComponent(jobId)}/savepoints`, { json: body });
    return this.triggerIdOf(answer, `POST /jobs/${jobId}/savepoints`);
  }

  /** formatType only where the JobManager knows it (1.15+): an older one refuses the whole body. */
  private async formatTypeFor(formatType: 'CANONICAL' | 'NATIVE'): Promise<'CANONICAL' | 'NATIVE'> {
    const version = await this.flinkVersion().catch(() => undefined);
    if (version !== undefined && !knowsFormatType(version)) {
      throw new FlinkRestError(`Flink ${version} at ${this.baseUrl} has no savepoint format choice (formatType came with Flink 1.15): leave the format out; it writes the canonical format.`, {
        kind: 'http', address: this.baseUrl, endpoint: 'savepoint', fix: 'leave the savepoint format out',
      });
    }
    return formatType;
  }

  savepointStatus(jobId: string, triggerId: string): Promise<SavepointStatus> {
    return this.getJson(`/jobs/${encodeURIComponent(jobId)}/savepoints/${encodeURIComponent(triggerId)}`);
  }

  /** Polls a savepoint or stop trigger until COMPLETED; returns the savepoint's location or throws its failure. */
  async waitForSavepoint(jobId: string, triggerId: string, options: SavepointWaitOptions = {}): Promise<string> {
    const pollMs = options.pollIntervalMs ?? 500;
    const deadline = Date.now() + (options.timeoutMs ?? 600000);
    const endpoint = `GET /jobs/${jobId}/savepoints/${triggerId}`;
    while (true) {
      const status = await this.savepointStatus(jobId, triggerId);
      if (status?.status?.id === 'COMPLETED') {
        const op = status.operation ?? {};
        const failure = op['failure-cause'] ?? op.failureCause;
        if (failure) {
          const trace = failure['stack-trace'] ?? failure.class ?? 'unknown failure';
          const { first, rootCause } = summarizeFlinkErrors([trace]);
          this.log.warn(`Savepoint ${triggerId} of job ${jobId} failed on ${this.baseUrl}:\n${trace}`);
          throw new FlinkRestError(`The savepoint of job ${jobId} failed: ${first}${rootCause ? ` (cause: ${rootCause})` : ''}`, {
            kind: 'operation', address: this.baseUrl, endpoint, flinkMessage: first, rootCause, fullText: trace,
            fix: 'check the savepoint directory (state.savepoints.dir or the target you gave) is writable by the TaskManagers',
          });
        }
        if (typeof op.location !== 'string') throw this.notFlinkError(endpoint, 'reported a completed savepoint without its location');
        return op.location;
      }
      if (Date.now() + pollMs > deadline) {
        throw new FlinkRestError(`The savepoint of job ${jobId} on ${this.baseUrl} did not complete in time; it may still finish. Check the job's checkpoints in the Flink UI.`, {
          kind: 'timeout', address: this.baseUrl, endpoint,
        });
      }
      await delay(pollMs, options.signal);
    }
  }

  /** Stops a job with a savepoint and waits until the savepoint is written; returns its location. */
  async stopWithSavepoint(jobId: string, options: StopWithSavepointOptions = {}, wait: SavepointWaitOptions = {}): Promise<string> {
    const triggerId = await this.triggerStop(jobId, options);
    return this.waitForSavepoint(jobId, triggerId, wait);
  }

  /** Takes a savepoint (optionally cancelling the job) and waits for it; returns its location. */
  async savepoint(jobId: string, options: TriggerSavepointOptions = {}, wait: SavepointWaitOptions = {}): Promise<string> {
    const triggerId = await this.triggerSavepoint(jobId, options);
    return this.waitForSavepoint(jobId, triggerId, wait);
  }

  async jobExceptions(jobId: string, maxExceptions?: number): Promise<JobExceptions> {
    const answer = await this.getJson<JobExceptions>(`/jobs/${encodeURIComponent(jobId)}/exceptions`, {
      query: maxExceptions !== undefined ? { maxExceptions } : undefined,
    });
    return answer ?? {};
  }

  async jobAccumulators(jobId: string): Promise<JobAccumulators> {
    const answer = await this.getJson<JobAccumulators>(`/jobs/${encodeURIComponent(jobId)}/accumulators`);
    return { ...answer, 'user-task-accumulators': answer['user-task-accumulators'] ?? [] };
  }

  /** As Flink really sends it (see JobExecutionResultResponse); use jobAccumulators() for readable values. */
  jobExecutionResult(jobId: string): Promise<JobExecutionResultResponse> {
    return this.getJson(`/jobs/${encodeURIComponent(jobId)}/execution-result`);
  }

  // ---- plumbing ----

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

  private async requestJson<T>(
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
      return { statusCode: response.statusCode, headers: response.headers, body: response.body, endpoint };
    } catch (err) {
      throw this.networkError(endpoint, err, timeoutMs);
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

  private notFlinkError(endpoint: string, what: string, status?: number): FlinkRestError {
    return new FlinkRestError(
      `${this.baseUrl} ${what}: it does not look like a Flink JobManager's REST API (${endpoint}). ` +
        `Check the address: it must be the JobManager's REST port (rest.port, 8081 by default), not a web page, proxy or another service.`,
      { kind: 'notFlink', address: this.baseUrl, endpoint, status, fix: 'give the JobManager REST address host:port (rest.port, 8081 by default)' },
    );
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

  private triggerIdOf(answer: TriggerResponse, endpoint: string): string {
    const id = answer?.['request-id'];
    if (typeof id !== 'string') throw this.notFlinkError(endpoint, 'answered without a "request-id"');
    return id;
  }

  /** Sends programArgsList, or the legacy programArgs string to a JobManager that does not know the list. */
  private async withProgramArgsFallback<T>(request: JarRunRequest, send: (body: JarRunRequest) => Promise<T>): Promise<T> {
    const args = request.programArgsList;
    const legacyBody = (): JarRunRequest => {
      const body: JarRunRequest = { ...request };
      delete body.programArgsList;
      body.programArgs = toLegacyProgramArgs(args ?? []);
      return body;
    };
    if (!args || args.length === 0) {
      const body: JarRunRequest = { ...request };
      delete body.programArgsList;
      return send(body);
    }
    if (!this.legacyProgramArgs) {
      // programArgsList came with Flink 1.7; ask the version only once per client.
      const version = await this.flinkVersion().catch(() => undefined);
      const [major, minor] = parseFlinkVersion(version);
      if (major === 1 && minor > 0 && minor < 7) this.legacyProgramArgs = true;
    }
    if (this.legacyProgramArgs) return send(legacyBody());
    // A 2.x JobManager ignores programArgs: a fallback would run the job without its arguments, silently.
    const noLegacy = ignoresProgramArgs(await this.flinkVersion().catch(() => undefined));
    try {
      return await send({ ...request, programArgs: undefined });
    } catch (err) {
      const refused =
        err instanceof FlinkRestError && err.status === 400 &&
        /programArgsList|unrecognized field|did not match expected format|unknown attribute/i.test(err.fullText ?? err.message);
      if (!refused || noLegacy) throw err;
      this.log.info(`The JobManager at ${this.baseUrl} refused programArgsList; sending the older programArgs string instead.`);
      this.legacyProgramArgs = true;
      return send(legacyBody());
    }
  }
}

/** Accepts `plan` as a JSON string (1.13/1.15) or an object (1.19+), or a whole {plan: ...} answer. */
export function parsePlan(plan: unknown): JobPlan {
  let value = plan;
  if (typeof value === 'string') value = JSON.parse(value) as unknown;
  if (value && typeof value === 'object' && 'plan' in value && !('nodes' in value)) value = (value as { plan: unknown }).plan;
  if (typeof value === 'string') value = JSON.parse(value) as unknown;
  if (!value || typeof value !== 'object') throw new Error('The plan Flink sent is neither a JSON object nor a JSON string.');
  const p = value as Partial<JobPlan>;
  return { ...p, nodes: Array.isArray(p.nodes) ? p.nodes : [] } as JobPlan;
}

/** Flink memory sizes: "104857600", "100 mb", "100m", "1g", "512kb", "2 gibibytes". */
export function parseMemorySize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const k = 1024;
  if (['', 'b', 'bytes'].includes(unit)) return Math.floor(n);
  if (['k', 'kb', 'kibibytes'].includes(unit)) return Math.floor(n * k);
  if (['m', 'mb', 'mebibytes'].includes(unit)) return Math.floor(n * k * k);
  if (['g', 'gb', 'gibibytes'].includes(unit)) return Math.floor(n * k * k * k);
  if (['t', 'tb', 'tebibytes'].includes(unit)) return Math.floor(n * k * k * k * k);
  return NaN;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
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

function delay(ms: number, signal?: AbortSignal): Promise<void> {
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

export { firstLine, stripJavaExceptionPrefix };
