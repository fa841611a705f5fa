// The stand-in JobManager: Flink's REST API on rest.port, TaskManager registration on jobmanager.rpc.port, and the jobs.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { FlinkJob, JobException, Vertex, hex32, jobPlan } from './FlinkJob';
import { FlinkVersion, parseFlinkVersion, rpcScheme, versionAtLeast } from './flinkVersion';
import { manifestEntryClass, readJar } from './jarManifest';
import { multipartBoundary, receiveMultipart, removeUploadedFiles } from './multipartUpload';
import { ProcessLog } from './ProcessLog';
import { BuiltinProgram, JobFailure, ProgramInvocationError, ProgramSettings, createProgram } from './programs';
import { RestError, badRequest, errorBody, jobNotFoundCause, notFound, stringifyException } from './restErrors';
import { savepointDirectoryFailure } from './savepointFailure';
import { StreamingStatistics, defineStreamingEndpoints } from './streamingEndpoints';
import { HeartbeatRequest, HeartbeatResponse, RegistrationRequest, RegistrationResponse, TaskManagerMetrics, rpcCall, rpcGetStream, threadDump } from './rpcProtocol';
import { ConfigReader, FlinkConfiguration, parsePortRange, standinLeaderFile } from './standinConfiguration';
import { TaskExecutorMemory } from './taskExecutorMemory';

const LOGGER = 'org.apache.flink.runtime.entrypoint.ClusterEntrypoint';
const REST_LOGGER = 'org.apache.flink.runtime.dispatcher.DispatcherRestEndpoint';
const RM_LOGGER = 'org.apache.flink.runtime.resourcemanager.StandaloneResourceManager';
const MB = 1024 * 1024;
const REQUEST_BODY_CLASSES: Record<string, string> = {
  JarRunRequestBody: 'org.apache.flink.runtime.webmonitor.handlers.JarRunRequestBody',
  JarPlanRequestBody: 'org.apache.flink.runtime.webmonitor.handlers.JarPlanRequestBody',
  SavepointTriggerRequestBody: 'org.apache.flink.runtime.rest.messages.job.savepoints.SavepointTriggerRequestBody',
  StopWithSavepointRequestBody: 'org.apache.flink.runtime.rest.messages.job.savepoints.stop.StopWithSavepointRequestBody',
};

interface RegisteredTaskManager {
  registration: RegistrationRequest;
  lastHeartbeat: number;
  metrics: TaskManagerMetrics;
  freeSlots: number;
}

export interface JobManagerOptions {
  configuration: FlinkConfiguration;
  log: ProcessLog;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (req: http.IncomingMessage, res: http.ServerResponse, params: string[], query: URLSearchParams) => Promise<unknown>;
}

/** Marks a handler that wrote its own answer (files, plain text). */
const ANSWERED = Symbol('answered');

function listen(server: net.Server, host: string, ports: number[], key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let i = 0;
    const attempt = (): void => {
      const port = ports[i];
      const onError = (e: NodeJS.ErrnoException): void => {
        server.removeListener('listening', onListening);
        if (e.code === 'EADDRINUSE' && ++i < ports.length) return attempt();
        reject(new Error(`Could not bind ${key} ${host}:${ports.join(',')}: ${e.message}`));
      };
      const onListening = (): void => {
        server.removeListener('error', onError);
        resolve((server.address() as net.AddressInfo).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    };
    attempt();
  });
}

function resolveBindHost(address: string | undefined, fallback: string): string {
  const a = address === undefined || address === '' || address === '0.0.0.0' ? fallback : address;
  return a === 'localhost' ? '127.0.0.1' : a;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class JobManager extends EventEmitter {
  readonly version: FlinkVersion;
  readonly conf: ConfigReader;
  readonly log: ProcessLog;
  restPort = 0;
  rpcPort = 0;
  blobPort = 0;
  restHost = '';
  rpcHost = '';
  readonly jarDir: string;
  private readonly jarDirIsTemporary: boolean;
  private readonly restServer: http.Server;
  private readonly rpcServer: http.Server;
  private readonly blobServer: net.Server;
  private readonly taskManagers = new Map<string, RegisteredTaskManager>();
  private readonly jobs = new Map<string, FlinkJob>();
  private readonly routes: Route[] = [];
  private heartbeatChecker?: NodeJS.Timeout;
  private streaming?: StreamingStatistics;
  private stopped = false;
  readonly jobManagerId = hex32();
  private readonly programSettings: ProgramSettings;

  private constructor(private readonly options: JobManagerOptions) {
    super();
    this.conf = new ConfigReader(options.configuration);
    this.version = parseFlinkVersion(this.conf.string('standin.flink-version', '1.19.1'));
    this.log = options.log;
    const uploadDir = this.conf.optional('web.upload.dir');
    if (uploadDir) {
      this.jarDir = path.resolve(uploadDir);
      this.jarDirIsTemporary = false;
    } else {
      const tmp = this.conf.string('web.tmpdir', os.tmpdir());
      this.jarDir = path.join(tmp, `flink-web-${randomUUID()}`, 'flink-web-upload');
      this.jarDirIsTemporary = true;
    }
    fs.mkdirSync(this.jarDir, { recursive: true });
    this.programSettings = {
      jobDurationMs: this.conf.int('standin.job-duration-ms', 1000),
      failingDelayMs: this.conf.int('standin.failing-job-delay-ms', 500),
      streamingRecordsPerSecond: this.conf.int('standin.streaming-records-per-second', 1000),
    };
    this.restServer = http.createServer((req, res) => void this.serve(req, res));
    // "Expect: 100-continue" (curl sends it for large bodies): Netty's aggregator answers 100 Continue, or refuses a
    // declared length over rest.server.max-content-length with 413 before the body is sent.
    this.restServer.on('checkContinue', (req, res) => this.answerExpectContinue(req, res));
    this.restServer.keepAliveTimeout = 30000;
    this.rpcServer = http.createServer((req, res) => void this.serveRpc(req, res));
    this.blobServer = net.createServer((s) => s.destroy());
    this.defineRoutes();
  }

  /** Binds RPC, blob and REST ports (after standin.startup-delay-ms) and starts watching TaskManager heartbeats. */
  static async start(options: JobManagerOptions): Promise<JobManager> {
    const jm = new JobManager(options);
    await jm.startServices();
    return jm;
  }

  private async startServices(): Promise<void> {
    const c = this.conf;
    this.log.info(LOGGER, '--------------------------------------------------------------------------------');
    this.log.info(LOGGER, ` Starting StandaloneSessionClusterEntrypoint (Version: ${this.version.text}, Stand-in)`);
    this.log.info(LOGGER, ` OS current user: ${os.userInfo().username}`);
    this.log.info(LOGGER, '--------------------------------------------------------------------------------');
    const delay = c.int('standin.startup-delay-ms', Number(process.env.STANDIN_STARTUP_DELAY_MS ?? 0));
    if (delay > 0) await sleep(delay);
    const rpcAddress = c.string('jobmanager.rpc.address', 'localhost');
    this.rpcHost = resolveBindHost(c.optional('jobmanager.bind-host'), rpcAddress);
    this.rpcPort = await listen(this.rpcServer, this.rpcHost, parsePortRange(c.string('jobmanager.rpc.port', '6123'), 'jobmanager.rpc.port'), 'jobmanager.rpc.port');
    this.log.info('org.apache.flink.runtime.rpc.pekko.PekkoRpcServiceUtils', `Actor system started at ${rpcScheme(this.version)}://flink@${rpcAddress}:${this.rpcPort}`);
    this.log.info(LOGGER, `RPC endpoint listening at ${this.rpcHost}:${this.rpcPort}`);
    const leader = standinLeaderFile(c);
    if (leader) {
      fs.mkdirSync(path.dirname(leader), { recursive: true });
      fs.writeFileSync(leader, JSON.stringify({ host: rpcAddress === 'localhost' ? '127.0.0.1' : rpcAddress, port: this.rpcPort }));
      this.log.info('org.apache.flink.runtime.leaderelection.DefaultLeaderElectionService', `Granted leadership (HA storage ${path.dirname(leader)})`);
    }
    this.blobPort = await listen(this.blobServer, this.rpcHost, parsePortRange(c.string('blob.server.port', '0'), 'blob.server.port'), 'blob.server.port');
    this.log.info('org.apache.flink.runtime.blob.BlobServer', `Started BLOB server at ${this.rpcHost}:${this.blobPort} - max concurrent requests: 50 - max backlog: 1000`);
    this.restHost = resolveBindHost(c.optional('rest.bind-address'), c.string('rest.address', rpcAddress));
    this.restPort = await listen(this.restServer, this.restHost, parsePortRange(c.string('rest.bind-port', c.string('rest.port', '8081')), 'rest.port'), 'rest.port');
    this.log.info(REST_LOGGER, `Rest endpoint listening at ${this.restHost}:${this.restPort}`);
    this.log.info(REST_LOGGER, `Web frontend listening at ${this.restUrl}.`);
    this.log.info(REST_LOGGER, `Using ${this.jarDir} for uploaded jars`);
    const checkEvery = Math.max(20, Math.min(1000, Math.floor(this.heartbeatTimeoutMs / 5)));
    this.heartbeatChecker = setInterval(() => this.expireTaskManagers(), checkEvery);
  }

  /** Started as a daemon (`start`, with a .out file) rather than with start-foreground. */
  get daemon(): boolean {
    return this.conf.string('standin.daemon', 'true') !== 'false';
  }

  get restUrl(): string {
    return `http://${this.restHost}:${this.restPort}`;
  }

  get heartbeatTimeoutMs(): number {
    return this.conf.duration('heartbeat.timeout', 50000);
  }

  get heartbeatIntervalMs(): number {
    return this.conf.duration('heartbeat.interval', 10000);
  }

  /** Stops everything; `reason` goes to the log. Jobs still running are suspended, as when a JobManager goes away. */
  async stop(reason = 'stop requested'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.info(LOGGER, `Shutting StandaloneSessionClusterEntrypoint down with application status UNKNOWN. Diagnostics ${reason}.`);
    if (this.heartbeatChecker) clearInterval(this.heartbeatChecker);
    for (const job of this.jobs.values()) if (!job.terminal) job.abort.abort();
    const close = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));
    this.restServer.closeAllConnections();
    this.rpcServer.closeAllConnections();
    await Promise.all([close(this.restServer), close(this.rpcServer), close(this.blobServer)]);
    if (this.jarDirIsTemporary) fs.rmSync(path.dirname(this.jarDir), { recursive: true, force: true });
    this.emit('stopped');
  }

  // ---------------------------------------------------------------- TaskManagers

  private async serveRpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const body = JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8') || '{}');
      if (req.method === 'POST' && req.url === '/rpc/register') return sendJson(res, 200, this.registerTaskManager(body as RegistrationRequest));
      if (req.method === 'POST' && req.url === '/rpc/heartbeat') return sendJson(res, 200, this.heartbeat(body as HeartbeatRequest));
      if (req.method === 'POST' && req.url === '/rpc/disconnect') return sendJson(res, 200, this.disconnectTaskManager(String((body as { resourceId?: unknown }).resourceId)));
      sendJson(res, 404, { error: `unknown RPC ${req.method} ${req.url}` });
    } catch (e) {
      sendJson(res, 400, { error: (e as Error).message });
    }
  }

  private registerTaskManager(r: RegistrationRequest): RegistrationResponse {
    if (typeof r.resourceId !== 'string' || r.resourceId === '') throw new Error('registration without resourceId');
    const old = this.taskManagers.get(r.resourceId);
    if (old) this.log.info(RM_LOGGER, `Replacing old registration of TaskExecutor ${r.resourceId}.`);
    this.taskManagers.set(r.resourceId, { registration: r, lastHeartbeat: Date.now(), metrics: r.metrics, freeSlots: r.slots - (old ? old.registration.slots - old.freeSlots : 0) });
    this.log.info(RM_LOGGER, `Registering TaskManager with ResourceID ${r.resourceId} (${rpcScheme(this.version)}://flink@${r.host}:${r.rpcPort}/user/rpc/taskmanager_0) at ResourceManager`);
    this.emit('taskManagerRegistered', r.resourceId);
    return { jobManagerId: this.jobManagerId, heartbeatIntervalMs: this.heartbeatIntervalMs, heartbeatTimeoutMs: this.heartbeatTimeoutMs };
  }

  private heartbeat(h: HeartbeatRequest): HeartbeatResponse {
    const tm = this.taskManagers.get(h.resourceId);
    if (!tm) return { known: false };
    tm.lastHeartbeat = Date.now();
    tm.metrics = h.metrics;
    return { known: true };
  }

  /** A TaskManager shutting down (SIGTERM) disconnects at once, as Flink's TaskExecutor does from its ResourceManager. */
  private disconnectTaskManager(id: string): { known: boolean } {
    const tm = this.taskManagers.get(id);
    if (!tm) return { known: false };
    this.removeTaskManager(id, tm, 'org.apache.flink.util.FlinkException', `The TaskExecutor is shutting down.`);
    return { known: true };
  }

  private expireTaskManagers(): void {
    const now = Date.now();
    for (const [id, tm] of this.taskManagers) {
      if (now - tm.lastHeartbeat <= this.heartbeatTimeoutMs) continue;
      this.log.info(RM_LOGGER, `The heartbeat of TaskManager with id ${id} timed out.`);
      this.removeTaskManager(id, tm, 'java.util.concurrent.TimeoutException', `Heartbeat of TaskManager with id ${id} timed out.`, `The heartbeat of TaskManager with id ${id}  timed out.`);
    }
  }

  /** Forgets a TaskManager and fails the jobs that had slots on it, as Flink's ResourceManager does when it closes the connection. */
  private removeTaskManager(id: string, tm: { registration: RegistrationRequest }, exceptionClass: string, message: string, reason = message): void {
    const now = Date.now();
    this.taskManagers.delete(id);
    this.log.info(RM_LOGGER, `Closing TaskExecutor connection ${id} because: ${reason}`);
    this.emit('taskManagerLost', id);
    for (const job of this.jobs.values()) {
      if (job.terminal || !job.slots.has(id)) continue;
      this.failJob(job, {
        exception: [{ className: exceptionClass, message }],
        timestamp: now,
        taskName: `${job.vertices[0].name} (1/${job.parallelism})`,
        taskManagerId: id,
        location: `${tm.registration.host}:${tm.registration.dataPort}`,
      });
    }
  }

  private freeSlotsTotal(): number {
    let n = 0;
    for (const tm of this.taskManagers.values()) n += tm.freeSlots;
    return n;
  }

  private tryAllocate(job: FlinkJob): boolean {
    if (this.freeSlotsTotal() < job.parallelism) return false;
    let need = job.parallelism;
    for (const [id, tm] of this.taskManagers) {
      const take = Math.min(tm.freeSlots, need);
      if (take <= 0) continue;
      tm.freeSlots -= take;
      job.slots.set(id, (job.slots.get(id) ?? 0) + take);
      need -= take;
      if (need === 0) break;
    }
    return true;
  }

  private release(job: FlinkJob): void {
    for (const [id, n] of job.slots) {
      const tm = this.taskManagers.get(id);
      if (tm) tm.freeSlots = Math.min(tm.registration.slots, tm.freeSlots + n);
    }
    job.slots.clear();
  }

  // ---------------------------------------------------------------- jobs

  private async runJob(job: FlinkJob, restored: Record<string, unknown> | undefined, savepointError?: JobException): Promise<void> {
    const log = 'org.apache.flink.runtime.jobmaster.JobMaster';
    await sleep(50);
    if (savepointError) return this.failJob(job, savepointError);
    job.setState('CREATED');
    this.log.info('org.apache.flink.runtime.dispatcher.StandaloneDispatcher', `Job ${job.jid} (${job.name}) submitted.`);
    await sleep(20);
    if (job.abort.signal.aborted) return this.finishStopped(job);
    job.setState('RUNNING');
    this.log.info(log, `Job ${job.name} (${job.jid}) switched from state CREATED to RUNNING.`);
    job.setVertices('SCHEDULED');
    const timeout = this.conf.duration('slot.request.timeout', 300000);
    const deadline = Date.now() + timeout;
    while (!this.tryAllocate(job)) {
      if (job.abort.signal.aborted) return this.finishStopped(job);
      if (Date.now() >= deadline) {
        return this.failJob(job, {
          exception: [
            { className: 'java.util.concurrent.CompletionException', message: 'org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout' },
            { className: 'org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException', message: 'Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout' },
            { className: 'java.util.concurrent.TimeoutException', message: 'Timeout has occurred: ' + timeout + ' ms' },
          ],
          timestamp: Date.now(),
          taskName: `${job.vertices[0].name} (1/${job.parallelism})`,
        });
      }
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
    }
    job.setVertices('DEPLOYING');
    await sleep(30);
    if (job.abort.signal.aborted) return this.finishStopped(job);
    job.setVertices('RUNNING');
    try {
      await job.program.run({
        parallelism: job.parallelism,
        signal: job.abort.signal,
        counters: job.vertices.map((v: Vertex) => v.counters),
        accumulators: job.accumulators,
        stdout: (t) => this.log.stdout(t),
        restored,
      });
    } catch (e) {
      if (job.terminal) return;
      if (e instanceof JobFailure) {
        const tmId = [...job.slots.keys()][0];
        const tm = tmId ? this.taskManagers.get(tmId) : undefined;
        return this.failJob(job, {
          exception: [e.exception],
          timestamp: Date.now(),
          taskName: `${job.vertices[Math.min(e.vertexIndex, job.vertices.length - 1)].name} (1/${job.parallelism})#0`,
          taskManagerId: tmId,
          location: tm ? `${tm.registration.host}:${tm.registration.dataPort}` : undefined,
        }, e.vertexIndex);
      }
      return this.failJob(job, { exception: [{ className: 'java.lang.RuntimeException', message: (e as Error).message }], timestamp: Date.now() });
    }
    if (job.terminal) return;
    if (job.abort.signal.aborted && job.stopReason !== 'stop-with-savepoint') return this.finishStopped(job);
    job.setVertices('FINISHED');
    job.setState('FINISHED');
    this.release(job);
    this.log.info(log, `Job ${job.name} (${job.jid}) switched from state RUNNING to FINISHED.`);
  }

  private finishStopped(job: FlinkJob): void {
    if (job.terminal) return;
    if (job.stopReason === 'stop-with-savepoint') {
      job.setVertices('FINISHED', (v) => v.status !== 'FINISHED');
      job.setState('FINISHED');
    } else {
      if (job.state !== 'CANCELLING') job.setState('CANCELLING');
      job.setVertices('CANCELED', (v) => v.status !== 'FINISHED');
      job.setState('CANCELED');
    }
    this.release(job);
    this.log.info('org.apache.flink.runtime.jobmaster.JobMaster', `Job ${job.name} (${job.jid}) switched to state ${job.state}.`);
  }

  private failJob(job: FlinkJob, failure: JobException, vertexIndex = 0): void {
    if (job.terminal) return;
    job.stopReason = 'failure';
    job.abort.abort();
    job.setState('FAILING');
    const failed = Math.min(vertexIndex, job.vertices.length - 1);
    job.setVertices('FAILED', (_v, i) => i === failed);
    job.setVertices('CANCELED', (v) => v.status !== 'FAILED' && v.status !== 'FINISHED');
    job.rootException = failure;
    job.exceptionHistory.push(failure);
    job.setState('FAILED');
    this.release(job);
    this.log.info('org.apache.flink.runtime.jobmaster.JobMaster', `Job ${job.name} (${job.jid}) switched from state FAILING to FAILED.\n${failure.exception.map((e) => `${e.className}: ${e.message}`).join('\nCaused by: ')}`);
  }

  private async triggerSavepoint(job: FlinkJob, targetDirectory: string, after: 'none' | 'cancel' | 'stop'): Promise<string> {
    const triggerId = hex32();
    job.savepoints.set(triggerId, { status: 'IN_PROGRESS' });
    const delay = this.conf.int('standin.savepoint-delay-ms', 300);
    const triggeredAt = Date.now();
    void (async () => {
      await sleep(delay);
      const op = job.savepoints.get(triggerId)!;
      if (job.state !== 'RUNNING' || !job.program.streaming || !job.vertices.every((v) => v.status === 'RUNNING')) {
        op.status = 'COMPLETED';
        op.failure = [
          { className: 'org.apache.flink.runtime.checkpoint.CheckpointException', message: `Checkpoint triggering task ${job.vertices[0].name} (1/${job.parallelism}) of job ${job.jid} is not being executed at the moment. Aborting checkpoint. Failure reason: Not all required tasks are currently running.` },
        ];
        return;
      }
      try {
        const dir = path.join(targetDirectory.replace(/^file:\/\//, '').replace(/^file:/, ''), `savepoint-${job.jid.slice(0, 6)}-${hex32().slice(0, 12)}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, '_metadata'), JSON.stringify({ jobId: job.jid, entryClass: job.entryClass, timestamp: Date.now(), state: job.program.snapshot?.() ?? {} }));
        op.location = `file:${dir}`;
        op.status = 'COMPLETED';
        this.streaming?.recordSavepoint(job, { trigger: triggeredAt, duration: Date.now() - triggeredAt, path: op.location });
        this.log.info('org.apache.flink.runtime.checkpoint.CheckpointCoordinator', `Completed checkpoint for job ${job.jid} (savepoint ${op.location}).`);
        if (after !== 'none') {
          job.stopReason = after === 'stop' ? 'stop-with-savepoint' : 'cancel';
          if (after === 'cancel') job.setState('CANCELLING');
          job.abort.abort();
          this.finishStopped(job);
        }
      } catch {
        op.status = 'COMPLETED';
        op.failure = savepointDirectoryFailure(this.version, targetDirectory);
        // Recorded: 1.20 and 2.3 count it as a failed savepoint in the checkpoint statistics; 1.13 (failing at trigger) does not.
        if (versionAtLeast(this.version, '1.15')) this.streaming?.recordSavepoint(job, { trigger: triggeredAt, duration: Date.now() - triggeredAt, failure: 'An Exception occurred while triggering the checkpoint. IO-problem detected.' });
      }
    })();
    return triggerId;
  }

  // ---------------------------------------------------------------- REST

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathname = url.pathname.replace(/\/+$/, '') || '/';
    if (pathname === '/v1' || pathname.startsWith('/v1/')) pathname = pathname.slice(3) || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      for (const route of this.routes) {
        if (route.method !== method) continue;
        const m = route.pattern.exec(pathname);
        if (!m) continue;
        const params = m.slice(1).map((p) => decodeURIComponent(p));
        const result = await route.handle(req, res, params, url.searchParams);
        if (result !== ANSWERED) sendJson(res, route.method === 'PATCH' || (method === 'POST' && /\/(stop|savepoints)$/.test(pathname)) ? 202 : 200, result);
        return;
      }
      drain(req);
      // Unknown paths fall through to the web UI's static file handler.
      throw new RestError(404, `Unable to load requested file ${url.pathname}.`, { plain: true });
    } catch (e) {
      drain(req);
      const err = e instanceof RestError
        ? e
        : new RestError(500, (e as Error).message, { unhandled: true, exceptionClass: (e as Error).name === 'Error' ? 'java.lang.RuntimeException' : (e as Error).name });
      if (!(e instanceof RestError)) this.log.error(REST_LOGGER, `Unhandled exception: ${(e as Error).stack}`);
      if (!res.headersSent) sendJson(res, err.status, errorBody(err, this.version));
      else res.end();
    }
  }

  private route(method: string, pattern: string, handle: Route['handle']): void {
    const regex = new RegExp(`^${pattern.replace(/:[a-z]+/g, '([^/]+)')}$`);
    this.routes.push({ method, pattern: regex, handle });
  }

  private job(jobIdText: string): FlinkJob {
    if (!/^[0-9a-f]{32}$/.test(jobIdText)) {
      throw new RestError(400, `Bad request, could not parse parameters: Cannot resolve path parameter (jobid) from value "${jobIdText}".`, {
        causes: [{ className: 'org.apache.flink.runtime.rest.messages.ConversionException', message: `Cannot resolve path parameter (jobid) from value "${jobIdText}".` }],
      });
    }
    const job = this.jobs.get(jobIdText);
    if (!job) throw notFound(`Job ${jobIdText} not found`, jobNotFoundCause(jobIdText));
    return job;
  }

  private taskManager(id: string): RegisteredTaskManager {
    const tm = this.taskManagers.get(id);
    // Recorded in 1.13, 1.20 and 2.3: an unhandled 500, not a 404.
    if (!tm) throw new RestError(500, `No TaskExecutor registered under ${id}.`, { unhandled: true, exceptionClass: 'org.apache.flink.runtime.resourcemanager.exceptions.UnknownTaskExecutorException' });
    return tm;
  }

  private defineRoutes(): void {
    const v = this.version;
    this.route('GET', '/config', async () => {
      const features: Record<string, boolean> = { 'web-submit': this.conf.string('web.submit.enable', 'true') !== 'false' };
      if (versionAtLeast(v, '1.15')) features['web-cancel'] = this.conf.string('web.cancel.enable', 'true') !== 'false';
      if (versionAtLeast(v, '1.19')) {
        features['web-rescale'] = this.conf.string('web.rescale.enable', 'false') === 'true';
        features['web-history'] = false;
      }
      const offsetMin = -new Date().getTimezoneOffset();
      return {
        'refresh-interval': this.conf.int('web.refresh-interval', 3000),
        'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
        'timezone-offset': offsetMin * 60000,
        'flink-version': v.text,
        'flink-revision': 'standin @ 1970-01-01T00:00:00+00:00',
        features,
      };
    });
    this.route('GET', '/overview', async () => {
      const jobs = [...this.jobs.values()];
      const count = (s: string): number => jobs.filter((j) => j.state === s).length;
      let slotsTotal = 0;
      for (const tm of this.taskManagers.values()) slotsTotal += tm.registration.slots;
      const body: Record<string, unknown> = {
        taskmanagers: this.taskManagers.size,
        'slots-total': slotsTotal,
        'slots-available': this.freeSlotsTotal(),
        'jobs-running': jobs.filter((j) => !j.terminal).length,
        'jobs-finished': count('FINISHED'),
        'jobs-cancelled': count('CANCELED'),
        'jobs-failed': count('FAILED'),
        'flink-version': v.text,
        'flink-commit': 'standin',
      };
      // 1.19+ send the blocked counts only when they are not zero; the stand-in never blocks a TaskManager.
      return body;
    });
    this.route('GET', '/jobmanager/config', async () =>
      Object.entries(this.options.configuration)
        .filter(([k]) => !/password|secret/i.test(k))
        .map(([key, value]) => ({ key, value })),
    );
    this.route('GET', '/jobmanager/environment', async () => ({
      jvm: { version: `OpenJDK 64-Bit Server VM - Stand-in - 11 (node ${process.version})`, arch: process.arch, options: [`-Dlog.file=${this.log.logFile}`] },
      classpath: [],
    }));
    this.route('GET', '/jobmanager/logs', async () => ({ logs: this.logList(this.log.listFiles()) }));
    this.route('GET', '/jobmanager/logs/:file', async (_q, res, [file]) => this.sendLogFile(res, this.log.resolveFile(file), 'JobManager'));
    this.route('GET', '/jobmanager/log', async (_q, res) => this.sendLogFile(res, this.log.logFile, 'JobManager'));
    // A process started with start-foreground (as sessions start them) has no .out file: Flink answers 404.
    this.route('GET', '/jobmanager/stdout', async (_q, res) => this.sendLogFile(res, this.daemon ? this.log.outFile : undefined, 'JobManager'));
    this.route('GET', '/jobmanager/metrics', async (_q, _r, _p, query) => {
      const mem = process.memoryUsage();
      const all: Record<string, string> = {
        'Status.JVM.Memory.Heap.Used': String(mem.heapUsed),
        'Status.JVM.Memory.Heap.Committed': String(mem.heapTotal),
        'Status.JVM.Memory.Heap.Max': String(this.conf.memory('jobmanager.memory.heap.size') ?? 1024 * MB),
        'Status.JVM.CPU.Load': '0.01',
        numRegisteredTaskManagers: String(this.taskManagers.size),
        numRunningJobs: String([...this.jobs.values()].filter((j) => !j.terminal).length),
        taskSlotsAvailable: String(this.freeSlotsTotal()),
      };
      return metricAnswer(all, query.get('get'));
    });
    this.route('GET', '/jobmanager/thread-dump', async () => ({ threadInfos: threadDump('flink-pekko.actor.default-dispatcher-5') }));

    // TaskManagers
    this.route('GET', '/taskmanagers', async () => ({ taskmanagers: [...this.taskManagers.keys()].map((id) => this.taskManagerInfo(id, false)) }));
    this.route('GET', '/taskmanagers/:id', async (_q, _r, [id]) => this.taskManagerInfo(id, true));
    this.route('GET', '/taskmanagers/:id/metrics', async (_q, _r, [id], query) => {
      const tm = this.taskManager(id);
      const m = tm.metrics;
      const all: Record<string, string> = {
        'Status.JVM.Memory.Heap.Used': String(m.heapUsed),
        'Status.JVM.Memory.Heap.Committed': String(m.heapCommitted),
        'Status.JVM.Memory.Heap.Max': String(m.heapMax),
        'Status.JVM.Memory.NonHeap.Used': String(m.nonHeapUsed),
        'Status.JVM.Memory.NonHeap.Max': String(m.nonHeapMax),
        'Status.JVM.Memory.Direct.Used': String(m.directUsed),
        'Status.JVM.CPU.Load': '0.02',
        'Status.Shuffle.Netty.AvailableMemorySegments': String(Math.floor(tm.registration.memory.networkMemory / 32768)),
        'Status.Shuffle.Netty.TotalMemorySegments': String(Math.floor(tm.registration.memory.networkMemory / 32768)),
        'Status.Flink.Memory.Managed.Total': String(tm.registration.memory.managedMemory),
        'Status.Flink.Memory.Managed.Used': '0',
      };
      return metricAnswer(all, query.get('get'));
    });
    this.route('GET', '/taskmanagers/:id/thread-dump', async (_q, _r, [id]) => {
      const tm = this.taskManager(id);
      return rpcCall(tm.registration.host, tm.registration.rpcPort, 'GET', '/thread-dump');
    });
    this.route('GET', '/taskmanagers/:id/logs', async (_q, _r, [id]) => {
      const tm = this.taskManager(id);
      const answer = await rpcCall<{ logs: { name: string; size: number; mtime: number }[] }>(tm.registration.host, tm.registration.rpcPort, 'GET', '/logs');
      return { logs: this.logList(answer.logs) };
    });
    const proxyLog = async (res: http.ServerResponse, id: string, what: string): Promise<symbol> => {
      const tm = this.taskManager(id);
      const upstream = await rpcGetStream(tm.registration.host, tm.registration.rpcPort, what);
      if (upstream.statusCode !== 200) {
        upstream.resume();
        throw new RestError(404, 'This file does not exist in TaskManager log dir.', { plain: true });
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      upstream.pipe(res);
      await new Promise((r) => res.on('close', r));
      return ANSWERED;
    };
    this.route('GET', '/taskmanagers/:id/log', async (_q, res, [id]) => proxyLog(res, id, '/log'));
    this.route('GET', '/taskmanagers/:id/stdout', async (_q, res, [id]) => {
      if (this.daemon) return proxyLog(res, id, '/stdout');
      this.taskManager(id);
      const missing = 'The file STDOUT does not exist on the TaskExecutor.';
      // Recorded: 1.13 fails with 500; 1.20 and 2.3 answer 200 with the notice as text, typed as JSON.
      if (!versionAtLeast(v, '1.15')) throw new RestError(500, missing, { unhandled: true, exceptionClass: 'org.apache.flink.util.FlinkException' });
      const text = `${missing} \nIf you are using kubernetes mode, please use "kubectl logs <pod-name>" to get stdout content.`;
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return ANSWERED;
    });
    this.route('GET', '/taskmanagers/:id/logs/:file', async (_q, res, [id, file]) => proxyLog(res, id, `/logs/${encodeURIComponent(file)}`));

    // Jars
    this.route('GET', '/jars', async () => this.jarList());
    this.route('POST', '/jars/upload', async (req) => this.upload(req));
    this.route('DELETE', '/jars/:jarid', async (_q, _r, [jarId]) => {
      const file = path.join(this.jarDir, jarId);
      if (jarId !== path.basename(jarId) || !fs.existsSync(file)) throw badRequest(`File ${jarId} does not exist in ${this.jarDir}.`);
      fs.rmSync(file, { force: true });
      return {};
    });
    this.route('POST', '/jars/:jarid/run', async (req, _r, [jarId], query) => this.runJar(req, jarId, query));
    this.route('POST', '/jars/:jarid/plan', async (req, _r, [jarId], query) => this.planJar(req, jarId, query));
    // Recorded: still served by 1.13, 1.20 and 2.3 (the generated specs drop it from 1.17).
    this.route('GET', '/jars/:jarid/plan', async (req, _r, [jarId], query) => this.planJar(req, jarId, query));

    // Jobs
    this.route('GET', '/jobs', async () => ({ jobs: [...this.jobs.values()].map((j) => ({ id: j.jid, status: j.state })) }));
    this.route('GET', '/jobs/overview', async () => ({ jobs: [...this.jobs.values()].sort((a, b) => b.startTime - a.startTime).map((j) => j.overview(v)) }));
    this.route('GET', '/jobs/:jobid', async (_q, _r, [id]) => this.job(id).details(v));
    this.route('GET', '/jobs/:jobid/status', async (_q, _r, [id]) => ({ status: this.job(id).state }));
    this.route('GET', '/jobs/:jobid/plan', async (_q, _r, [id]) => ({ plan: this.job(id).plan(v) }));
    this.route('PATCH', '/jobs/:jobid', async (_q, _r, [id], query) => {
      const mode = (query.get('mode') ?? 'cancel').toLowerCase();
      if (mode !== 'cancel' && mode !== 'stop') {
        throw badRequest(`Bad request, could not parse parameters: Cannot resolve query parameter (mode) from value "${query.get('mode')}".`);
      }
      if (!/^[0-9a-f]{32}$/.test(id)) this.job(id);
      const job = this.jobs.get(id);
      // Recorded: 1.13 only cancels jobs it still runs; a finished or cancelled one is "not found" there.
      if (!job || (job.terminal && !versionAtLeast(v, '1.15'))) throw notFound('Job could not be found.', jobNotFoundCause(id));
      if (mode === 'stop') throw badRequest(`The termination mode "stop" has been removed. For stopping a job with a savepoint use the stop-with-savepoint handler.`);
      if (job.terminal) {
        if (job.state === 'CANCELED') return {};
        throw new RestError(409, `Job cancellation failed because the job has already reached another terminal state (${job.state}).`);
      }
      job.stopReason = 'cancel';
      job.setState('CANCELLING');
      job.setVertices('CANCELING', (x) => x.status !== 'FINISHED');
      job.abort.abort();
      setTimeout(() => this.finishStopped(job), 30);
      return {};
    });
    this.route('POST', '/jobs/:jobid/savepoints', async (req, _r, [id]) => {
      const unknown = this.unknownJobTrigger(id);
      if (unknown) return unknown;
      const job = this.job(id);
      const body = await this.jsonBody(req, 'SavepointTriggerRequestBody', this.savepointFields(['target-directory', 'cancel-job']));
      const target = (body['target-directory'] as string | undefined) ?? this.conf.optional('state.savepoints.dir');
      if (!target) throw badRequest('Config key [state.savepoints.dir] is not set. Property [target-directory] must be provided.');
      return { 'request-id': await this.triggerSavepoint(job, target, body['cancel-job'] === true ? 'cancel' : 'none') };
    });
    this.route('POST', '/jobs/:jobid/stop', async (req, _r, [id]) => {
      const unknown = this.unknownJobTrigger(id);
      if (unknown) return unknown;
      const job = this.job(id);
      const body = await this.jsonBody(req, 'StopWithSavepointRequestBody', this.savepointFields(['drain', 'targetDirectory']));
      const target = (body.targetDirectory as string | undefined) ?? this.conf.optional('state.savepoints.dir');
      if (!target) throw badRequest('Config key [state.savepoints.dir] is not set. Property [targetDirectory] must be provided.');
      return { 'request-id': await this.triggerSavepoint(job, target, 'stop') };
    });
    this.route('GET', '/jobs/:jobid/savepoints/:triggerid', async (_q, _r, [id, triggerId]) => {
      const job = this.job(id);
      const op = job.savepoints.get(triggerId);
      if (!op) {
        if (versionAtLeast(v, '1.15')) throw notFound(`There is no savepoint operation with triggerId=${triggerId} for job ${id}.`);
        const key = `org.apache.flink.runtime.rest.handler.job.AsynchronousJobOperationKey@${Math.floor(Math.random() * 0xfffffff).toString(16)}`;
        throw notFound(`Operation not found under key: ${key}`, [{ className: 'org.apache.flink.runtime.rest.handler.async.UnknownOperationKeyException', message: `No ongoing operation for ${key}` }]);
      }
      if (op.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' } };
      const operation: Record<string, unknown> = op.failure
        ? { 'failure-cause': { class: op.failure[0].className, 'stack-trace': stringifyException(op.failure), 'serialized-throwable': Buffer.from(op.failure[0].message).toString('base64') } }
        : { location: op.location };
      return { status: { id: 'COMPLETED' }, operation };
    });
    this.route('GET', '/jobs/:jobid/exceptions', async (_q, _r, [id], query) => {
      const job = this.job(id);
      const max = query.get('maxExceptions');
      return job.exceptions(v, max === null ? undefined : Number(max));
    });
    this.route('GET', '/jobs/:jobid/accumulators', async (_q, _r, [id], query) => {
      const job = this.job(id);
      // Recorded: serialized-user-task-accumulators is always there, empty unless asked for.
      const body: Record<string, unknown> = { 'job-accumulators': [], 'user-task-accumulators': job.userAccumulators(), 'serialized-user-task-accumulators': {} };
      if (query.get('includeSerializedValue') === 'true') {
        body['serialized-user-task-accumulators'] = Object.fromEntries(job.userAccumulators().map((a) => [a.name, { byteArray: [Buffer.from(a.value).toString('base64')] }]));
      }
      return body;
    });
    this.route('GET', '/jobs/:jobid/execution-result', async (_q, _r, [id]) => {
      if (!/^[0-9a-f]{32}$/.test(id)) this.job(id);
      const job = this.jobs.get(id);
      if (!job) throw notFound(`Could not find Flink job (${id})`);
      return job.executionResult(v);
    });

    this.streaming = defineStreamingEndpoints({ route: (m, p, handle) => this.route(m, p, handle as Route['handle']), job: (id) => this.job(id), conf: this.conf, version: v, answered: ANSWERED });

    this.route('DELETE', '/cluster', async (_q, res) => {
      sendJson(res, 200, {});
      this.log.info(LOGGER, 'Shutting down cluster because someone requested it through the REST API (DELETE /cluster).');
      setTimeout(() => void this.stop('Cluster shut down via REST API').then(() => this.emit('shutdown')), 50);
      return ANSWERED;
    });
  }

  /** Recorded: a savepoint or stop of a job id nobody knows is accepted (202), and its trigger is then unknown. */
  private unknownJobTrigger(id: string): { 'request-id': string } | undefined {
    if (!/^[0-9a-f]{32}$/.test(id) || this.jobs.has(id)) return undefined;
    return { 'request-id': hex32() };
  }

  private savepointFields(base: string[]): string[] {
    const fields = [...base];
    if (versionAtLeast(this.version, '1.15')) fields.push('triggerId', 'formatType');
    return fields;
  }

  private logList(files: { name: string; size: number; mtime: number }[]): Record<string, unknown>[] {
    return files.map((f) => (versionAtLeast(this.version, '1.15') ? { name: f.name, size: f.size, mtime: f.mtime } : { name: f.name, size: f.size }));
  }

  private async sendLogFile(res: http.ServerResponse, file: string | undefined, who: string): Promise<symbol> {
    if (!file || !fs.existsSync(file)) throw new RestError(404, `This file does not exist in ${who} log dir.`, { plain: true });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
    await new Promise((r) => res.on('close', r));
    return ANSWERED;
  }

  private taskManagerInfo(id: string, details: boolean): Record<string, unknown> {
    const tm = this.taskManager(id);
    const r = tm.registration;
    const mb = (n: number): number => Math.round(n / MB);
    const profile = (fraction: number): Record<string, unknown> => ({
      cpuCores: r.cpuCores * fraction,
      taskHeapMemory: mb(r.memory.taskHeap * fraction),
      taskOffHeapMemory: mb(r.memory.taskOffHeap * fraction),
      managedMemory: mb(r.memory.managedMemory * fraction),
      networkMemory: mb(r.memory.networkMemory * fraction),
      extendedResources: {},
    });
    const info: Record<string, unknown> = {
      id,
      path: `${rpcScheme(this.version)}://flink@${r.host}:${r.rpcPort}/user/rpc/taskmanager_0`,
      dataPort: r.dataPort,
      jmxPort: -1,
      timeSinceLastHeartbeat: tm.lastHeartbeat,
      slotsNumber: r.slots,
      freeSlots: tm.freeSlots,
      totalResource: profile(1),
      freeResource: profile(r.slots === 0 ? 0 : tm.freeSlots / r.slots),
      hardware: { cpuCores: r.cpuCores, physicalMemory: r.physicalMemory, freeMemory: tm.metrics.heapMax - tm.metrics.heapUsed, managedMemory: r.memory.managedMemory },
      memoryConfiguration: memoryConfiguration(r.memory),
    };
    // `blocked` is left out while false (1.19+); 2.x counts the tasks deployed to the TaskManager.
    if (versionAtLeast(this.version, '2.0')) info.assignedTasks = 0;
    if (!details) return info;
    const m = tm.metrics;
    const segments = Math.floor(r.memory.networkMemory / 32768);
    const metrics: Record<string, unknown> = {
      heapUsed: m.heapUsed,
      heapCommitted: m.heapCommitted,
      heapMax: m.heapMax,
      nonHeapUsed: m.nonHeapUsed,
      nonHeapCommitted: m.nonHeapCommitted,
      nonHeapMax: m.nonHeapMax,
      directCount: m.directCount,
      directUsed: m.directUsed,
      directMax: m.directMax,
      mappedCount: m.mappedCount,
      mappedUsed: m.mappedUsed,
      mappedMax: m.mappedMax,
      nettyShuffleMemorySegmentsAvailable: segments,
      nettyShuffleMemorySegmentsUsed: 0,
      nettyShuffleMemorySegmentsTotal: segments,
      nettyShuffleMemoryAvailable: r.memory.networkMemory,
      nettyShuffleMemoryUsed: 0,
      nettyShuffleMemoryTotal: r.memory.networkMemory,
      garbageCollectors: m.garbageCollectors,
    };
    if (!versionAtLeast(this.version, '2.0')) {
      metrics.memorySegmentsAvailable = segments;
      metrics.memorySegmentsTotal = segments;
    }
    info.metrics = metrics;
    info.allocatedSlots = [...this.jobs.values()]
      .filter((j) => !j.terminal && j.slots.has(id))
      .flatMap((j) => Array.from({ length: j.slots.get(id) ?? 0 }, () => ({ jobId: j.jid, resource: profile(r.slots === 0 ? 0 : 1 / r.slots), ...(versionAtLeast(this.version, '2.0') ? { assignedTasks: 0 } : {}) })));
    // Recorded: 1.13 lists no allocated slots, even while a job runs.
    if (!versionAtLeast(this.version, '1.15')) info.allocatedSlots = [];
    return info;
  }

  private async jarList(): Promise<Record<string, unknown>> {
    const files = fs.readdirSync(this.jarDir).filter((f) => f.endsWith('.jar'));
    const entries = await Promise.all(
      files.map(async (id) => {
        const file = path.join(this.jarDir, id);
        let entry: { name: string; description: string | null }[] = [];
        try {
          const cls = manifestEntryClass((await readJar(file)).manifest);
          if (cls) entry = [{ name: cls, description: null }];
        } catch {
          // not a readable jar: listed without entry classes, as Flink does
        }
        const st = fs.statSync(file);
        return { id, name: id.slice(id.indexOf('_') + 1), uploaded: Math.floor(st.mtimeMs), entry };
      }),
    );
    entries.sort((a, b) => b.uploaded - a.uploaded);
    return { address: this.restUrl, files: entries };
  }

  private answerExpectContinue(req: http.IncomingMessage, res: http.ServerResponse): void {
    const max = this.maxContentLength();
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > max) {
      // The client has not sent the body and will not: answer and close instead of reading it.
      res.setHeader('connection', 'close');
      const err = new RestError(413, `Request entity too large: the upload of ${declared} bytes exceeds rest.server.max-content-length (${max} bytes).`, { plain: true });
      sendJson(res, err.status, errorBody(err, this.version));
      req.resume();
      return;
    }
    res.writeContinue();
    void this.serve(req, res);
  }

  private maxContentLength(): number {
    return this.conf.int('rest.server.max-content-length', 104857600);
  }

  private async upload(req: http.IncomingMessage): Promise<unknown> {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) {
      await drainAll(req);
      throw badRequest('Exactly 1 file must be sent, received 0.');
    }
    // Recorded (1.13, 1.20, 2.3): Flink streams multipart uploads to disk past rest.server.max-content-length, which
    // limits the other requests only; a body that ends early has delivered no file.
    const result = await receiveMultipart(req, boundary, this.jarDir, Number.MAX_SAFE_INTEGER);
    try {
      if (result.malformed) throw badRequest('Exactly 1 file must be sent, received 0.');
      const unknown = result.fields.find((f) => f.name !== 'request');
      if (unknown) throw new RestError(400, `Received unknown attribute ${unknown.name}.`, { plain: true });
      // Parts with the same file name land in the same file: the last one is what was received.
      const byName = new Map(result.files.map((f) => [path.basename(f.fileName.replace(/\\/g, '/')), f]));
      if (byName.size !== 1) throw badRequest(`Exactly 1 file must be sent, received ${byName.size}.`);
      const part = [...byName.values()][0];
      const name = path.basename(part.fileName.replace(/\\/g, '/'));
      if (!name.endsWith('.jar')) throw badRequest('Only Jar files are allowed.');
      const target = path.join(this.jarDir, `${randomUUID()}_${name}`);
      fs.renameSync(part.path, target);
      this.log.info('org.apache.flink.runtime.webmonitor.handlers.JarUploadHandler', `Uploaded ${name} (${part.size} bytes) to ${target}`);
      return { filename: target, status: 'success' };
    } finally {
      removeUploadedFiles(result);
    }
  }

  /** Parses a JSON body the way Flink's strict mapper does: unknown fields or wrong types are refused. */
  private async jsonBody(req: http.IncomingMessage, className: string, fields: string[]): Promise<Record<string, unknown>> {
    const text = (await readBody(req, 10 * MB)).toString('utf8').trim();
    if (text === '') return {};
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest(`Request did not match expected format ${className}.`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Request did not match expected format ${className}.`);
    const lenient = versionAtLeast(this.version, '1.20');
    for (const [k, value] of Object.entries(body)) {
      if (!fields.includes(k)) {
        // From 1.20 Flink parses request bodies leniently: a field it does not know is dropped, not refused.
        if (lenient) {
          delete (body as Record<string, unknown>)[k];
          continue;
        }
        throw new RestError(400, `Request did not match expected format ${className}.`, {
          causes: [{
            className: 'org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException',
            message: `Unrecognized field "${k}" (class ${REQUEST_BODY_CLASSES[className] ?? className}), not marked as ignorable (${fields.length} known properties: ${fields.map((x) => `"${x}"`).join(', ')}])`,
          }],
        });
      }
      if (value === null) continue;
      const intField = k === 'parallelism';
      const boolField = ['allowNonRestoredState', 'drain', 'cancel-job'].includes(k);
      const listField = k === 'programArgsList';
      const mapField = k === 'flinkConfiguration';
      const ok = intField
        ? (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value))
        : boolField
          ? typeof value === 'boolean'
          : listField
            ? Array.isArray(value) && value.every((x) => typeof x === 'string')
            : mapField
              ? typeof value === 'object' && !Array.isArray(value)
              : typeof value === 'string';
      if (!ok) throw badRequest(`Request did not match expected format ${className}.`);
      if (k === 'jobId' && !/^[0-9a-f]{32}$/.test(value as string)) throw badRequest(`Request did not match expected format ${className}.`);
      if (k === 'restoreMode' && !['CLAIM', 'NO_CLAIM', 'LEGACY'].includes(value as string)) throw badRequest(`Request did not match expected format ${className}.`);
    }
    return body as Record<string, unknown>;
  }

  private runFields(plan: boolean): string[] {
    // Jackson's order of the known properties, as 1.13's refusal lists them.
    const f = versionAtLeast(this.version, '2.0') ? ['entryClass', 'parallelism', 'jobId', 'programArgsList'] : ['programArgs', 'entryClass', 'jobId', 'parallelism', 'programArgsList'];
    if (!plan) f.splice(versionAtLeast(this.version, '2.0') ? 0 : 2, 0, 'allowNonRestoredState');
    if (!plan) f.push('savepointPath');
    if (!plan && versionAtLeast(this.version, '1.15')) f.push('restoreMode');
    if (versionAtLeast(this.version, '1.19')) f.push('flinkConfiguration');
    if (!plan && versionAtLeast(this.version, '1.20')) f.push('claimMode');
    return f;
  }

  /** The shared part of run and plan: arguments, jar, entry class, main(). */
  private async prepareProgram(req: http.IncomingMessage, jarId: string, query: URLSearchParams, plan: boolean): Promise<{ program: BuiltinProgram; entryClass: string; parallelism: number; body: Record<string, unknown>; args: string[] }> {
    const body = await this.jsonBody(req, plan ? 'JarPlanRequestBody' : 'JarRunRequestBody', this.runFields(plan));
    const fromQueryList = query.getAll('programArg').flatMap((s) => s.split(',')).filter((s) => s !== '');
    // Flink 2.0 removed programArgs and the program-args query form: both are ignored there.
    const argsText = versionAtLeast(this.version, '2.0') ? '' : (body.programArgs as string | undefined) || query.get('program-args') || query.get('programArgs') || '';
    const argsList = (body.programArgsList as string[] | undefined) ?? (fromQueryList.length ? fromQueryList : []);
    const argsFromText = tokenizeProgramArgs(argsText);
    if (argsList.length > 0 && argsFromText.length > 0) {
      throw badRequest('Confusing request: programArgs and programArgsList are specified, please, use only programArgsList');
    }
    const args = argsList.length > 0 ? argsList : argsFromText;
    const parallelismValue = body.parallelism ?? query.get('parallelism') ?? undefined;
    let parallelism = parallelismValue === undefined || parallelismValue === null ? -1 : Number(parallelismValue);
    if (parallelism <= 0) parallelism = this.conf.int('parallelism.default', 1);
    const jarFile = path.join(this.jarDir, jarId);
    if (jarId !== path.basename(jarId) || !fs.existsSync(jarFile)) {
      // Recorded: run answers 500 in 1.13, 1.20 and 2.3; plan 400 in 1.13 and 500 in 1.20 and 2.3.
      // The 500 is Flink's unhandled form: "Internal server error." and a CompletionException around the RestHandlerException.
      const message = `Jar file ${jarFile} does not exist`;
      if (plan && !versionAtLeast(this.version, '1.20')) throw new RestError(400, message);
      throw new RestError(500, `org.apache.flink.runtime.rest.handler.RestHandlerException: ${message}`, {
        unhandled: true, exceptionClass: 'java.util.concurrent.CompletionException',
        causes: [{ className: 'org.apache.flink.runtime.rest.handler.RestHandlerException', message }],
      });
    }
    const invocation = (message: string): RestError =>
      new RestError(500, `org.apache.flink.client.program.ProgramInvocationException: ${message}`, {
        unhandled: true,
        exceptionClass: 'java.util.concurrent.CompletionException',
        causes: [{ className: 'org.apache.flink.client.program.ProgramInvocationException', message }],
      });
    let contents;
    try {
      contents = await readJar(jarFile);
    } catch {
      throw invocation(`Error while opening jar file '${jarFile}'`);
    }
    const entryClass = (body.entryClass as string | undefined) || query.get('entry-class') || manifestEntryClass(contents.manifest);
    if (!entryClass) throw invocation("Neither a 'Main-Class', nor a 'program-class' entry was found in the jar file.");
    if (!contents.classes.has(entryClass)) throw invocation(`The program's entry point class '${entryClass}' was not found in the jar file.`);
    try {
      return { program: createProgram(entryClass, args, this.programSettings), entryClass, parallelism, body, args };
    } catch (e) {
      if (e instanceof ProgramInvocationError) {
        const causes = e.message === 'No jobs included in application.'
          ? [{ className: 'org.apache.flink.util.FlinkRuntimeException', message: e.message }]
          : e.causes;
        throw new RestError(400, 'Could not execute application.', { causes });
      }
      throw e;
    }
  }

  private async runJar(req: http.IncomingMessage, jarId: string, query: URLSearchParams): Promise<unknown> {
    const { program, entryClass, parallelism, body } = await this.prepareProgram(req, jarId, query, false);
    const jid = (body.jobId as string | undefined) ?? hex32();
    if (this.jobs.has(jid)) {
      throw new RestError(400, 'Could not execute application.', { causes: [{ className: 'org.apache.flink.runtime.client.DuplicateJobSubmissionException', message: 'Job has already been submitted.' }] });
    }
    const job = new FlinkJob(jid, program, parallelism, entryClass);
    this.jobs.set(jid, job);
    const savepointPath = (body.savepointPath as string | undefined) || query.get('savepointPath') || undefined;
    job.restoredFrom = savepointPath;
    let restored: Record<string, unknown> | undefined;
    let savepointError: JobException | undefined;
    if (savepointPath) {
      const p = savepointPath.replace(/^file:\/\//, '').replace(/^file:/, '');
      const metadata = fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, '_metadata') : p;
      try {
        restored = (JSON.parse(fs.readFileSync(metadata, 'utf8')) as { state?: Record<string, unknown> }).state ?? {};
      } catch {
        savepointError = {
          exception: [
            { className: 'org.apache.flink.runtime.client.JobInitializationException', message: 'Could not start the JobMaster.' },
            { className: 'java.io.FileNotFoundException', message: `Cannot find checkpoint or savepoint file/directory '${savepointPath}' on file system 'file'.` },
          ],
          timestamp: Date.now(),
        };
      }
    }
    this.log.info('org.apache.flink.runtime.dispatcher.StandaloneDispatcher', `Received JobGraph submission '${job.name}' (${jid}).`);
    void this.runJob(job, restored, savepointError).catch((e) => this.log.error(LOGGER, `Job ${jid} crashed: ${(e as Error).stack}`));
    // 2.x answers the application id as well (the job's id for a jar run).
    return versionAtLeast(this.version, '2.0') ? { jobid: jid, applicationId: jid } : { jobid: jid };
  }

  private async planJar(req: http.IncomingMessage, jarId: string, query: URLSearchParams): Promise<unknown> {
    const { program, parallelism, body } = await this.prepareProgram(req, jarId, query, true);
    const jid = (body.jobId as string | undefined) ?? hex32();
    const ids = program.vertexNames.map(() => hex32());
    return { plan: jobPlan(jid, program.jobName, program, parallelism, ids, this.version) };
  }
}

/** Flink's regex split of the deprecated single-string programArgs (quotes are stripped, escapes are not understood). */
export function tokenizeProgramArgs(text: string): string[] {
  const out: string[] = [];
  const re = /([^"'\s]\S*|".+?"|'.+?')\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    let t = m[1];
    if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) t = t.slice(1, -1);
    out.push(t);
  }
  return out;
}

function memoryConfiguration(m: TaskExecutorMemory): Record<string, number> {
  return {
    frameworkHeap: m.frameworkHeap,
    taskHeap: m.taskHeap,
    frameworkOffHeap: m.frameworkOffHeap,
    taskOffHeap: m.taskOffHeap,
    networkMemory: m.networkMemory,
    managedMemory: m.managedMemory,
    jvmMetaspace: m.jvmMetaspace,
    jvmOverhead: m.jvmOverhead,
    totalFlinkMemory: m.totalFlinkMemory,
    totalProcessMemory: m.totalProcessMemory,
  };
}

/** Flink's metric answers are bare arrays: names only without ?get=, values for the names asked. */
function metricAnswer(all: Record<string, string>, get: string | null): { id: string; value?: string }[] {
  if (!get) return Object.keys(all).map((id) => ({ id }));
  return get
    .split(',')
    .map((s) => s.trim())
    .filter((id) => id in all)
    .map((id) => ({ id, value: all[id] }));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), 'access-control-allow-origin': '*' });
  res.end(text);
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => (tooLarge ? reject(new RestError(413, `Request entity too large (more than ${max} bytes).`, { plain: true })) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function drain(req: http.IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}

function drainAll(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.resume();
  });
}
