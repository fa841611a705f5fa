// Follows a session read-only, without subscribing as its framework: the saved record (phase, owner), its tasks from the
// master's operator API and Flink's overview from the REST API, polled. For `session status --watch` and a second window.
import { EventEmitter } from 'events';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { silentLogger, type Logger } from '../log';
import { frameworkPresence, notePresence, type FrameworkPresence, type PresenceOptions } from './frameworkPresence';
import { ownerIsAlive, type SessionRecord, type SessionStore } from './SessionStore';
import { jobManagerRestTls } from './flinkSsl';

export interface FlinkOverviewView { reachable: boolean; taskManagers?: number; slotsTotal?: number; slotsAvailable?: number; version?: string; error?: string }

export interface WatchedSession {
  name: string;
  /** Undefined once the record is gone (stopped, or forgotten). */
  record?: SessionRecord;
  /** Whether a client drives it now (its owner lease is fresh). */
  driven: boolean;
  presence?: FrameworkPresence;
  flink: FlinkOverviewView;
  at: number;
}

export interface SessionWatcherOptions extends PresenceOptions {
  intervalMs?: number;
  leaseStaleMs?: number;
  /** Skip Flink's REST API (a caller that polls Flink itself). */
  skipFlink?: boolean;
}

export type SessionWatcherEvents = { changed: [WatchedSession]; ended: [WatchedSession] };

export class SessionWatcher extends EventEmitter<SessionWatcherEvents> {
  private timer?: NodeJS.Timeout;
  private last = '';
  private flink?: FlinkRestClient;
  private stopped = false;
  private readonly log: Logger;
  current?: WatchedSession;

  constructor(private readonly store: SessionStore, readonly name: string, private readonly options: SessionWatcherOptions = {}) {
    super();
    this.log = options.log ?? silentLogger;
  }

  /** Polls now and then every intervalMs until stop() or the record disappears. */
  start(): Promise<WatchedSession> {
    const first = this.poll();
    void first.finally(() => this.schedule());
    return first;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => { void this.poll().finally(() => this.schedule()); }, this.options.intervalMs ?? 2000);
  }

  async poll(): Promise<WatchedSession> {
    let record = await this.store.load(this.name).catch((err) => { this.log.debug(`watch ${this.name}: ${String(err)}`); return undefined; });
    const driven = !!record?.owner && ownerIsAlive(record.owner, '', Date.now(), this.options.leaseStaleMs ?? 20000);
    let presence: FrameworkPresence | undefined;
    if (record?.frameworkId) {
      presence = await frameworkPresence(record, record.frameworkId, this.options);
      if (!driven) record = await notePresence(this.store, record, presence, record.frameworkId).catch(() => record);
    }
    const flink = record?.jobManagerUrl && !this.options.skipFlink ? await this.flinkOverview(record.jobManagerUrl, record) : { reachable: false };
    const state: WatchedSession = { name: this.name, record, driven, presence, flink, at: Date.now() };
    this.current = state;
    const key = JSON.stringify({ ...state, at: 0, record: record ? { ...record, updatedAt: 0, owner: record.owner ? { ...record.owner, heartbeatAt: 0 } : undefined } : undefined });
    if (key !== this.last) {
      this.last = key;
      this.emit('changed', state);
    }
    if (!record && !this.stopped) {
      this.emit('ended', state);
      this.stop();
    }
    return state;
  }

  private async flinkOverview(url: string, record: SessionRecord): Promise<FlinkOverviewView> {
    try {
      if (this.flink?.baseUrl !== url.replace(/\/$/, '')) {
        void this.flink?.close();
        this.flink = new FlinkRestClient(url, { timeoutMs: this.options.timeoutMs ?? 3000, retries: 0, log: this.log, tls: jobManagerRestTls(record.options.flinkSsl) });
      }
      const o = await this.flink.overview();
      return { reachable: true, taskManagers: o.taskmanagers, slotsTotal: o['slots-total'], slotsAvailable: o['slots-available'], version: o['flink-version'] };
    } catch (err) {
      return { reachable: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.flink?.close();
    this.flink = undefined;
  }
}
