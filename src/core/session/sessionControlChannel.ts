// The channel through which other clients (a terminal, another VS Code window) ask the client that drives a session to act
// on it: a Unix domain socket per session in an owner-only (0700) folder beside the session store. Node cannot read a
// socket peer's uid (no SO_PEERCRED), so each request also carries the secret of a 0600 token file in that folder: only
// the same Unix user (or root) can read it. One JSON line asks, one JSON line answers, on the requester's own connection.
import { randomBytes, createHash, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { silentLogger, type Logger } from '../log';

/** What the driving client can be asked; new operations (savepoints, upgrades) add a handler under a new name. */
export type ControlHandlers = Record<string, (args: Record<string, unknown>) => Promise<unknown>>;

export interface ControlRequest { v: 1; id: string; token: string; op: string; args?: Record<string, unknown> }
export type ControlAnswer = { id: string; ok: true; result: unknown } | { id: string; ok: false; error: string; code: ControlErrorCode };

export type ControlErrorCode = 'forbidden' | 'noChannel' | 'unknownOp' | 'badRequest' | 'failed' | 'timeout';

export class ControlChannelError extends Error {
  constructor(message: string, readonly code: ControlErrorCode) {
    super(message);
    this.name = 'ControlChannelError';
  }
}

const MAX_LINE = 64 * 1024;
// sun_path holds 108 bytes on Linux, 104 on macOS.
const MAX_SOCKET_PATH = 100;

/** The owner-only folder of a store's sockets and tokens (a short one under the temporary folder when the store path is too long). */
export function controlDir(storeDir: string): string {
  const beside = path.join(storeDir, 'control');
  if (Buffer.byteLength(path.join(beside, 'x'.repeat(40) + '.sock')) <= MAX_SOCKET_PATH) return beside;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(os.tmpdir(), `flink-mesos-${uid}-${createHash('sha256').update(path.resolve(storeDir)).digest('hex').slice(0, 12)}`);
}

function socketName(session: string): string {
  // Session names are short in practice; a long one gets a hashed file name so the path fits.
  return session.length <= 40 ? session : createHash('sha256').update(session).digest('hex').slice(0, 40);
}

export function controlPaths(storeDir: string, session: string): { dir: string; socket: string; token: string } {
  const dir = controlDir(storeDir);
  const base = socketName(session);
  return { dir, socket: path.join(dir, `${base}.sock`), token: path.join(dir, `${base}.token`) };
}

function myUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Creates the folder owner-only, or checks that an existing one is ours and closed to others (tightening it when it is ours). */
async function ensureOwnerOnlyDir(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.promises.lstat(dir);
  if (!st.isDirectory()) throw new ControlChannelError(`${dir} is not a folder (a link or a file is in its place). Remove it, then start the session again.`, 'forbidden');
  const uid = myUid();
  if (uid !== undefined && st.uid !== uid) {
    throw new ControlChannelError(`The control folder ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): requests through it could come from another user. ` +
      'Remove it (or point --store elsewhere), then start the session again.', 'forbidden');
  }
  if ((st.mode & 0o077) !== 0) await fs.promises.chmod(dir, 0o700);
}

export interface ControlServerOptions { log?: Logger }

/** The driving client's end: one per session it drives. close() removes the socket and the token. */
export class SessionControlServer {
  private readonly connections = new Set<net.Socket>();
  private closed = false;

  private constructor(private readonly server: net.Server, private readonly paths: ReturnType<typeof controlPaths>, private readonly token: Buffer,
    private readonly handlers: ControlHandlers, private readonly log: Logger) {}

  static async open(storeDir: string, session: string, handlers: ControlHandlers, options: ControlServerOptions = {}): Promise<SessionControlServer> {
    const log = options.log ?? silentLogger;
    const paths = controlPaths(storeDir, session);
    await ensureOwnerOnlyDir(paths.dir);
    const token = randomBytes(32);
    const tmp = `${paths.token}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, token.toString('hex'), { mode: 0o600 });
    await fs.promises.rename(tmp, paths.token);
    // A socket file left by a client that died: the owner lease says we drive the session now.
    await fs.promises.rm(paths.socket, { force: true });
    const server = net.createServer();
    const self = new SessionControlServer(server, paths, token, handlers, log);
    server.on('connection', (socket) => self.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, () => { server.off('error', reject); resolve(); });
    });
    await fs.promises.chmod(paths.socket, 0o600);
    server.on('error', (err) => log.warn(`session ${session}: control channel: ${err.message}`));
    log.debug(`session ${session}: taking requests at ${paths.socket}`);
    return self;
  }

  get socketPath(): string { return this.paths.socket; }

  private serve(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) { socket.destroy(); return; }
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        void this.answer(line).then((a) => { if (!socket.destroyed) socket.write(`${JSON.stringify(a)}\n`); });
      }
    });
  }

  private async answer(line: string): Promise<ControlAnswer> {
    let req: Partial<ControlRequest>;
    try {
      req = JSON.parse(line) as Partial<ControlRequest>;
    } catch {
      return { id: '', ok: false, error: 'The request is not JSON.', code: 'badRequest' };
    }
    const id = typeof req.id === 'string' ? req.id : '';
    const given = typeof req.token === 'string' && /^[0-9a-f]{64}$/.test(req.token) ? Buffer.from(req.token, 'hex') : undefined;
    if (!given || !timingSafeEqual(given, this.token)) {
      this.log.warn(`control channel: refused a request without the session's token (${typeof req.op === 'string' ? req.op : 'no operation'})`);
      return { id, ok: false, code: 'forbidden', error: 'Refused: the request does not carry the token that only the Unix user who drives the session can read, ' +
        'so it comes from another user. Run the command as the user who started the session.' };
    }
    const handler = typeof req.op === 'string' && Object.prototype.hasOwnProperty.call(this.handlers, req.op) ? this.handlers[req.op] : undefined;
    if (!handler) return { id, ok: false, code: 'unknownOp', error: `The driving client does not know the request "${String(req.op)}" (it knows ${Object.keys(this.handlers).join(', ')}). Update it.` };
    try {
      return { id, ok: true, result: await handler(req.args && typeof req.args === 'object' ? req.args : {}) };
    } catch (err) {
      return { id, ok: false, code: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Stops taking requests; answers being written still go out. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.connections) s.end();
    await fs.promises.rm(this.paths.socket, { force: true }).catch(() => undefined);
    // Only our own token: a newer driver may have written its own already.
    const current = await fs.promises.readFile(this.paths.token, 'utf8').catch(() => '');
    if (current === this.token.toString('hex')) await fs.promises.rm(this.paths.token, { force: true }).catch(() => undefined);
  }
}

export interface ControlRequestOptions {
  /** How long to wait for the answer (a scale that waits for its TaskManagers takes a while). Default 60000. */
  timeoutMs?: number;
  /** How long to retry while the driver's socket is not there yet (it opens right after the owner lease). Default 3000. */
  connectRetryMs?: number;
}

/** Asks the client that drives `session` to run `op`; resolves with its result, rejects with a ControlChannelError. */
export async function sendControlRequest(storeDir: string, session: string, op: string, args: Record<string, unknown> = {}, options: ControlRequestOptions = {}): Promise<unknown> {
  const paths = controlPaths(storeDir, session);
  const otherUser = async (): Promise<ControlChannelError> => {
    const owner = await fs.promises.stat(paths.dir).then((s) => s.uid, () => undefined);
    return new ControlChannelError(`Refused: the session "${session}" is driven by another Unix user` +
      `${owner !== undefined ? ` (its control folder ${paths.dir} belongs to uid ${owner}, you are uid ${myUid() ?? '?'})` : ` (its control folder ${paths.dir} is closed to you)`}: ` +
      'only that user can steer it. Run the command as that user.', 'forbidden');
  };
  const deadline = Date.now() + (options.connectRetryMs ?? 3000);
  let token: string | undefined;
  let socket: net.Socket | undefined;
  for (;;) {
    try {
      token ??= (await fs.promises.readFile(paths.token, 'utf8')).trim();
      socket = await connect(paths.socket);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') throw await otherUser();
      if ((code === 'ENOENT' || code === 'ECONNREFUSED') && Date.now() < deadline) {
        token = undefined;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw new ControlChannelError(`The client that drives the session "${session}" takes no requests (${code ?? String(err)} at ${paths.socket}): ` +
        'it may be an older flink-mesos or it just ended. Use that client, or try again once it ended.', 'noChannel');
    }
  }
  const id = randomBytes(8).toString('hex');
  const request: ControlRequest = { v: 1, id, token, op, args };
  const timeoutMs = options.timeoutMs ?? 60000;
  return new Promise((resolve, reject) => {
    const s = socket as net.Socket;
    let buffer = '';
    const timer = setTimeout(() => { s.destroy(); reject(new ControlChannelError(`The driving client did not answer "${op}" within ${Math.round(timeoutMs / 1000)} s.`, 'timeout')); }, timeoutMs);
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      s.end();
      let answer: ControlAnswer;
      try {
        answer = JSON.parse(buffer.slice(0, nl)) as ControlAnswer;
      } catch {
        reject(new ControlChannelError('The driving client answered something that is not JSON.', 'badRequest'));
        return;
      }
      if (answer.ok) resolve(answer.result);
      else reject(new ControlChannelError(answer.error, answer.code));
    });
    s.on('error', (err) => { clearTimeout(timer); reject(new ControlChannelError(`The control channel broke: ${err.message}`, 'failed')); });
    s.on('close', () => { clearTimeout(timer); reject(new ControlChannelError(`The driving client closed the channel before answering "${op}" (it may have ended).`, 'failed')); });
    s.write(`${JSON.stringify(request)}\n`);
  });
}

function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socketPath);
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}
