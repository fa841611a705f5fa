// Finding the leading Mesos master: from a list of masters (try each, follow 307, 503 means "next"),
// or from ZooKeeper, where each master holds an ephemeral sequential znode json.info_<seq> and the lowest one leads.
import { EventEmitter } from 'node:events';
import { request, type Agent } from '../http/undici';
import type * as zookeeper from 'node-zookeeper-client';
import { silentLogger, type Logger } from '../log';
import { MesosError } from './MesosError';
import type { MasterAddress, ZooKeeperAddress } from './masterAddress';
import type { MasterInfo } from './types';
import { resolveRedirect, headerValue } from './http';

export interface MasterDetector {
  /** Masters to try, most likely leader first. Rejects (retryable) when none can be named yet. */
  candidates(signal?: AbortSignal): Promise<string[]>;
  /** The client found the leader there (by a successful SUBSCRIBE). */
  noteLeader(url: string): void;
  /** Called with the new leader's URL whenever the detector learns the leadership moved (ZooKeeper only). */
  onLeaderChange(listener: (url: string | undefined) => void): void;
  close(): Promise<void>;
}

/** A list of masters; the last known leader goes first. */
export class ListMasterDetector implements MasterDetector {
  private leader: string | undefined;
  private probed = false;

  constructor(private readonly urls: string[], private readonly http?: { agent: Agent; headers: Record<string, string>; timeoutMs: number; log?: Logger }) {
    if (urls.length === 0) throw new RangeError('ListMasterDetector needs at least one master URL');
  }

  async candidates(signal?: AbortSignal): Promise<string[]> {
    if (!this.leader && !this.probed && this.http && this.urls.length > 1) {
      // Ask the masters once where the leader is, so the first SUBSCRIBE goes straight there.
      this.probed = true;
      const found = await findLeaderByRedirect(this.urls, { ...this.http, signal }).catch(() => undefined);
      if (found) this.leader = found;
    }
    const ordered = this.leader ? [this.leader, ...this.urls.filter((u) => u !== this.leader)] : [...this.urls];
    return ordered;
  }

  noteLeader(url: string): void { this.leader = url; }
  onLeaderChange(): void { /* a list never announces changes; 307s and failures reveal them */ }
  async close(): Promise<void> { /* nothing held */ }
}

/** Asks each master's GET /redirect (a 307 to the leader, protocol-relative) and returns the leader's origin, or undefined. */
export async function findLeaderByRedirect(urls: string[], http: { agent: Agent; headers: Record<string, string>; timeoutMs: number; log?: Logger; signal?: AbortSignal }): Promise<string | undefined> {
  for (const url of urls) {
    try {
      const signal = http.signal ? AbortSignal.any([http.signal, AbortSignal.timeout(http.timeoutMs)]) : AbortSignal.timeout(http.timeoutMs);
      const res = await request(`${url}/redirect`, { method: 'GET', headers: http.headers, dispatcher: http.agent, signal });
      await res.body.dump();
      const location = headerValue(res.headers, 'location');
      http.log?.debug(`mesos < GET ${url}/redirect ${res.statusCode}${location ? ' Location: ' + location : ''}`);
      if (res.statusCode === 307 && location) return resolveRedirect(location, url);
    } catch (err) {
      http.log?.debug(`mesos: GET ${url}/redirect failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return undefined;
}

export interface LeaderInfo { url: string; info: MasterInfo; znode: string }

/** Decodes MasterInfo.ip: a uint32 in network byte order read as a little-endian number (16777343 is 127.0.0.1). */
export function ipFromMasterInfo(ip: number): string {
  return [ip & 255, (ip >>> 8) & 255, (ip >>> 16) & 255, (ip >>> 24) & 255].join('.');
}

/** The base URL of a master described by its MasterInfo. */
export function masterUrlFromInfo(info: MasterInfo, scheme: 'http' | 'https' = 'http'): string {
  const host = info.address?.hostname || info.address?.ip || info.hostname || (typeof info.ip === 'number' ? ipFromMasterInfo(info.ip) : undefined);
  const port = info.address?.port ?? info.port;
  if (!host || !port) throw new Error(`MasterInfo ${JSON.stringify(info)} names no host and port`);
  return `${scheme}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

const LEADER_PREFIX = 'json.info_';

/** The leader's znode among a master path's children: the json.info_ node with the lowest sequence number. */
export function leaderZnode(children: string[]): string | undefined {
  let best: string | undefined;
  let bestSeq = Infinity;
  for (const child of children) {
    if (!child.startsWith(LEADER_PREFIX)) continue;
    const seq = Number(child.slice(LEADER_PREFIX.length));
    if (Number.isFinite(seq) && seq < bestSeq) { best = child; bestSeq = seq; }
  }
  return best;
}

export interface ZooKeeperDetectorOptions {
  scheme?: 'http' | 'https';
  sessionTimeoutMs?: number;   // default 10000
  /** How long candidates() waits for a leader before failing (retryable). Default 10000. */
  leaderWaitMs?: number;
  log?: Logger;
}

type ZkEvents = { leader: [LeaderInfo | undefined] };
type ZooKeeperModule = typeof zookeeper;

let zookeeperModule: Promise<ZooKeeperModule> | undefined;

/** The ZooKeeper client loads only for zk:// masters: webpack puts it in its own chunk, off the extension's start-up path. */
function loadZooKeeper(): Promise<ZooKeeperModule> {
  zookeeperModule ??= import(/* webpackChunkName: "zookeeper" */ 'node-zookeeper-client');
  return zookeeperModule;
}

/** Watches a ZooKeeper path for the leading master. Reconnects itself after session expiry. */
export class ZooKeeperMasterDetector extends EventEmitter<ZkEvents> implements MasterDetector {
  private client: zookeeper.Client | undefined;
  private zk: ZooKeeperModule | undefined;
  private loading = false;
  private current: LeaderInfo | undefined;
  private known = false;
  private closed = false;
  private lastProblem = 'not connected to ZooKeeper yet';
  private readonly log: Logger;
  private readonly scheme: 'http' | 'https';
  private generation = 0;
  private watching = false;

  constructor(private readonly address: ZooKeeperAddress, private readonly opts: ZooKeeperDetectorOptions = {}) {
    super();
    this.log = opts.log ?? silentLogger;
    this.scheme = opts.scheme ?? 'http';
  }

  /** The leader as last seen (undefined: none, or not known yet). */
  get leader(): LeaderInfo | undefined { return this.current; }

  start(): void {
    if (this.client || this.closed || this.loading) return;
    const zk = this.zk;
    if (!zk) {
      this.loading = true;
      loadZooKeeper().then((m) => { this.zk = m; }, (err: unknown) => {
        this.lastProblem = `could not load the ZooKeeper client: ${err instanceof Error ? err.message : String(err)}`;
        this.log.warn(`zookeeper: ${this.lastProblem}`);
      }).finally(() => {
        this.loading = false;
        if (this.zk) this.start();
      });
      return;
    }
    const gen = ++this.generation;
    this.watching = false;
    const client = zk.createClient(this.address.connect, { sessionTimeout: this.opts.sessionTimeoutMs ?? 10000, spinDelay: 500, retries: 1 });
    this.client = client;
    if (this.address.auth) client.addAuthInfo('digest', Buffer.from(`${this.address.auth.user}:${this.address.auth.password}`));
    client.on('connected', () => {
      if (gen !== this.generation) return;
      this.log.debug(`zookeeper: connected to ${this.address.connect}, watching ${this.address.path}`);
      if (!this.watching) this.watch(gen);
    });
    client.on('disconnected', () => {
      if (gen !== this.generation) return;
      this.lastProblem = `lost the connection to ZooKeeper ${this.address.connect}`;
      this.log.debug(`zookeeper: ${this.lastProblem}`);
    });
    client.on('expired', () => {
      if (gen !== this.generation || this.closed) return;
      this.log.info('zookeeper: session expired; reconnecting');
      client.close();
      this.client = undefined;
      this.start();
    });
    client.on('authenticationFailed', () => {
      this.lastProblem = `ZooKeeper ${this.address.connect} refused the credentials in the zk:// URL`;
      this.log.warn(`zookeeper: ${this.lastProblem}`);
    });
    client.connect();
  }

  private watch(gen: number): void {
    const client = this.client;
    if (!client || gen !== this.generation || this.closed) return;
    const path = this.address.path;
    this.watching = true;
    client.getChildren(path, (event) => {
      this.log.debug(`zookeeper: ${event.getName()} on ${path}`);
      this.watch(gen);
    }, (error, children) => {
      if (gen !== this.generation || this.closed) return;
      if (error) {
        if (error.getCode() === this.zk?.Exception.NO_NODE) {
          this.lastProblem = `ZooKeeper has no node ${path}: no Mesos master registered there`;
          this.setLeader(undefined);
          // Wait for the path to appear.
          client.exists(path, () => this.watch(gen), (err, stat) => { if (!err && stat) this.watch(gen); });
          return;
        }
        this.watching = false; // re-listed on the next 'connected'
        this.lastProblem = `ZooKeeper error listing ${path}: ${error.message}`;
        this.log.debug(`zookeeper: ${this.lastProblem}`);
        return;
      }
      const znode = leaderZnode(children);
      if (!znode) {
        this.lastProblem = `no Mesos master is registered under ${path} in ZooKeeper (no ${LEADER_PREFIX}<n> node)`;
        this.setLeader(undefined);
        return;
      }
      if (this.current?.znode === znode) return;
      client.getData(`${path}/${znode}`, undefined, (err, data) => {
        if (gen !== this.generation || this.closed) return;
        if (err) {
          // The leader vanished between the listing and the read; the child watch fires again.
          this.log.debug(`zookeeper: reading ${path}/${znode}: ${err.message}`);
          return;
        }
        try {
          const info = JSON.parse((data ?? Buffer.alloc(0)).toString('utf8')) as MasterInfo;
          this.setLeader({ znode, info, url: masterUrlFromInfo(info, this.scheme) });
        } catch (e) {
          this.lastProblem = `the leader's znode ${path}/${znode} does not hold MasterInfo JSON (${e instanceof Error ? e.message : String(e)})`;
          this.log.warn(`zookeeper: ${this.lastProblem}`);
          this.setLeader(undefined);
        }
      });
    });
  }

  private setLeader(leader: LeaderInfo | undefined): void {
    const changed = !this.known || this.current?.url !== leader?.url || this.current?.znode !== leader?.znode;
    this.known = true;
    this.current = leader;
    if (changed) {
      this.log.info(leader ? `zookeeper: leading master is ${leader.url} (${leader.znode})` : `zookeeper: no leading master (${this.lastProblem})`);
      this.emit('leader', leader);
    }
  }

  async candidates(signal?: AbortSignal): Promise<string[]> {
    this.start();
    if (this.current) return [this.current.url];
    const waitMs = this.opts.leaderWaitMs ?? 10000;
    const leader = await new Promise<LeaderInfo | undefined>((resolve) => {
      const done = (l: LeaderInfo | undefined): void => {
        clearTimeout(timer);
        this.off('leader', onLeader);
        signal?.removeEventListener('abort', onAbort);
        resolve(l);
      };
      const onLeader = (l: LeaderInfo | undefined): void => { if (l) done(l); };
      const onAbort = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), waitMs);
      this.on('leader', onLeader);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (leader) return [leader.url];
    throw new MesosError('zookeeper', `No leading Mesos master found through ZooKeeper ${this.address.connect}${this.address.path} within ${waitMs} ms: ${this.lastProblem}`,
      'Check the zk:// address (servers and path, usually /mesos) and that a Mesos master is running and registered there.', { retryable: true });
  }

  noteLeader(): void { /* ZooKeeper is the authority */ }

  onLeaderChange(listener: (url: string | undefined) => void): void {
    this.on('leader', (l) => listener(l?.url));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    this.client?.close();
    this.client = undefined;
    this.removeAllListeners();
  }
}

export function createMasterDetector(address: MasterAddress, opts: { scheme: 'http' | 'https'; agent: Agent; headers: Record<string, string>; timeoutMs: number; log?: Logger }): MasterDetector {
  if (address.kind === 'zk') return new ZooKeeperMasterDetector(address, { scheme: opts.scheme, log: opts.log, leaderWaitMs: opts.timeoutMs });
  return new ListMasterDetector(address.urls, { agent: opts.agent, headers: opts.headers, timeoutMs: opts.timeoutMs, log: opts.log });
}
