// Starts a stand-in Flink session (one JobManager, N TaskManagers) from the stand-in distribution as real processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureFlinkDistribution } from '../../standin/flink/distribution';
import { freePort } from '../../helpers/freePort';

export interface FlinkClusterOptions {
  taskManagers?: number;
  slotsPerTaskManager?: number;
  /** Extra -D settings for the JobManager. */
  jobManagerConf?: Record<string, string>;
}


export class FlinkCluster {
  private jobManager?: ChildProcess;
  private readonly taskManagerProcs: ChildProcess[] = [];
  private readonly output: string[] = [];

  private constructor(
    readonly flinkHome: string,
    readonly workDir: string,
    readonly restPort: number,
    readonly rpcPort: number,
    private readonly options: Required<FlinkClusterOptions>,
  ) {}

  get restUrl(): string {
    return `http://127.0.0.1:${this.restPort}`;
  }

  static async start(options: FlinkClusterOptions = {}): Promise<FlinkCluster> {
    const home = await ensureFlinkDistribution();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-client-e2e-'));
    const cluster = new FlinkCluster(home, workDir, await freePort(), await freePort(), {
      taskManagers: options.taskManagers ?? 1,
      slotsPerTaskManager: options.slotsPerTaskManager ?? 2,
      jobManagerConf: options.jobManagerConf ?? {},
    });
    try {
      await cluster.startJobManager();
      for (let i = 0; i < cluster.options.taskManagers; i++) cluster.startTaskManager(`tm-${i}`);
      await cluster.waitForTaskManagers(cluster.options.taskManagers);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private common(): Record<string, string> {
    return {
      'jobmanager.rpc.address': '127.0.0.1',
      'jobmanager.rpc.port': String(this.rpcPort),
      'jobmanager.bind-host': '127.0.0.1',
      'taskmanager.host': '127.0.0.1',
      'taskmanager.bind-host': '127.0.0.1',
      'heartbeat.interval': '200',
      'heartbeat.timeout': '3000',
    };
  }

  private launch(script: string, name: string, conf: Record<string, string>): ChildProcess {
    const args = ['start-foreground'];
    for (const [k, v] of Object.entries(conf)) args.push('-D', `${k}=${v}`);
    const logDir = path.join(this.workDir, 'log', name);
    fs.mkdirSync(logDir, { recursive: true });
    const child = spawn(path.join(this.flinkHome, 'bin', script), args, {
      env: { ...process.env, FLINK_LOG_DIR: logDir, FLINK_CONF_DIR: path.join(this.flinkHome, 'conf') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer): void => {
      this.output.push(`[${name}] ${b.toString()}`);
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  async startJobManager(): Promise<void> {
    this.jobManager = this.launch('jobmanager.sh', 'jobmanager', {
      ...this.common(),
      'rest.port': String(this.restPort),
      'rest.address': '127.0.0.1',
      'rest.bind-address': '127.0.0.1',
      'standin.job-duration-ms': '200',
      'standin.failing-job-delay-ms': '200',
      'standin.savepoint-delay-ms': '100',
      'web.tmpdir': path.join(this.workDir, 'jm-tmp'),
      ...this.options.jobManagerConf,
    });
    await this.waitFor(async () => {
      const res = await fetch(`${this.restUrl}/config`).catch(() => undefined);
      return res?.ok === true;
    }, 'the JobManager REST endpoint');
  }

  startTaskManager(id: string): void {
    this.taskManagerProcs.push(this.launch('taskmanager.sh', id, {
      ...this.common(),
      'taskmanager.resource-id': id,
      'taskmanager.numberOfTaskSlots': String(this.options.slotsPerTaskManager),
    }));
  }

  async waitForTaskManagers(n: number): Promise<void> {
    await this.waitFor(async () => {
      const res = await fetch(`${this.restUrl}/overview`).catch(() => undefined);
      if (!res?.ok) return false;
      const o = (await res.json()) as { taskmanagers: number };
      return o.taskmanagers >= n;
    }, `${n} TaskManager(s)`);
  }

  /** Kills the JobManager and starts a new one on the same ports: uploaded jars are gone, TaskManagers re-register. */
  async restartJobManager(): Promise<void> {
    await kill(this.jobManager);
    await this.startJobManager();
    await this.waitForTaskManagers(this.options.taskManagers);
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      if (this.jobManager?.exitCode !== null && this.jobManager?.exitCode !== undefined) break;
      await sleep(50);
    }
    throw new Error(`Timed out waiting for ${what}. Output:\n${this.output.join('')}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.taskManagerProcs, this.jobManager].map((p) => kill(p)));
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
