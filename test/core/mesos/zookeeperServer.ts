// Runs Debian's real ZooKeeper server (/usr/share/java/zookeeper.jar) for zk:// detection tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../helpers/freePort';

const JAR_CANDIDATES = ['/usr/share/java/zookeeper.jar', '/usr/share/zookeeper/zookeeper.jar'];

/** Why ZooKeeper tests cannot run here, or undefined when they can. */
export function zookeeperUnavailable(): string | undefined {
  const jar = JAR_CANDIDATES.find((p) => fs.existsSync(p));
  if (!jar) return `no ZooKeeper server jar (looked in ${JAR_CANDIDATES.join(', ')}); install Debian's zookeeper package`;
  const javaOnPath = (process.env.PATH ?? '').split(path.delimiter).some((d) => fs.existsSync(path.join(d, 'java')));
  if (!javaOnPath) return 'no java on PATH; install a JRE to run the ZooKeeper tests';
  return undefined;
}


function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(word));
    let answer = '';
    socket.on('data', (d) => { answer += d.toString(); });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(''));
    socket.setTimeout(1000, () => socket.destroy());
  });
}

export class ZooKeeperServer {
  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly port: number) {}

  get connect(): string { return `127.0.0.1:${this.port}`; }

  static async start(): Promise<ZooKeeperServer> {
    const jar = JAR_CANDIDATES.find((p) => fs.existsSync(p)) as string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-test-'));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const cfg = path.join(dir, 'zoo.cfg');
      fs.writeFileSync(cfg, [
        'tickTime=500', `dataDir=${path.join(dir, 'data')}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1',
        'admin.enableServer=false', '4lw.commands.whitelist=ruok', 'minSessionTimeout=1000', 'maxSessionTimeout=20000', '',
      ].join('\n'));
      const child = spawn('java', ['-Xmx128m', '-cp', jar, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      const server = new ZooKeeperServer(child, dir, port);
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && child.exitCode === null) {
        if ((await fourLetterWord(port, 'ruok')) === 'imok') return server;
        await new Promise((r) => setTimeout(r, 200));
      }
      await server.stop(false);
      if (attempt >= 1) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`ZooKeeper did not start on port ${port}: ${stderr.slice(-2000)}`);
      }
    }
  }

  async stop(removeDir = true): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (removeDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
