// Reading task sandboxes through an agent's /files/read endpoint (logs of the JobManager and TaskManagers).
import { request, type Agent } from '../http/undici';
import { silentLogger, type Logger } from '../log';
import { MesosError } from './MesosError';
import { basicAuthorization, createAgent, logRequest, networkError, shortText, type Credentials, type TlsOptions } from './http';

/** The agent reads at most this many bytes per call. */
export const MAX_READ_BYTES = 64 * 1024;

export interface AgentFilesOptions {
  credentials?: Credentials;
  tls?: TlsOptions;
  log?: Logger;
  timeoutMs?: number;        // default 10000
  connectTimeoutMs?: number; // default 5000
}

export interface FileChunk { data: string; offset: number }

/** The virtual sandbox path of a task's file; for a command task the executor id equals the task id. */
export function sandboxPath(frameworkId: string, taskId: string, file: string, executorId: string = taskId): string {
  return `/frameworks/${frameworkId}/executors/${executorId}/runs/latest/${file.replace(/^\/+/, '')}`;
}

export interface FollowOptions {
  /** Byte offset to start at; 'end' starts at the current size (tail -f), default 0. */
  from?: number | 'end';
  pollMs?: number;           // default 1000
  signal?: AbortSignal;
  /** Called when a read fails; polling goes on. */
  onError?: (err: MesosError) => void;
}

export class AgentFiles {
  private readonly agent: Agent;
  private readonly log: Logger;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(opts: AgentFilesOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.agent = createAgent({ tls: opts.tls, connectTimeoutMs: this.connectTimeoutMs, headersTimeoutMs: this.timeoutMs, bodyTimeoutMs: this.timeoutMs });
    this.log = opts.log ?? silentLogger;
    this.headers = basicAuthorization(opts.credentials);
  }

  /** Reads up to length bytes (at most 64 KiB) from offset. */
  async read(agentUrl: string, path: string, offset: number, length: number = MAX_READ_BYTES): Promise<FileChunk> {
    const base = agentUrl.replace(/\/+$/, '');
    const query = new URLSearchParams({ path, offset: String(offset) });
    if (offset >= 0) query.set('length', String(Math.min(Math.max(length, 0), MAX_READ_BYTES)));
    const url = `${base}/files/read?${query.toString()}`;
    logRequest(this.log, 'GET', url, { accept: 'application/json', ...this.headers });
    let status: number;
    let text: string;
    try {
      const res = await request(url, { method: 'GET', headers: { accept: 'application/json', ...this.headers }, dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw networkError(err, base, 'Reading a sandbox file', { connect: this.connectTimeoutMs, call: this.timeoutMs });
    }
    if (status === 404) {
      throw new MesosError('notFound', `The agent at ${base} has no file ${path}`, 'The task may not have started yet, or its sandbox was garbage-collected.', { status });
    }
    if (status === 401) {
      throw new MesosError('unauthorized', `The agent at ${base} refused to read ${path} (401)`, 'Set Mesos credentials that the agents accept.', { status });
    }
    if (status !== 200) {
      throw new MesosError(status === 400 ? 'badRequest' : 'protocol', `The agent at ${base} answered ${status} reading ${path}: ${shortText(text) || '(no text)'}`,
        'Check the file path.', { status });
    }
    try {
      const chunk = JSON.parse(text) as FileChunk;
      if (typeof chunk.data !== 'string' || typeof chunk.offset !== 'number') throw new Error('missing data or offset');
      return chunk;
    } catch (err) {
      throw new MesosError('protocol', `The agent at ${base} answered files/read with unexpected JSON (${err instanceof Error ? err.message : String(err)})`,
        'Check that the URL points at a Mesos agent.');
    }
  }

  /** The file's size in bytes (files/read with offset=-1). */
  async size(agentUrl: string, path: string): Promise<number> {
    return (await this.read(agentUrl, path, -1)).offset;
  }

  /**
   * Calls onData with every new piece of the file, polling for growth until the signal aborts.
   * Starts again from 0 when the file shrinks. Resolves when stopped.
   */
  async follow(agentUrl: string, path: string, onData: (data: string, offset: number) => void, opts: FollowOptions = {}): Promise<void> {
    const pollMs = opts.pollMs ?? 1000;
    let offset = 0;
    let started = false;
    while (!opts.signal?.aborted) {
      try {
        if (!started) {
          offset = opts.from === 'end' ? await this.size(agentUrl, path) : (opts.from ?? 0);
          started = true;
        }
        const chunk = await this.read(agentUrl, path, offset, MAX_READ_BYTES);
        if (chunk.data.length > 0) {
          onData(chunk.data, chunk.offset);
          offset = chunk.offset + Buffer.byteLength(chunk.data, 'utf8');
          continue; // there may be more right away
        }
        if ((await this.size(agentUrl, path)) < offset) offset = 0;
      } catch (err) {
        const e = err instanceof MesosError ? err : new MesosError('protocol', String(err), '');
        if (opts.onError) opts.onError(e);
        else this.log.debug(`agent files: ${e.message}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done(): void { clearTimeout(timer); opts.signal?.removeEventListener('abort', done); resolve(); }
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** One-off read of a task's sandbox file. */
export async function readSandboxFile(agentUrl: string, frameworkId: string, taskId: string, file: string, offset: number, length?: number, opts?: AgentFilesOptions): Promise<FileChunk> {
  const files = new AgentFiles(opts);
  try {
    return await files.read(agentUrl, sandboxPath(frameworkId, taskId, file), offset, length);
  } finally {
    await files.close();
  }
}
