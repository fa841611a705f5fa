// The Mesos v1 HTTP scheduler client: keeps one SUBSCRIBE stream up (redirects, backoff, heartbeat watchdog)
// and sends calls on a separate connection with the stream's Mesos-Stream-Id.
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { request, type Agent, type Dispatcher } from '../http/undici';
import { silentLogger, redact, type Logger } from '../log';
import { MesosError } from './MesosError';
import { RecordIODecoder, RecordIOError, DEFAULT_MAX_RECORD_BYTES } from './recordio';
import { Backoff, sleep } from './backoff';
import { parseMasters, type MasterAddress } from './masterAddress';
import { createMasterDetector, type MasterDetector } from './masterDetector';
import { basicAuthorization, createAgent, headerValue, logRequest, networkError, resolveRedirect, shortText, type Credentials, type TlsOptions } from './http';
import * as calls from './calls';
import type { Call, Event, Filters, FrameworkInfo, MasterInfo, Offer, Operation, TaskInfo, TaskStatus } from './types';

export { MesosError } from './MesosError';
export type { MesosErrorKind } from './MesosError';

export interface SchedulerClientOptions {
  masters: string;                 // as typed by the user: "host:port", "h1:p1,h2:p2", "zk://h:p/path", "http(s)://host:port"
  frameworkInfo: FrameworkInfo;    // frameworkInfo.id set when reattaching
  credentials?: Credentials;
  tls?: TlsOptions;                // verification on by default; with tls given, plain host:port masters use https
  log?: Logger;
  heartbeatMissedIntervals?: number; // default 5
  backoffInitialMs?: number;         // default 500
  backoffMaxMs?: number;             // default 15000
  callTimeoutMs?: number;            // default 10000
  connectTimeoutMs?: number;         // default 5000
  /** Largest event accepted from the stream (default 16 MiB). */
  maxRecordBytes?: number;
  /** Redirects followed from one master before trying the next (default 5). */
  maxRedirects?: number;
  /** Injectable for tests. */
  random?: () => number;
  /** Asked before a failed subscription is retried: true makes it final (a 'fatal' event) instead, and nothing says "retrying". */
  giveUp?: (reason: MesosError) => boolean;
}

export type ConnectionState = 'connecting' | 'subscribed' | 'disconnected' | 'closed';

export interface SubscribedInfo { frameworkId: string; heartbeatIntervalSeconds: number; masterInfo?: MasterInfo; leaderUrl: string }

export type SchedulerClientEvents = {
  subscribed: [SubscribedInfo];
  offers: [Offer[]];
  rescind: [string];
  update: [TaskStatus];
  failure: [NonNullable<Event['failure']>];
  message: [NonNullable<Event['message']>];
  connectionState: [ConnectionState, { reason?: string; retryInMs?: number }];
  fatal: [MesosError];
  /** Every event as received, after the typed events above (diagnostics and tests). */
  event: [Event];
};

const SCHEDULER_PATH = '/api/v1/scheduler';
const DEFAULT_HEARTBEAT_SECONDS = 15;

/** The outcome of one SUBSCRIBE attempt at one master. */
type Attempt =
  | { kind: 'redirect'; to: string }
  | { kind: 'next'; reason: MesosError }
  | { kind: 'streamEnded'; reason: MesosError; immediate: boolean };

/** Turns an ERROR event into the fatal error the user sees. */
export function errorEventToMesosError(message: string): MesosError {
  if (/failed over/i.test(message)) {
    return new MesosError('failedOver', `Another client subscribed with this framework id, so the master dropped this one (ERROR "${message}")`,
      'Only one client may drive a framework: close the other client (another window or CLI), or follow the session read-only.');
  }
  if (/has been removed|framework.*(not found|unknown)|torn down|completed/i.test(message)) {
    return new MesosError('frameworkRemoved', `The master removed this framework (ERROR "${message}"): its failover timeout passed or it was torn down`,
      'Its tasks are gone; forget the saved framework id and start a new session.');
  }
  if (/role/i.test(message)) {
    return new MesosError('roleRefused', `The master refused the framework's role (ERROR "${message}")`,
      'Use a role the master allows (see its --roles and ACLs), or leave the role empty to use the default role "*".');
  }
  return new MesosError('masterError', `The master refused the framework (ERROR "${message}")`,
    'Fix what the message names (user, principal, ACLs or framework options) and start again.');
}

/** What a master never sends to a SUBSCRIBE: an agent's answer, HTML, a 405 to POST. undefined for anything a master may answer. */
function notAMaster(base: string, status: number, contentType: string | undefined, body: string): MesosError | undefined {
  if (status === 400 && /agent::Call/.test(body)) {
    return new MesosError('notMaster', `${base} is a Mesos agent, not a master (it answered SUBSCRIBE with ${status} "${firstLine(body)}")`,
      'Pass the address of the Mesos master with -m (port 5050 by default; agents listen on 5051).', { status });
  }
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(body);
  if (html || status === 405) return notAMasterError(base, status, body);
  return undefined;
}

function notAMasterError(base: string, status: number, body: string, extra = ''): MesosError {
  const line = firstLine(body);
  return new MesosError('notMaster', `${base} answers HTTP but is not a Mesos master (POST /api/v1/scheduler: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() +
    `${extra ? ` ${extra}` : ''}${line ? `: "${line}"` : ''})`,
  'Pass the address of a Mesos master with -m (HOST:5050 by default).', { status });
}

/** The first line of a body with text in it, tags taken out, at most 120 characters. */
export function firstLine(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  const text = (title ?? body.replace(/<[^>]*>/g, ' ')).split(/\r?\n/).map((l) => l.replace(/\s+/g, ' ').trim()).find((l) => l !== '') ?? '';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * A framework's connection to Mesos. Emits typed events (see SchedulerClientEvents).
 * After a 'fatal' event the client is closed and does not retry.
 */
export class SchedulerClient extends EventEmitter<SchedulerClientEvents> {
  private readonly opts: SchedulerClientOptions;
  private readonly log: Logger;
  private readonly address: MasterAddress;
  private readonly scheme: 'http' | 'https';
  private readonly frameworkInfo: FrameworkInfo;
  private readonly backoff: Backoff;
  private readonly callTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly missedIntervals: number;
  private readonly authHeaders: Record<string, string>;
  private streamAgent: Agent | undefined;
  private callAgent: Agent | undefined;
  private detector: MasterDetector | undefined;

  private running = false;
  private closing = false;
  private tearingDown = false;
  private state_: ConnectionState = 'disconnected';
  private frameworkId_: string | undefined;
  private leaderUrl_: string | undefined;
  private streamId: string | undefined;
  private loop: Promise<void> | undefined;
  private stopSignal = new AbortController();
  /** Ends the current stream with a reason (set while a stream is open). */
  private endStream: ((reason: MesosError, immediate?: boolean) => void) | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(options: SchedulerClientOptions) {
    super();
    this.opts = options;
    this.log = options.log ?? silentLogger;
    this.scheme = options.tls ? 'https' : 'http';
    this.address = parseMasters(options.masters, { defaultScheme: this.scheme });
    if (!options.frameworkInfo?.user) {
      throw new MesosError('badRequest', 'FrameworkInfo.user is missing', 'Set the user the tasks run as (Mesos needs it over HTTP).');
    }
    if (options.credentials && !options.credentials.principal) {
      throw new MesosError('unauthorized', 'Mesos credentials were given without a principal', 'Set the principal (user name) that goes with the secret.');
    }
    this.frameworkInfo = { ...options.frameworkInfo };
    if (options.credentials && !this.frameworkInfo.principal) this.frameworkInfo.principal = options.credentials.principal;
    this.frameworkId_ = this.frameworkInfo.id?.value || undefined;
    this.callTimeoutMs = options.callTimeoutMs ?? 10000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.missedIntervals = options.heartbeatMissedIntervals ?? 5;
    this.backoff = new Backoff({ initialMs: options.backoffInitialMs ?? 500, maxMs: options.backoffMaxMs ?? 15000, random: options.random });
    this.authHeaders = basicAuthorization(options.credentials);
  }

  get frameworkId(): string | undefined { return this.frameworkId_; }
  get state(): ConnectionState { return this.state_; }
  get leaderUrl(): string | undefined { return this.leaderUrl_; }
  /** The parsed master address (list or zk). */
  get masterAddress(): MasterAddress { return this.address; }

  /** Subscribes and keeps the stream up (redirects, backoff, watchdog) until close(), teardown() or a fatal error. */
  start(): void {
    if (this.running || this.state_ === 'closed') return;
    this.running = true;
    // The stream and the calls use different agents, hence different connections, as the master requires.
    this.streamAgent = createAgent({ tls: this.opts.tls, connectTimeoutMs: this.connectTimeoutMs, headersTimeoutMs: this.callTimeoutMs, bodyTimeoutMs: 0, connections: 1 });
    this.callAgent = createAgent({ tls: this.opts.tls, connectTimeoutMs: this.connectTimeoutMs, headersTimeoutMs: this.callTimeoutMs, bodyTimeoutMs: this.callTimeoutMs });
    this.detector = createMasterDetector(this.address, { scheme: this.scheme, agent: this.callAgent, headers: this.authHeaders, timeoutMs: this.callTimeoutMs, log: this.log });
    this.detector.onLeaderChange((url) => {
      if (url && this.leaderUrl_ && url !== this.leaderUrl_ && this.endStream) {
        this.log.info(`mesos: ZooKeeper names a new leader ${url}; re-subscribing there`);
        this.endStream(new MesosError('notLeader', `The leading master moved to ${url}`, 'The client re-subscribes there.', { retryable: true }), true);
      }
    });
    this.loop = this.run();
  }

  /** Drops the stream WITHOUT teardown: the framework survives for its failover timeout. */
  async close(): Promise<void> {
    if (this.closing) { await this.loop; return; }
    this.closing = true;
    this.running = false;
    this.stopSignal.abort(new MesosError('closed', 'The Mesos client was closed', ''));
    this.endStream?.(new MesosError('closed', 'The Mesos client was closed', ''));
    await this.loop?.catch(() => undefined);
    this.clearWatchdog();
    await this.detector?.close();
    await Promise.all([this.streamAgent?.destroy().catch(() => undefined), this.callAgent?.close().catch(() => undefined)]);
    this.streamId = undefined;
    this.setState('closed', { reason: 'closed' });
  }

  // ---- calls ----

  async accept(offerIds: string[], operations: Operation[], filters?: Filters): Promise<void> {
    await this.send((fid) => calls.acceptCall(fid, offerIds, operations, filters));
  }

  async launch(offerIds: string[], tasks: TaskInfo[], filters?: Filters): Promise<void> {
    await this.send((fid) => calls.launchCall(fid, offerIds, tasks, filters));
  }

  async decline(offerIds: string[], filters?: Filters): Promise<void> {
    await this.send((fid) => calls.declineCall(fid, offerIds, filters));
  }

  async kill(taskId: string, agentId?: string): Promise<void> {
    await this.send((fid) => calls.killCall(fid, taskId, agentId));
  }

  /** No-op when the status has no uuid (master-generated and reconciliation updates must not be acknowledged). */
  async acknowledge(status: TaskStatus): Promise<void> {
    if (!status.uuid) return;
    await this.send((fid) => calls.acknowledgeCall(fid, status) as Call);
  }

  async reconcile(tasks: { taskId: string; agentId?: string }[]): Promise<void> {
    await this.send((fid) => calls.reconcileCall(fid, tasks));
  }

  async revive(roles?: string[]): Promise<void> {
    await this.send((fid) => calls.reviveCall(fid, roles));
  }

  async suppress(roles?: string[]): Promise<void> {
    await this.send((fid) => calls.suppressCall(fid, roles));
  }

  /** Ends the framework and every task; the client closes afterwards. */
  async teardown(): Promise<void> {
    this.tearingDown = true;
    try {
      await this.send((fid) => calls.teardownCall(fid));
    } catch (err) {
      this.tearingDown = false;
      throw err;
    }
    await this.close();
  }

  // ---- the subscription loop ----

  private async run(): Promise<void> {
    while (this.running) {
      this.setState('connecting', {});
      let reason: MesosError;
      let immediate = false;
      try {
        const ended = await this.subscribeOnce();
        reason = ended.reason;
        immediate = ended.immediate;
      } catch (err) {
        const e = err instanceof MesosError ? err : new MesosError('protocol', `Unexpected failure: ${err instanceof Error ? err.message : String(err)}`, 'Report this as a bug.', { cause: err });
        if (!this.running) break;
        if (!e.retryable) {
          this.fatal(e);
          return;
        }
        reason = e;
      }
      if (!this.running) break;
      if (this.tearingDown) break;
      if (!reason.retryable || this.opts.giveUp?.(reason)) {
        this.fatal(reason);
        return;
      }
      const delay = immediate ? 0 : this.backoff.next();
      // The fix goes to the log too: the connection state only carries the short reason.
      this.log.warn(`mesos: ${reason.describe()} (${delay > 0 ? `retrying in ${delay} ms` : 'retrying now'})`);
      this.setState('disconnected', { reason: reason.message, retryInMs: delay });
      if (delay > 0) {
        try {
          await sleep(delay, this.stopSignal.signal);
        } catch {
          break;
        }
      }
    }
  }

  private fatal(err: MesosError): void {
    this.log.error(`mesos: ${err.describe()}`);
    this.running = false;
    this.streamId = undefined;
    // 'fatal' first: a listener of connectionState must not take this final error for one that is retried.
    this.emit('fatal', err);
    this.setState('disconnected', { reason: err.describe() });
    void this.close();
  }

  /** One round over the candidate masters. Resolves when an opened stream ends; throws when no master took the SUBSCRIBE. */
  private async subscribeOnce(): Promise<{ reason: MesosError; immediate: boolean }> {
    const detector = this.detector as MasterDetector;
    const candidates = await detector.candidates(this.stopSignal.signal);
    const problems: MesosError[] = [];
    const maxRedirects = this.opts.maxRedirects ?? 5;
    for (const candidate of candidates) {
      let url = candidate;
      const seen: string[] = [];
      for (let hop = 0; ; hop++) {
        if (!this.running) throw new MesosError('closed', 'The Mesos client was closed', '', { retryable: true });
        const attempt = await this.trySubscribe(url);
        if (attempt.kind === 'streamEnded') return { reason: attempt.reason, immediate: attempt.immediate };
        if (attempt.kind === 'next') { problems.push(attempt.reason); break; }
        seen.push(url);
        if (hop >= maxRedirects || seen.includes(attempt.to)) {
          problems.push(new MesosError('unavailable', `${candidate} redirected in a loop (${[...seen, attempt.to].join(' -> ')})`,
            'The masters disagree about the leader; an election is probably under way.', { retryable: true }));
          break;
        }
        this.log.info(`mesos: ${url} is not the leader; following the redirect to ${attempt.to}`);
        url = attempt.to;
      }
    }
    const kinds = new Set(problems.map((p) => p.kind));
    const kind = kinds.size === 1 ? problems[0].kind : 'unavailable';
    // Only addresses that are no master at all: waiting will not turn them into one.
    if (kind === 'notMaster') {
      throw new MesosError('notMaster', problems.map((p) => p.message).join('; '), problems[0].fix, { status: problems[0].status });
    }
    const fix = problems.length === 1 ? problems[0].fix : 'Check that the Mesos masters are running, reachable and have elected a leader.';
    throw new MesosError(kind, `No Mesos master took the subscription: ${problems.map((p) => p.message).join('; ')}`, fix, { retryable: true });
  }

  private async trySubscribe(base: string): Promise<Attempt> {
    const url = base + SCHEDULER_PATH;
    const body = JSON.stringify(calls.subscribeCall(this.frameworkInfo));
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...this.authHeaders };
    logRequest(this.log, 'POST', url, headers, body);
    const abort = new AbortController();
    const onStop = (): void => abort.abort(this.stopSignal.signal.reason);
    this.stopSignal.signal.addEventListener('abort', onStop, { once: true });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'POST', headers, body, dispatcher: this.streamAgent, signal: abort.signal });
    } catch (err) {
      this.stopSignal.signal.removeEventListener('abort', onStop);
      if (!this.running) throw new MesosError('closed', 'The Mesos client was closed', '', { retryable: true });
      const e = networkError(err, base, 'SUBSCRIBE', { connect: this.connectTimeoutMs, call: this.callTimeoutMs });
      if (!e.retryable) throw e;
      return { kind: 'next', reason: e };
    }
    const status = res.statusCode;
    this.log.debug(`mesos < ${status} ${url} ${JSON.stringify(res.headers)}`);
    if (status === 200) {
      try {
        return await this.readStream(base, res, abort);
      } finally {
        this.stopSignal.signal.removeEventListener('abort', onStop);
      }
    }
    this.stopSignal.signal.removeEventListener('abort', onStop);
    const raw = await res.body.text().catch(() => '');
    const text = shortText(raw);
    if (text) this.log.debug(`mesos < ${text}`);
    const notMaster = notAMaster(base, status, headerValue(res.headers, 'content-type'), raw);
    if (notMaster) return { kind: 'next', reason: notMaster };
    switch (status) {
      case 307: {
        const location = headerValue(res.headers, 'location');
        if (!location) return { kind: 'next', reason: new MesosError('protocol', `${base} answered 307 without a Location`, 'Check that the address points at a Mesos master.', { status, retryable: true }) };
        return { kind: 'redirect', to: resolveRedirect(location, url) };
      }
      case 503:
      case 404:
        return { kind: 'next', reason: new MesosError('unavailable', `${base} answered ${status}${text ? ` "${text}"` : ''} (no leader elected yet, or the master is still recovering)`,
          'Wait for the masters to elect a leader; the client keeps retrying.', { status, retryable: true }) };
      case 401: {
        const who = this.opts.credentials ? `principal "${this.opts.credentials.principal}"` : 'no credentials';
        throw new MesosError('unauthorized', `The Mesos master at ${base} refused the subscription with 401 Unauthorized (sent ${who})`,
          this.opts.credentials
            ? `Check the secret of principal "${this.opts.credentials.principal}" (Set Mesos Credentials), or use a principal the master knows.`
            : 'The master requires HTTP authentication: set a principal and secret (Set Mesos Credentials).',
          { status });
      }
      case 400:
        throw new MesosError('badRequest', `The Mesos master at ${base} rejected the subscription: ${text || '400 Bad Request'}`,
          /principal/i.test(text)
            ? 'Set the framework principal to the principal of the credentials (or leave it empty to use it).'
            : /differs|framework_id/i.test(text) ? 'The saved framework id is inconsistent; forget it and start a new session.'
              : 'Fix the framework settings the message names.',
          { status });
      case 403:
        throw new MesosError('forbidden', `The Mesos master at ${base} does not allow this principal to register the framework (403${text ? `: ${text}` : ''})`,
          'Ask the cluster operator to allow the principal to register frameworks with this role (master ACLs).', { status });
      case 405:
      case 406:
      case 415:
        throw new MesosError('protocol', `The master at ${base} answered ${status}: ${text}`,
          'This is a bug in the client, or the address does not point at a Mesos master.', { status });
      default:
        return { kind: 'next', reason: new MesosError('unavailable', `${base} answered ${status}${text ? ` "${text}"` : ''}`,
          'Check that the address points at a Mesos master.', { status, retryable: true }) };
    }
  }

  /** Reads the event stream until it ends. Resolves with why it ended; rejects with fatal errors (ERROR events). */
  private readStream(base: string, res: Dispatcher.ResponseData, abort: AbortController): Promise<Attempt> {
    const streamId = headerValue(res.headers, 'mesos-stream-id');
    if (!streamId) {
      // A master always opens the stream with its id: anything else is some other HTTP server.
      return res.body.text().catch(() => '').then((raw) => ({ kind: 'next' as const, reason: notAMasterError(base, res.statusCode, raw, 'without a Mesos-Stream-Id header') }));
    }
    this.streamId = streamId;
    this.leaderUrl_ = base;
    this.detector?.noteLeader(base);
    let heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS;
    let subscribed = false;

    return new Promise<Attempt>((resolve, reject) => {
      let done = false;
      const finish = (reason: MesosError, immediate = false): void => {
        if (done) return;
        done = true;
        this.endStream = undefined;
        this.clearWatchdog();
        this.streamId = undefined;
        abort.abort(reason);
        res.body.destroy();
        if (reason.retryable || reason.kind === 'closed' || this.tearingDown) resolve({ kind: 'streamEnded', reason, immediate });
        else reject(reason);
      };
      this.endStream = finish;

      const armWatchdog = (ms: number, what: string): void => {
        this.clearWatchdog();
        this.watchdog = setTimeout(() => {
          finish(new MesosError('heartbeatMissed', `No event from ${base} for ${ms} ms (${what}); the connection is presumed dead`,
            'The client reconnects; if this repeats, check the network between this machine and the master.', { retryable: true }));
        }, ms);
      };
      // Until SUBSCRIBED tells the interval, expect the first event within the call timeout.
      armWatchdog(this.callTimeoutMs, 'waiting for SUBSCRIBED');

      const onEvent = (record: string): void => {
        let event: Event;
        try {
          event = JSON.parse(record) as Event;
        } catch {
          throw new MesosError('streamGarbage', `The event stream from ${base} carried invalid JSON: ${JSON.stringify(record.slice(0, 80))}`,
            'The client reconnects; if this repeats, check for a proxy between this machine and the master.', { retryable: true });
        }
        if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
          throw new MesosError('streamGarbage', `The event stream from ${base} carried a record without a type: ${JSON.stringify(record.slice(0, 80))}`,
            'The client reconnects; if this repeats, check for a proxy between this machine and the master.', { retryable: true });
        }
        if (event.type === 'SUBSCRIBED') {
          heartbeatSeconds = Number(event.subscribed?.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS) || DEFAULT_HEARTBEAT_SECONDS;
        }
        if (subscribed || event.type === 'SUBSCRIBED') {
          const ms = Math.round(heartbeatSeconds * 1000 * this.missedIntervals);
          armWatchdog(ms, `${this.missedIntervals} heartbeat intervals of ${heartbeatSeconds} s`);
        }
        if (event.type === 'SUBSCRIBED') subscribed = true;
        this.handleEvent(event, base, heartbeatSeconds);
      };
      const decoder = new RecordIODecoder(onEvent, { maxRecordBytes: this.opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES });

      const onFailure = (err: unknown): void => {
        if (err instanceof MesosError) return finish(err);
        if (err instanceof RecordIOError) {
          return finish(new MesosError('streamGarbage', `The event stream from ${base} broke its framing: ${err.message}`,
            'The client reconnects; if this repeats, check for a proxy between this machine and the master.', { retryable: true, cause: err }));
        }
        finish(new MesosError('protocol', `Handling an event failed: ${err instanceof Error ? err.message : String(err)}`, 'Report this as a bug.', { retryable: true, cause: err }));
      };
      res.body.on('data', (chunk: Buffer) => {
        if (done) return;
        try {
          decoder.push(chunk);
        } catch (err) {
          onFailure(err);
        }
      });
      res.body.on('end', () => {
        if (done) return;
        try {
          decoder.end();
        } catch (err) {
          return onFailure(err);
        }
        finish(new MesosError('unavailable', `The master at ${base} closed the event stream`, 'The client re-subscribes.', { retryable: true }));
      });
      res.body.on('error', (err: Error) => {
        if (done) return;
        if (!this.running) return finish(new MesosError('closed', 'The Mesos client was closed', '', { retryable: true }));
        finish(new MesosError('unreachable', `The event stream from ${base} broke: ${err.message}`, 'The client re-subscribes.', { retryable: true, cause: err }));
      });
    });
  }

  private handleEvent(event: Event, base: string, heartbeatSeconds: number): void {
    switch (event.type) {
      case 'SUBSCRIBED': {
        const frameworkId = event.subscribed?.framework_id?.value;
        if (!frameworkId) {
          throw new MesosError('protocol', `SUBSCRIBED from ${base} carries no framework id`, 'Check that the address points at a Mesos master.', { retryable: true });
        }
        this.frameworkId_ = frameworkId;
        // Re-subscribing with the id keeps the framework (and its tasks) instead of registering a new one.
        this.frameworkInfo.id = { value: frameworkId };
        this.backoff.reset();
        this.log.info(`mesos: subscribed to ${base} as framework ${frameworkId} (heartbeat every ${heartbeatSeconds} s)`);
        this.setState('subscribed', {});
        this.safeEmit('subscribed', { frameworkId, heartbeatIntervalSeconds: heartbeatSeconds, masterInfo: event.subscribed?.master_info, leaderUrl: base });
        break;
      }
      case 'HEARTBEAT':
        this.log.debug('mesos < HEARTBEAT');
        break;
      case 'OFFERS': {
        const offers = event.offers?.offers ?? [];
        this.log.debug(`mesos < OFFERS ${offers.map((o) => `${o.id.value}@${o.hostname}`).join(', ')}`);
        this.safeEmit('offers', offers);
        break;
      }
      case 'RESCIND':
        this.log.debug(`mesos < RESCIND ${event.rescind?.offer_id?.value}`);
        if (event.rescind?.offer_id?.value) this.safeEmit('rescind', event.rescind.offer_id.value);
        break;
      case 'UPDATE': {
        const status = event.update?.status;
        this.log.debug(`mesos < UPDATE ${status?.task_id?.value} ${status?.state}${status?.message ? ` "${status.message}"` : ''}${status?.uuid ? '' : ' (no uuid)'}`);
        if (status) this.safeEmit('update', status);
        break;
      }
      case 'FAILURE':
        this.log.debug(`mesos < FAILURE ${JSON.stringify(event.failure)}`);
        if (event.failure) this.safeEmit('failure', event.failure);
        break;
      case 'MESSAGE':
        if (event.message) this.safeEmit('message', event.message);
        break;
      case 'ERROR':
        this.log.debug(`mesos < ERROR ${event.error?.message}`);
        throw errorEventToMesosError(event.error?.message ?? '(no message)');
      default:
        this.log.debug(`mesos < ${event.type}: not handled by this framework, ignored`);
    }
    this.safeEmit('event', event);
  }

  private clearWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** A listener that throws must not break the stream. */
  private safeEmit<K extends keyof SchedulerClientEvents>(name: K, ...args: SchedulerClientEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: SchedulerClientEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error(`mesos: a '${String(name)}' listener failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }

  private setState(state: ConnectionState, detail: { reason?: string; retryInMs?: number }): void {
    if (this.state_ === 'closed') return;
    if (this.state_ === state && state !== 'disconnected') return;
    this.state_ = state;
    this.safeEmit('connectionState', state, detail);
  }

  // ---- calls ----

  private async waitSubscribed(): Promise<void> {
    if (this.state_ === 'subscribed' && this.streamId) return;
    if (!this.running) {
      throw new MesosError('notSubscribed', 'The Mesos client is not running', this.state_ === 'closed' ? 'Create a new client.' : 'Call start() first.');
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connectionState', onState);
        reject(new MesosError('notSubscribed', `Not subscribed to a Mesos master after waiting ${this.callTimeoutMs} ms`,
          'The client keeps reconnecting; try again once it shows "subscribed".', { retryable: true }));
      }, this.callTimeoutMs);
      const onState = (state: ConnectionState): void => {
        if (state === 'subscribed' || state === 'closed') {
          clearTimeout(timer);
          this.off('connectionState', onState);
          if (state === 'subscribed') resolve();
          else reject(new MesosError('notSubscribed', 'The Mesos client was closed', 'Create a new client.'));
        }
      };
      this.on('connectionState', onState);
    });
  }

  private async send(build: (frameworkId: string) => Call): Promise<void> {
    await this.waitSubscribed();
    const base = this.leaderUrl_ as string;
    const streamId = this.streamId as string;
    const call = build(this.frameworkId_ as string);
    const url = base + SCHEDULER_PATH;
    const body = JSON.stringify(call);
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'mesos-stream-id': streamId, ...this.authHeaders };
    logRequest(this.log, 'POST', url, headers, body);
    const signal = AbortSignal.timeout(this.callTimeoutMs);
    let status: number;
    let text: string;
    let location: string | undefined;
    try {
      const res = await request(url, { method: 'POST', headers, body, dispatcher: this.callAgent, signal });
      status = res.statusCode;
      location = headerValue(res.headers, 'location');
      text = shortText(await res.body.text());
    } catch (err) {
      const e = signal.aborted
        ? new MesosError('timeout', `${call.type} to ${base} got no answer within ${this.callTimeoutMs} ms`, 'The master may be overloaded or unreachable; the call can be retried.', { retryable: true, cause: err })
        : networkError(err, base, call.type, { connect: this.connectTimeoutMs, call: this.callTimeoutMs });
      this.log.debug(`mesos: ${call.type} failed: ${e.message}`);
      throw e;
    }
    this.log.debug(redact(`mesos < ${status} ${call.type}${text ? ` "${text}"` : ''}`));
    if (status === 202 || status === 200) return;
    switch (status) {
      case 307: {
        const to = location ? resolveRedirect(location, url) : undefined;
        const err = new MesosError('notLeader', `${base} is no longer the leading master${to ? ` (it points to ${to})` : ''}`,
          'The client re-subscribes to the new leader; retry the call then.', { status, retryable: true });
        this.endStream?.(err, true);
        throw err;
      }
      case 403: {
        const err = new MesosError('notSubscribed', `${call.type} refused with 403${text ? ` "${text}"` : ''}: the master does not consider this framework subscribed`,
          'The client re-subscribes; retry the call then.', { status, retryable: true });
        this.endStream?.(err, true);
        throw err;
      }
      case 400:
        throw new MesosError('badRequest', `The master rejected ${call.type}: ${text || '400 Bad Request'}`, 'Fix what the master names; retrying the same call will fail again.', { status });
      case 401:
        throw new MesosError('unauthorized', `The master refused ${call.type} with 401 Unauthorized${this.opts.credentials ? ` for principal "${this.opts.credentials.principal}"` : ''}`,
          'Check the Mesos credentials (Set Mesos Credentials).', { status });
      case 503:
      case 404:
        throw new MesosError('unavailable', `${call.type} to ${base} answered ${status}${text ? ` "${text}"` : ''}`, 'The master is not ready; retry after a while.', { status, retryable: true });
      default:
        throw new MesosError('protocol', `${call.type} to ${base} answered ${status}${text ? ` "${text}"` : ''}`, 'This is a bug in the client, or the address does not point at a Mesos master.', { status });
    }
  }
}
