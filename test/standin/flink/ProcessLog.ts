// Log output of a stand-in process: Flink's log line format, into $FLINK_LOG_DIR and onto stdout (Mesos keeps stdout in the sandbox).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function flinkTimestamp(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ProcessLog {
  readonly logFile: string;
  readonly outFile: string;
  private readonly pidFile: string;
  private readonly logFd: number;
  private readonly outFd: number;

  /** `service` is Flink's name for the process kind: standalonesession or taskexecutor. */
  constructor(readonly logDir: string, service: 'standalonesession' | 'taskexecutor', private readonly echo = true) {
    fs.mkdirSync(logDir, { recursive: true });
    const user = process.env.USER ?? os.userInfo().username;
    const host = os.hostname();
    // Like flink-daemon.sh: the lowest id whose pid file is free, so processes sharing a log folder do not clobber each other.
    let id = 0;
    for (; ; id++) {
      const pidFile = path.join(logDir, `.flink-${user}-${service}-${id}-${host}.pid`);
      try {
        fs.writeFileSync(pidFile, String(process.pid), { flag: 'wx' });
        this.pidFile = pidFile;
        break;
      } catch {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim() || '0');
        if (pid > 0 && pid !== process.pid && processAlive(pid)) continue;
        fs.writeFileSync(pidFile, String(process.pid));
        this.pidFile = pidFile;
        break;
      }
    }
    const base = `flink-${user}-${service}-${id}-${host}`;
    this.logFile = path.join(logDir, `${base}.log`);
    this.outFile = path.join(logDir, `${base}.out`);
    this.logFd = fs.openSync(this.logFile, 'w');
    this.outFd = fs.openSync(this.outFile, 'w');
  }

  log(level: LogLevel, logger: string, message: string): void {
    const line = `${flinkTimestamp()} ${level.padEnd(5)} ${logger} [] - ${message}\n`;
    try {
      fs.writeSync(this.logFd, line);
    } catch {
      // the log folder may be gone while the process shuts down
    }
    if (this.echo) process.stdout.write(line);
  }

  info(logger: string, message: string): void {
    this.log('INFO', logger, message);
  }

  warn(logger: string, message: string): void {
    this.log('WARN', logger, message);
  }

  error(logger: string, message: string): void {
    this.log('ERROR', logger, message);
  }

  /** What a user program prints (System.out): the .out file and stdout. */
  stdout(text: string): void {
    const t = text.endsWith('\n') ? text : `${text}\n`;
    try {
      fs.writeSync(this.outFd, t);
    } catch {
      // see log()
    }
    if (this.echo) process.stdout.write(t);
  }

  /** The files of this log folder, as Flink's log list handlers show them. */
  listFiles(): { name: string; size: number; mtime: number }[] {
    return fs
      .readdirSync(this.logDir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => {
        const st = fs.statSync(path.join(this.logDir, e.name));
        return { name: e.name, size: st.size, mtime: Math.floor(st.mtimeMs) };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A file of the log folder by its bare name, or undefined (names with folders are refused). */
  resolveFile(name: string): string | undefined {
    if (name !== path.basename(name) || name.startsWith('.')) return undefined;
    const file = path.join(this.logDir, name);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
  }

  close(): void {
    for (const fd of [this.logFd, this.outFd]) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    try {
      fs.rmSync(this.pidFile, { force: true });
    } catch {
      // ignore
    }
  }
}
