// Typed calls to one Flink JobManager's REST API (Flink 1.13 to 2.x), on its FlinkRestTransport.
import * as fs from 'node:fs';
import { FlinkRestError, summarizeFlinkErrors, firstLine, stripJavaExceptionPrefix } from './FlinkRestError';
import { FlinkRestTransport, delay, normalizeJobManagerUrl, type FlinkRestClientOptions, type RequestOptions } from './FlinkRestTransport';
import { jarIdFromUploadAnswer, multipartJarBody, uploadFileName } from './jarUpload';
import type { UploadProgress } from './jarUpload';
import { toLegacyProgramArgs } from './programArgs';
import { ignoresProgramArgs, knowsFormatType } from './flinkVersionQuirks';
import { formatBytes, parseMemorySize, parsePlan } from './flinkValues';
import type {
  ClusterOverview, ConfigurationEntry, DashboardConfiguration, JarList, JarPlanRequest, JarRunRequest, JarRunResponse,
  JarUploadResponse, JobAccumulators, JobDetails, JobExceptions, JobExecutionResultResponse, JobOverviewItem, JobPlan,
  LogList, MetricValue, SavepointStatus, TaskManagerDetails, TaskManagerInfo, ThreadDump, TriggerResponse,
} from './flinkRestTypes';

/** The least a jar run or plan call may take (see jarRunTimeoutMs). */
export const JAR_RUN_TIMEOUT_MS = 120000;

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

export const DEFAULT_MAX_CONTENT_LENGTH = 104857600;

/** Parses "1.19.1" or "2.0-SNAPSHOT" into numbers; [0, 0] when unknown. */
export function parseFlinkVersion(version: string | undefined): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export class FlinkRestClient extends FlinkRestTransport {
  private versionPromise?: Promise<string | undefined>;
  /** Set once the JobManager refused programArgsList (or its version predates it). */
  private legacyProgramArgs = false;

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

export { firstLine, stripJavaExceptionPrefix, normalizeJobManagerUrl, formatBytes, parseMemorySize, parsePlan };
export type { FlinkRestClientOptions, RequestOptions };
