// The stand-in TaskManager: binds its RPC and data ports, registers at the JobManager (retrying until it answers) and heartbeats.
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as fs from 'node:fs';
import { parseFlinkVersion } from './flinkVersion';
import { ProcessLog } from './ProcessLog';
import { RegistrationRequest, RegistrationResponse, HeartbeatResponse, TaskManagerMetrics, rpcCall, threadDump } from './rpcProtocol';
import { ConfigReader, FlinkConfiguration, parsePortRange, standinLeaderFile } from './standinConfiguration';
import { taskExecutorMemory, TaskExecutorMemory } from './taskExecutorMemory';

const LOGGER = 'org.apache.flink.runtime.taskexecutor.TaskExecutor';

export interface TaskManagerOptions {
  configuration: FlinkConfiguration;
  log: ProcessLog;
}

function listenOn(server: net.Server, host: string, ports: number[], key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let i = 0;
    const attempt = (): void => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE' && ++i < ports.length) return attempt();
        reject(new Error(`Could not bind ${key} ${host}:${ports.join(',')}: ${e.message}`));
      });
      server.listen(ports[i], host, () => {
        server.removeAllListeners('error');
        resolve((server.address() as net.AddressInfo).port);
      });
    };
    attempt();
  });
}

export class TaskManager {
  readonly conf: ConfigReader;
  readonly resourceId: string;
  readonly memory: TaskExecutorMemory;
  readonly slots: number;
  rpcPort = 0;
  dataPort = 0;
  host: string;
  registered = false;
  private readonly rpcServer: http.Server;
  private readonly dataServer: net.Server;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastJobManagerContact = Date.now();
  private heartbeatIntervalMs: number;
  private readonly gcStart = Date.now();
  /** Fires when the TaskManager gives up (registration timeout): the process exits with this code. */
  onFatal: (code: number) => void = () => {};

  private constructor(private readonly options: TaskManagerOptions) {
    this.conf = new ConfigReader(options.configuration);
    parseFlinkVersion(this.conf.string('standin.flink-version', '1.19.1'));
    this.host = this.conf.string('taskmanager.host', this.conf.string('jobmanager.rpc.address', 'localhost') === 'localhost' ? '127.0.0.1' : this.conf.string('jobmanager.rpc.address', '127.0.0.1'));
    if (this.host === 'localhost') this.host = '127.0.0.1';
    this.resourceId = this.conf.string('taskmanager.resource-id', `${this.host}:0-${Math.random().toString(16).slice(2, 8)}`);
    this.memory = taskExecutorMemory(this.conf);
    this.slots = this.conf.int('taskmanager.numberOfTaskSlots', 1);
    if (this.slots < 1) throw new Error(`taskmanager.numberOfTaskSlots must be at least 1, got ${this.slots}`);
    this.heartbeatIntervalMs = this.conf.duration('heartbeat.interval', 10000);
    this.rpcServer = http.createServer((req, res) => this.serve(req, res));
    this.dataServer = net.createServer((s) => s.destroy());
  }

  get log(): ProcessLog {
    return this.options.log;
  }

  static async start(options: TaskManagerOptions): Promise<TaskManager> {
    const tm = new TaskManager(options);
    await tm.startServices();
    return tm;
  }

  private async startServices(): Promise<void> {
    const c = this.conf;
    this.log.info(LOGGER, '--------------------------------------------------------------------------------');
    this.log.info(LOGGER, ` Starting TaskManager (Version: ${c.string('standin.flink-version', '1.19.1')}, Stand-in)`);
    this.log.info(LOGGER, '--------------------------------------------------------------------------------');
    const delay = c.int('standin.startup-delay-ms', Number(process.env.STANDIN_STARTUP_DELAY_MS ?? 0));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const bindHost = c.string('taskmanager.bind-host', this.host) === '0.0.0.0' ? '0.0.0.0' : this.host;
    this.rpcPort = await listenOn(this.rpcServer, bindHost, parsePortRange(c.string('taskmanager.rpc.port', '0'), 'taskmanager.rpc.port'), 'taskmanager.rpc.port');
    this.dataPort = await listenOn(this.dataServer, bindHost, parsePortRange(c.string('taskmanager.data.port', '0'), 'taskmanager.data.port'), 'taskmanager.data.port');
    this.log.info(LOGGER, `Starting TaskManager with ResourceID: ${this.resourceId}`);
    this.log.info(LOGGER, `TaskManager RPC endpoint listening at ${this.host}:${this.rpcPort}, data port ${this.dataPort}`);
    this.log.info(LOGGER, `Memory configuration: total process memory ${this.memory.totalProcessMemory} bytes, ${this.slots} slots`);
    this.lastJobManagerContact = Date.now();
    void this.registrationLoop();
  }

  private get jobManager(): { host: string; port: number } {
    const leader = standinLeaderFile(this.conf);
    if (leader) {
      // HA: the leader's address, not the one given at launch (a new JobManager may have taken over).
      try { return JSON.parse(fs.readFileSync(leader, 'utf8')) as { host: string; port: number }; } catch { /* no leader yet */ }
    }
    const host = this.conf.string('jobmanager.rpc.address', 'localhost');
    return { host: host === 'localhost' ? '127.0.0.1' : host, port: this.conf.int('jobmanager.rpc.port', 6123) };
  }

  private metrics(): TaskManagerMetrics {
    const mem = process.memoryUsage();
    const heapMax = this.memory.frameworkHeap + this.memory.taskHeap;
    const elapsed = Date.now() - this.gcStart;
    return {
      heapUsed: mem.heapUsed,
      heapCommitted: mem.heapTotal,
      heapMax,
      nonHeapUsed: mem.rss - mem.heapTotal > 0 ? mem.rss - mem.heapTotal : mem.external,
      nonHeapCommitted: mem.rss,
      nonHeapMax: this.memory.jvmMetaspace,
      directCount: 8,
      directUsed: mem.arrayBuffers,
      directMax: this.memory.networkMemory + this.memory.frameworkOffHeap + this.memory.taskOffHeap,
      mappedCount: 0,
      mappedUsed: 0,
      mappedMax: 0,
      garbageCollectors: [
        { name: 'G1_Young_Generation', count: Math.floor(elapsed / 5000), time: Math.floor(elapsed / 500) },
        { name: 'G1_Old_Generation', count: 0, time: 0 },
      ],
    };
  }

  private registration(): RegistrationRequest {
    return {
      resourceId: this.resourceId,
      host: this.host,
      rpcPort: this.rpcPort,
      dataPort: this.dataPort,
      slots: this.slots,
      cpuCores: this.conf.number('taskmanager.cpu.cores', this.slots),
      physicalMemory: os.totalmem(),
      memory: this.memory,
      metrics: this.metrics(),
    };
  }

  /** Registers with growing pauses until the JobManager answers, then heartbeats; re-registers when the JobManager forgets it. */
  private async registrationLoop(): Promise<void> {
    const initial = this.conf.duration('cluster.registration.initial-timeout', 100);
    const max = this.conf.duration('cluster.registration.max-timeout', 30000);
    const errorDelay = this.conf.duration('cluster.registration.error-delay', 1000);
    const registrationTimeout = this.conf.duration('taskmanager.registration.timeout', 300000);
    let pause = initial;
    while (!this.stopped) {
      const jm = this.jobManager;
      try {
        const answer = await rpcCall<RegistrationResponse>(jm.host, jm.port, 'POST', '/rpc/register', this.registration(), Math.max(pause, 1000));
        this.registered = true;
        this.lastJobManagerContact = Date.now();
        this.heartbeatIntervalMs = Math.min(this.heartbeatIntervalMs, answer.heartbeatIntervalMs);
        this.log.info(LOGGER, `Successful registration at resource manager ${jm.host}:${jm.port} under registration id ${answer.jobManagerId}.`);
        await this.heartbeatLoop(answer.heartbeatTimeoutMs);
        pause = initial;
      } catch (e) {
        if (this.stopped) return;
        this.log.info('org.apache.flink.runtime.registration.RetryingRegistration', `Could not resolve ResourceManager address ${jm.host}:${jm.port}, retrying in ${errorDelay} ms: ${(e as Error).message}`);
        if (Date.now() - this.lastJobManagerContact > registrationTimeout) {
          this.log.error(LOGGER, `Fatal error occurred in TaskExecutor. Could not register at the ResourceManager within the specified maximum registration duration ${registrationTimeout} ms. This indicates a problem with this instance. Terminating now.`);
          this.onFatal(1);
          return;
        }
        await this.sleep(Math.min(errorDelay, Math.max(pause, 10)));
        pause = Math.min(pause * 2, max);
      }
    }
  }

  /** Resolves when the JobManager forgets this TaskManager or stops answering for heartbeat.timeout. */
  private async heartbeatLoop(timeoutMs: number): Promise<void> {
    while (!this.stopped) {
      await this.sleep(this.heartbeatIntervalMs);
      if (this.stopped) return;
      const jm = this.jobManager;
      try {
        const answer = await rpcCall<HeartbeatResponse>(jm.host, jm.port, 'POST', '/rpc/heartbeat', { resourceId: this.resourceId, metrics: this.metrics() }, Math.max(1000, this.heartbeatIntervalMs));
        this.lastJobManagerContact = Date.now();
        if (!answer.known) {
          this.registered = false;
          this.log.info(LOGGER, 'The ResourceManager does not know this TaskManager any more (heartbeat timed out or the JobManager restarted). Registering again.');
          return;
        }
      } catch {
        if (Date.now() - this.lastJobManagerContact > timeoutMs) {
          this.registered = false;
          this.log.info(LOGGER, `The heartbeat of ResourceManager with id ${jm.host}:${jm.port} timed out. Trying to reconnect.`);
          return;
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      this.timer = setTimeout(r, ms);
    });
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const sendFile = (file: string | undefined): void => {
      if (!file || !fs.existsSync(file)) return send(404, { errors: ['This file does not exist in TaskManager log dir.'] });
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      fs.createReadStream(file).pipe(res);
    };
    if (url.pathname === '/logs') return send(200, { logs: this.log.listFiles() });
    if (url.pathname === '/log') return sendFile(this.log.logFile);
    if (url.pathname === '/stdout') return sendFile(this.log.outFile);
    if (url.pathname.startsWith('/logs/')) return sendFile(this.log.resolveFile(decodeURIComponent(url.pathname.slice('/logs/'.length))));
    if (url.pathname === '/thread-dump') return send(200, { threadInfos: threadDump('flink-pekko.actor.default-dispatcher-2') });
    send(404, { errors: [`Not found: ${url.pathname}`] });
  }

  /**
   * A graceful stop (SIGTERM) disconnects from the JobManager at once, as Flink's TaskExecutor does on shutdown;
   * `{ crash: true }` just goes silent, like a killed process, and the JobManager notices at its heartbeat timeout.
   */
  async stop(how: { crash?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.registered && !how.crash) {
      const jm = this.jobManager;
      await rpcCall(jm.host, jm.port, 'POST', '/rpc/disconnect', { resourceId: this.resourceId }, 1000).catch(() => undefined);
      this.registered = false;
    }
    this.rpcServer.closeAllConnections();
    await Promise.all([new Promise((r) => this.rpcServer.close(r)), new Promise((r) => this.dataServer.close(r))]);
    this.log.info(LOGGER, 'Stopped TaskExecutor.');
  }
}
