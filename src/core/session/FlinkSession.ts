// A Flink session on Mesos: the embedded scheduler. Subscribes, places the JobManager and TaskManagers from offers,
// follows them through Mesos updates and Flink's REST API, replaces TaskManagers, scales, stops, and reattaches after a restart.
import { EventEmitter } from 'events';
import * as os from 'os';
import { randomUUID } from 'crypto';
import { SchedulerClient, type ConnectionState, type SchedulerClientOptions, type SubscribedInfo } from '../mesos/SchedulerClient';
import type { MesosError } from '../mesos/MesosError';
import type { Credentials, TlsOptions } from '../mesos/http';
import { TERMINAL_TASK_STATES, type FrameworkInfo, type Offer, type TaskStatus } from '../mesos/types';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { silentLogger, type Logger } from '../log';
import { sessionFlinkConfiguration, type SessionOptions, type ValidatedSessionOptions } from './SessionOptions';
import { planOffers } from './launchPlan';
import {
  DECLINED_OFFERS_KEPT, OfferDiagnosis, fitTimeoutReached, type AgentOfferNow, type DeclinedOffer, type PartialFit, type PartialFitChoice, type StillMissing,
} from './offerDiagnosis';
import { taskManagerNumber, type SessionTaskSpec } from './flinkTasks';
import { copyRecord, ownerIsAlive, type SessionPhase, type SessionRecord, type SessionStore, type TaskRecord } from './SessionStore';
import { SessionConflictError, SessionError } from './sessionErrors';
import { httpOperatorApi, type OperatorApi } from './operatorTasks';
import { diagnoseStartupFailure, type StartupFailure } from './startupFailure';

export type { SessionPhase, SessionRecord, TaskRecord } from './SessionStore';
export { DECLINED_OFFERS_KEPT, type AgentOfferNow, type DeclinedOffer, type PartialFit, type PartialFitChoice } from './offerDiagnosis';
export { SessionConflictError, SessionError } from './sessionErrors';

/** What the session needs from Flink's REST API (FlinkRestClient has it). */
export interface FlinkClusterApi {
  overview(): Promise<{ taskmanagers: number; 'slots-total': number; 'slots-available': number; 'flink-version'?: string }>;
  taskManagers(): Promise<{ id: string; slotsNumber: number; freeSlots: number }[]>;
  close?(): Promise<void>;
}

/** What the session needs from the Mesos scheduler client (SchedulerClient has it). */
export type SchedulerApi = Pick<SchedulerClient, 'on' | 'off' | 'start' | 'close' | 'accept' | 'decline' | 'kill' | 'acknowledge'
  | 'reconcile' | 'revive' | 'suppress' | 'teardown' | 'frameworkId' | 'state' | 'leaderUrl'>;

export interface SessionTimings {
  /** Flink REST polls while the JobManager or TaskManagers come up. */
  flinkPollMs: number;
  /** Flink REST polls once running (TaskManager registration after replacements). */
  runningPollMs: number;
  /** First wait before asking again about tasks that got no reconciliation answer (doubles up to reconcileMaxMs). */
  reconcileInitialMs: number;
  reconcileMaxMs: number;
  /** Implicit reconciliation (every task the master knows) now and then. */
  implicitReconcileMs: number;
  /** A task still STAGING this long after launch is reconciled early. */
  launchReconcileMs: number;
  /** Start fails when no master accepted the subscription within this time. */
  subscribeTimeoutMs: number;
  /** Stop checks the operator API this long for tasks left over. */
  stopVerifyTimeoutMs: number;
  /** A refused TEARDOWN is sent again this many times, this far apart, before the tasks are killed one by one. */
  teardownRetries: number;
  teardownRetryMs: number;
  /** Owner heartbeat written to the store, and when another client's heartbeat counts as stale. */
  leaseHeartbeatMs: number;
  leaseStaleMs: number;
  /** Housekeeping tick (fit timeout, early reconciliation, lease). */
  tickMs: number;
  /** Scheduler client timings. */
  heartbeatMissedIntervals?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  callTimeoutMs?: number;
  connectTimeoutMs?: number;
  flinkTimeoutMs: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  flinkPollMs: 500, runningPollMs: 10000, reconcileInitialMs: 2000, reconcileMaxMs: 60000, implicitReconcileMs: 10 * 60000,
  launchReconcileMs: 120000, subscribeTimeoutMs: 20000, stopVerifyTimeoutMs: 30000, teardownRetries: 3, teardownRetryMs: 500,
  leaseHeartbeatMs: 5000, leaseStaleMs: 20000,
  tickMs: 1000, flinkTimeoutMs: 5000,
};

export interface FlinkSessionDeps {
  store: SessionStore;
  log?: Logger;
  /** Mesos HTTP credentials (never stored). */
  credentials?: Credentials;
  tls?: TlsOptions;
  timings?: Partial<SessionTimings>;
  createScheduler?: (options: SchedulerClientOptions) => SchedulerApi;
  createFlinkApi?: (restUrl: string) => FlinkClusterApi;
  createOperatorApi?: (leaderUrl: () => string | undefined) => OperatorApi;
  /**
   * Asked once when a start's fit timeout runs out with the JobManager and some TaskManagers placed: keep the session smaller
   * than asked, or stop it. Without it (or when it fails) the session stops: nothing is left behind.
   */
  decidePartialFit?: (fit: PartialFit) => PartialFitChoice | Promise<PartialFitChoice>;
}

export interface TaskManagerProgress {
  /** null in greedy mode. */
  wanted: number | null;
  launched: number;
  running: number;
  /** Registered in Flink (seen in /taskmanagers). */
  registered: number;
}

export interface SessionSnapshot {
  name: string;
  phase: SessionPhase;
  reason?: string;
  frameworkId?: string;
  masters: string;
  leaderUrl?: string;
  connection: ConnectionState;
  jobManagerUrl?: string;
  /** Flink's dashboard (the REST address) when the web UI is on. */
  flinkUiUrl?: string;
  mesosUiUrl?: string;
  jobManager?: TaskRecord;
  taskManagers: TaskRecord[];
  progress: TaskManagerProgress;
  diagnosis?: string;
  /** TaskManager replacement stopped by the failure-rate limit. */
  replacementBlocked: boolean;
  /** Subscribed, and the master answered about every task saved (after a start, attach or re-subscription). */
  reconciled: boolean;
  /** The last offers declined while the session was not running (oldest first, at most DECLINED_OFFERS_KEPT): per agent, why. */
  declinedOffers: DeclinedOffer[];
  /** While something is still missing: each agent's last offer as it is now (after the session's own tasks), with why it does not fit. */
  offersNow: AgentOfferNow[];
  /** What ended the session when it failed, for callers that map it (the CLI's exit codes): a MesosError kind, or 'unreachable'. */
  failureKind?: string;
  options: SessionOptions;
}

export interface PhaseDetail { reason?: string; jobManagerUrl?: string }

export interface StopResult {
  /** Tasks of ours the master still listed when the check gave up (empty when clean). */
  leftTasks: string[];
  verified: boolean;
  /** Set when the master never took TEARDOWN: the framework stays registered until its failover timeout passes. */
  frameworkLeft?: true;
}

export type FlinkSessionEvents = {
  phase: [SessionPhase, PhaseDetail];
  progress: [TaskManagerProgress];
  /** Offers do not fit what is needed: what is needed against the largest offer seen. */
  diagnosis: [string];
  warning: [string];
  connection: [ConnectionState, { reason?: string; retryInMs?: number }];
  task: [TaskRecord];
  /** The fit timeout ran out with part of the session placed: the session asks decidePartialFit (keep it smaller or stop). */
  partialFit: [PartialFit];
  /** Any change: for views that re-render from snapshot(). */
  changed: [SessionSnapshot];
};

const ACTIVE = (t: TaskRecord): boolean => !TERMINAL_TASK_STATES.has(t.state);

/**
 * Whether a retried SUBSCRIBE failure names only masters that refused the connection or whose host cannot be resolved
 * (the texts of networkError() in ../mesos/http.ts, joined by "; " when there are several masters): waiting will not help.
 * One master that answered (503 during an election, a redirect loop) means waiting may help.
 */
function noMasterListening(reason: string): boolean {
  const problems = reason.replace(/^No Mesos master took the subscription: /, '').split('; ');
  return problems.every((p) => /^SUBSCRIBE: (connection to \S+ refused|the host of \S+ cannot be resolved)$/.test(p));
}

const MAX_JOB_MANAGER_RELAUNCHES = 3;
const END_PHASES: ReadonlySet<SessionPhase> = new Set(['stopped', 'failed', 'detached']);

/**
 * One session. Create it with FlinkSession.create(validated, deps) then start(), or FlinkSession.attach(name, deps).
 * Follow it with on('phase' | 'progress' | 'diagnosis' | 'warning' | 'connection' | 'task' | 'changed').
 */
export class FlinkSession extends EventEmitter<FlinkSessionEvents> {
  private readonly log: Logger;
  private readonly timings: SessionTimings;
  private readonly ownerId = randomUUID();
  private scheduler?: SchedulerApi;
  private flink?: FlinkClusterApi;
  private readonly operator: OperatorApi;
  private connection: ConnectionState = 'disconnected';
  private chain: Promise<void> = Promise.resolve();
  /** Every store write (save or delete) runs in this order, one at a time: a save can never land after the delete. */
  private storeQueue: Promise<void> = Promise.resolve();
  /** A save queued but not started yet: later changes ride along with it. */
  private savePending?: Promise<void>;
  private suppressed = false;
  private everSubscribed = false;
  private readonly attaching: boolean;
  private readonly offers: OfferDiagnosis;
  private diagnosis?: string;
  private lastOfferAt = 0;
  private failureTimes: number[] = [];
  private replacementBlocked = false;
  private registered = new Set<string>();
  private pendingReconcile = new Map<string, string | undefined>();
  private reconcileDelay = 0;
  /** Set by a subscription: the implicit reconciliation follows once every saved task got its answer. */
  private implicitAfterExplicit = false;
  private reconcileTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private lastImplicitReconcile = 0;
  private lastLeaseBeat = 0;
  private startFailTimer?: NodeJS.Timeout;
  private ended?: Promise<void>;
  private endedResolve?: () => void;
  private stopping?: Promise<StopResult>;
  private pollBusy = false;
  private frameworkRemoved = false;
  private failureKind?: string;
  /** The partial-fit question was asked (once per start). */
  private partialFitAsked = false;

  private constructor(private record: SessionRecord, private readonly deps: FlinkSessionDeps, attaching: boolean) {
    super();
    this.log = deps.log ?? silentLogger;
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.attaching = attaching;
    this.operator = (deps.createOperatorApi ?? ((leader) => httpOperatorApi(leader, {
      credentials: deps.credentials, tls: deps.tls, timeoutMs: this.timings.callTimeoutMs, log: this.log,
    })))(() => this.scheduler?.leaderUrl ?? this.record.leaderUrl);
    this.ended = new Promise((resolve) => { this.endedResolve = resolve; });
    this.offers = new OfferDiagnosis(() => this.record.options);
  }

  /** A new session from validated options; refuses when the store already holds a live session of that name. */
  static async create(validated: ValidatedSessionOptions, deps: FlinkSessionDeps): Promise<FlinkSession> {
    const { options } = validated;
    const existing = await deps.store.load(options.name);
    if (existing) {
      throw new SessionError(`A session named "${options.name}" already exists (framework ${existing.frameworkId ?? 'not yet registered'}, ${existing.gone ? `gone: ${existing.gone.reason}` : existing.phase}).`,
        existing.gone ? `Free the name with "flink-mesos session forget ${options.name}", or start this one with another --name.`
          : `Attach to it ("flink-mesos session attach --name ${options.name}"), stop it, forget it if its cluster is gone ("flink-mesos session forget ${options.name}"), or start this one with another --name.`, 'exists');
    }
    const now = Date.now();
    const record: SessionRecord = {
      version: 1, name: options.name, masters: options.master, options, flinkConfiguration: validated.flinkConfiguration,
      phase: 'subscribing', tasks: [], wantedTaskManagers: options.taskManagers ?? null, nextTaskManagerNumber: 1, startedAt: now, updatedAt: now,
    };
    return new FlinkSession(record, deps, false);
  }

  /** Reattaches to a saved session: re-subscribes with its framework id and reconciles. */
  static async attach(name: string, deps: FlinkSessionDeps): Promise<FlinkSession> {
    const record = await deps.store.load(name);
    if (!record) {
      throw new SessionError(`No session named "${name}" is saved.`, 'List the saved sessions with "flink-mesos session status", or start one.', 'notFound');
    }
    if (!record.frameworkId) {
      await deps.store.delete(name);
      throw new SessionError(`The session "${name}" never registered with Mesos, so there is nothing to attach to; its record was cleared.`, 'Start it again.', 'notFound');
    }
    return new FlinkSession(record, deps, true);
  }

  get name(): string { return this.record.name; }
  get phase(): SessionPhase { return this.record.phase; }
  get frameworkId(): string | undefined { return this.record.frameworkId; }
  get jobManagerUrl(): string | undefined { return this.record.jobManagerUrl; }

  snapshot(): SessionSnapshot {
    const r = this.record;
    const leader = this.scheduler?.leaderUrl ?? r.leaderUrl;
    return {
      name: r.name, phase: r.phase, reason: r.reason, frameworkId: r.frameworkId, masters: r.masters, leaderUrl: leader, connection: this.connection,
      jobManagerUrl: r.jobManagerUrl, flinkUiUrl: r.options.webUi ? r.jobManagerUrl : undefined,
      mesosUiUrl: leader ? `${leader}/#/frameworks/${r.frameworkId ?? ''}` : undefined,
      jobManager: r.tasks.find((t) => t.kind === 'jobmanager'), taskManagers: r.tasks.filter((t) => t.kind === 'taskmanager'),
      progress: this.progress(), diagnosis: this.diagnosis, replacementBlocked: this.replacementBlocked, options: r.options,
      reconciled: this.connection === 'subscribed' && this.subscribedHandled && this.pendingReconcile.size === 0,
      declinedOffers: this.offers.declinedOffers(),
      offersNow: this.needsMore() && !END_PHASES.has(r.phase) ? this.offers.offersNow(this.stillMissing()) : [],
      failureKind: this.failureKind,
    };
  }

  /** Resolves when the session reaches stopped, failed or detached. */
  whenEnded(): Promise<void> {
    return this.ended as Promise<void>;
  }

  /** Resolves when pred(snapshot) holds; rejects when the session ends first or the time runs out. */
  waitFor(pred: (s: SessionSnapshot) => boolean, timeoutMs: number, what = 'the session'): Promise<SessionSnapshot> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const s = this.snapshot();
        if (pred(s)) { done(); resolve(s); return true; }
        if (END_PHASES.has(s.phase)) {
          done();
          // Once the end has settled (saved state cleared or handed over), so the caller sees it as it stays.
          void this.whenEnded().then(() => reject(new Error(`${what}: the session ${s.phase}${s.reason ? `: ${s.reason}` : ''}`)));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${what}: not reached within ${timeoutMs} ms (phase ${this.record.phase})`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.off('changed', onChange); };
      const onChange = (): void => { check(); };
      this.on('changed', onChange);
      check();
    });
  }

  /** Registers with Mesos and launches the session (or, after attach, takes it over again). Resolves once subscribing started. */
  async start(): Promise<void> {
    if (this.scheduler) throw new SessionError('This session was already started.', 'Create a new FlinkSession to start another one.');
    const current = this.attaching ? await this.deps.store.load(this.record.name) : undefined;
    if (current?.owner && ownerIsAlive(current.owner, this.ownerId, Date.now(), this.timings.leaseStaleMs)) {
      throw new SessionConflictError(this.record.name, current.owner);
    }
    if (current) this.record = current;
    // Kept for a detach before any subscription (the master unreachable): the saved phase must not change.
    this.phaseBeforeAttach = current?.phase;
    if (current?.phase === 'stopping') this.record.stopPending ??= current.updatedAt;
    this.claimOwner();
    if (this.attaching) {
      this.failureTimes = [];
      this.registered = new Set();
    }
    this.setPhase(this.attaching ? this.resumePhase() : 'subscribing', {}, true);
    await this.persist();

    const options = this.record.options;
    const frameworkInfo: FrameworkInfo = {
      user: options.user, name: options.frameworkName, failover_timeout: options.failoverTimeoutSeconds, checkpoint: true,
      capabilities: [{ type: 'MULTI_ROLE' }],
      roles: [options.role ?? '*'],
      labels: { labels: [{ key: 'flink-mesos.session', value: options.name }] },
    };
    if (options.principal) frameworkInfo.principal = options.principal;
    else if (this.deps.credentials) frameworkInfo.principal = this.deps.credentials.principal;
    if (this.record.frameworkId) frameworkInfo.id = { value: this.record.frameworkId };
    const schedulerOptions: SchedulerClientOptions = {
      masters: this.record.masters, frameworkInfo, credentials: this.deps.credentials, tls: this.deps.tls, log: this.log,
      heartbeatMissedIntervals: this.timings.heartbeatMissedIntervals, backoffInitialMs: this.timings.backoffInitialMs,
      backoffMaxMs: this.timings.backoffMaxMs, callTimeoutMs: this.timings.callTimeoutMs, connectTimeoutMs: this.timings.connectTimeoutMs,
      // Before the first subscription of a start, masters that refuse connections or do not resolve fail at once, not after retries.
      giveUp: (reason) => !this.everSubscribed && !this.attaching && noMasterListening(reason.message),
    };
    const scheduler = (this.deps.createScheduler ?? ((o) => new SchedulerClient(o)))(schedulerOptions);
    this.scheduler = scheduler;
    scheduler.on('subscribed', (s) => this.serial(() => this.onSubscribed(s)));
    scheduler.on('offers', (offers) => this.serial(() => this.onOffers(offers)));
    scheduler.on('rescind', (id) => this.log.debug(`session: offer ${id} rescinded`));
    scheduler.on('update', (status) => this.serial(() => this.onUpdate(status)));
    scheduler.on('connectionState', (state, detail) => this.onConnectionState(state, detail));
    scheduler.on('fatal', (err) => {
      // Noted at once: a TEARDOWN in progress must not mistake the framework's removal for a refusal.
      if (err.kind === 'frameworkRemoved') this.frameworkRemoved = true;
      void this.serial(() => this.onFatal(err));
    });
    if (!this.attaching) {
      this.startFailTimer = setTimeout(() => {
        if (!this.everSubscribed && !END_PHASES.has(this.record.phase)) {
          void this.serial(() => this.failBeforeSubscribe(`No Mesos master at ${this.record.masters} accepted the subscription within ${this.timings.subscribeTimeoutMs} ms${this.lastConnectionReason ? ` (${this.lastConnectionReason})` : ''}.`));
        }
      }, this.timings.subscribeTimeoutMs);
    }
    this.tickTimer = setInterval(() => { void this.serial(() => this.tick()); }, this.timings.tickMs);
    scheduler.start();
  }

  private lastConnectionReason?: string;
  private subscribedHandled = false;
  private phaseBeforeAttach?: SessionPhase;

  private resumePhase(): SessionPhase {
    const jm = this.record.tasks.find((t) => t.kind === 'jobmanager');
    if (!jm) return 'launchingJobManager';
    if (!this.record.jobManagerUrl || jm.state !== 'TASK_RUNNING') return 'launchingJobManager';
    // Running again only once Flink lists every TaskManager (as after a start): some may have ended while no client followed.
    return 'taskManagers';
  }

  private claimOwner(): void {
    this.record.owner = { id: this.ownerId, pid: process.pid, host: os.hostname(), heartbeatAt: Date.now() };
    this.lastLeaseBeat = Date.now();
  }

  // ---- event handling, one at a time ----

  private serial(fn: () => Promise<void> | void): Promise<void> {
    const next = this.chain.then(fn).catch((err) => {
      this.log.error(`session: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    });
    this.chain = next;
    return next;
  }

  private async onSubscribed(s: SubscribedInfo): Promise<void> {
    if (END_PHASES.has(this.record.phase) || this.record.phase === 'stopping') return;
    const first = !this.everSubscribed;
    this.everSubscribed = true;
    this.subscribedHandled = true;
    if (this.startFailTimer) { clearTimeout(this.startFailTimer); this.startFailTimer = undefined; }
    this.record.frameworkId = s.frameworkId;
    this.record.leaderUrl = s.leaderUrl;
    // Offers start over after a subscription: nothing is suppressed on a fresh stream.
    this.suppressed = false;
    if (this.record.phase === 'subscribing') this.setPhase('launchingJobManager', {});
    await this.persist();
    this.log.info(`session ${this.record.name}: subscribed as framework ${s.frameworkId} at ${s.leaderUrl}${first ? '' : ' again'}`);
    this.startReconciliation();
    // A session taken over (or re-subscribed) may have been suppressed by its previous stream: ask again if work is pending.
    if (!first || this.attaching) {
      if (this.needsMore()) this.wantOffers();
      else if (this.record.wantedTaskManagers !== null) { this.suppressed = true; void this.scheduler?.suppress().catch(() => undefined); }
    }
    if (this.record.jobManagerUrl) this.schedulePoll(0);
    if (this.record.stopPending) {
      this.emit('warning', `A stop asked ${Math.round((Date.now() - this.record.stopPending) / 1000)} s ago could not reach the master then; completing it now.`);
      void this.stop();
    }
  }

  private onConnectionState(state: ConnectionState, detail: { reason?: string; retryInMs?: number }): void {
    this.connection = state;
    if (state !== 'subscribed') this.subscribedHandled = false;
    if (detail.reason) this.lastConnectionReason = detail.reason;
    this.emit('connection', state, detail);
    this.changed();
  }

  private async failBeforeSubscribe(reason: string): Promise<void> {
    if (this.everSubscribed || END_PHASES.has(this.record.phase)) return;
    this.failureKind = 'unreachable';
    await this.scheduler?.close().catch(() => undefined);
    await this.finish('failed', `${reason} Check the master address (-m) and that the Mesos master is running and reachable from here.`, true);
  }

  private async onFatal(err: MesosError): Promise<void> {
    if (END_PHASES.has(this.record.phase)) return;
    const text = `${err.message}. ${err.fix}`.replace(/\.\./g, '.');
    if (this.record.phase === 'stopping') return;
    // No master listening at any address of a start (the client gave up at once, see giveUp): the same words as the subscribe timeout.
    if (err.kind === 'unreachable' && !this.everSubscribed && !this.attaching && noMasterListening(err.message)) {
      await this.failBeforeSubscribe(`${err.message}.`);
      return;
    }
    this.failureKind = err.kind;
    switch (err.kind) {
      case 'frameworkRemoved':
        await this.finish('failed', `The Mesos master removed framework ${this.record.frameworkId} (its failover timeout passed or it was torn down), so the session is gone. ` +
          'Its saved state was cleared; start a new session.', true);
        return;
      case 'failedOver':
        // Another client subscribed with our framework id: it drives the session now; do not fight it.
        await this.finish('detached', `Another client subscribed with framework ${this.record.frameworkId} and now drives the session; this one stopped following it (nothing was stopped).`, false);
        return;
      default: {
        const forget = !this.everSubscribed && !this.attaching;
        if (!forget) {
          // Kept for a later attach (after fixing credentials, say), without an owner.
          this.record.owner = undefined;
          await this.persist();
        }
        await this.finish('failed', text, forget);
      }
    }
  }

  private async onOffers(offers: Offer[]): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    if (END_PHASES.has(this.record.phase) || this.record.phase === 'stopping' || this.record.phase === 'subscribing') {
      await scheduler.decline(offers.map((o) => o.id.value), { refuse_seconds: 5 }).catch(() => undefined);
      return;
    }
    this.lastOfferAt = Date.now();
    const options = this.record.options;
    const spec = this.taskSpec();
    const jm = this.record.tasks.find((t) => t.kind === 'jobmanager');
    const toPlace = this.taskManagersToPlace();
    const plan = planOffers(offers, {
      needJobManager: !jm,
      jobManager: jm ? { hostname: jm.hostname, rpcPort: jm.ports.rpc } : undefined,
      taskManagersToPlace: toPlace,
      nextTaskManagerNumber: this.record.nextTaskManagerNumber,
      describeDeclined: this.record.phase === 'running' && !this.needsMore() ? 0 : DECLINED_OFFERS_KEPT,
    }, spec);
    const now = Date.now();
    const planned = [...(plan.jobManager ? [plan.jobManager] : []), ...plan.taskManagers];
    for (const p of planned) {
      this.record.tasks.push({ taskId: p.taskId, kind: p.kind, agentId: p.agentId, hostname: p.hostname, agentUrl: p.agentUrl, ports: p.ports, state: 'TASK_STAGING', launchedAt: now, updatedAt: now });
    }
    this.record.nextTaskManagerNumber = plan.nextTaskManagerNumber;
    if (plan.jobManager) {
      this.record.jobManagerUrl = `http://${plan.jobManager.hostname}:${plan.jobManager.ports.rest}`;
    }
    // Record the tasks before launching them: a crash in between leaves tasks the next reconciliation finds, not orphans.
    if (planned.length > 0) await this.persist();
    const complete = !this.needsMore();
    const filters = { refuse_seconds: options.declineRefuseSeconds };
    const calls: Promise<void>[] = [];
    for (const launch of plan.launches) {
      calls.push(scheduler.accept(launch.offerIds, [{ type: 'LAUNCH', launch: { task_infos: launch.tasks.map((t) => t.task) } }], complete ? filters : { refuse_seconds: 5 })
        .catch((err) => {
          this.log.warn(`session: ACCEPT on agent ${launch.agentId} failed (${err instanceof Error ? err.message : String(err)}); reconciling its tasks`);
          for (const t of launch.tasks) this.pendingReconcile.set(t.taskId, t.agentId);
          this.scheduleReconcile(this.timings.reconcileInitialMs);
        }));
    }
    if (plan.declineOfferIds.length > 0) calls.push(scheduler.decline(plan.declineOfferIds, filters).catch(() => undefined));
    const noted = this.offers.noteRound(plan, now, this.record.phase !== 'running');
    await Promise.all(calls);
    if (noted && planned.length === 0) this.changed();
    if (planned.length > 0) {
      // A large round names the first few tasks only.
      const named = planned.slice(0, 10).map((p) => `${p.taskId} on ${p.hostname}`).join(', ');
      this.log.info(`session ${this.record.name}: launched ${named}${planned.length > 10 ? ` and ${planned.length - 10} more` : ''}`);
      this.emitProgress();
    }
    if (!this.needsMore()) {
      this.setDiagnosis(undefined);
      if (this.record.wantedTaskManagers !== null && !this.suppressed) {
        this.suppressed = true;
        await scheduler.suppress().catch(() => { this.suppressed = false; });
      }
    } else if (plan.diagnosis || Number.isFinite(this.taskManagersToPlace())) {
      // Still short after this round (placed nothing, or only part): say why from the offers as the round left them.
      this.setDiagnosis(this.offers.describe(this.stillMissing()));
    }
  }

  private taskSpec(): SessionTaskSpec {
    return { options: this.record.options, flinkConfiguration: sessionFlinkConfiguration(this.record.options, this.record.flinkConfiguration) };
  }

  private activeTaskManagers(): TaskRecord[] {
    return this.record.tasks.filter((t) => t.kind === 'taskmanager' && ACTIVE(t) && !t.killRequested);
  }

  private taskManagersToPlace(): number {
    if (this.replacementBlocked) return 0;
    const wanted = this.record.wantedTaskManagers;
    if (wanted === null) return Infinity;
    return Math.max(0, wanted - this.activeTaskManagers().length);
  }

  private stillMissing(): StillMissing {
    return { jobManager: !this.record.tasks.some((t) => t.kind === 'jobmanager'), taskManagers: this.taskManagersToPlace(), wanted: this.record.wantedTaskManagers };
  }

  private needsMore(): boolean {
    if (!this.record.tasks.some((t) => t.kind === 'jobmanager')) return true;
    const n = this.taskManagersToPlace();
    return n > 0;
  }

  private setDiagnosis(text: string | undefined): void {
    if (text === this.diagnosis) return;
    this.diagnosis = text;
    if (text) {
      this.log.warn(`session ${this.record.name}: ${text}`);
      this.emit('diagnosis', text);
    }
    this.changed();
  }

  private async onUpdate(status: TaskStatus): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    const id = status.task_id.value;
    if (this.pendingReconcile.delete(id) && this.pendingReconcile.size === 0) {
      this.changed();
      if (this.implicitAfterExplicit) void this.implicitReconcile();
    }
    const task = this.record.tasks.find((t) => t.taskId === id);
    const terminal = TERMINAL_TASK_STATES.has(status.state);
    if (!task) {
      // Not ours (any more): a task we do not know is killed, so nothing is left behind.
      if (!terminal && this.record.phase !== 'stopping') {
        this.log.warn(`session ${this.record.name}: killing unknown task ${id} (${status.state})`);
        await scheduler.kill(id, status.agent_id?.value).catch(() => undefined);
      }
      await this.acknowledge(scheduler, status);
      return;
    }
    if (task.state === status.state) {
      // The same update again (resent until acknowledged, or a reconciliation answer): nothing changes.
      await this.acknowledge(scheduler, status);
      return;
    }
    if (TERMINAL_TASK_STATES.has(task.state)) {
      await this.acknowledge(scheduler, status);
      return;
    }
    const everRan = task.state === 'TASK_RUNNING' || task.state === 'TASK_KILLING';
    task.state = status.state;
    task.message = status.message;
    task.updatedAt = Date.now();
    if (status.agent_id?.value) task.agentId = status.agent_id.value;
    this.emit('task', { ...task });
    if (terminal) {
      this.record.tasks = this.record.tasks.filter((t) => t !== task);
      this.registered.delete(task.taskId);
      if (task.kind === 'jobmanager') {
        const neverStarted = !everRan && (status.state === 'TASK_LOST' || status.state === 'TASK_DROPPED' || status.state === 'TASK_GONE');
        if (neverStarted && this.isLive() && this.jobManagerRelaunches < MAX_JOB_MANAGER_RELAUNCHES) {
          // Lost before it ever ran (an offer invalidated by a leader change, an agent gone): launch it again elsewhere.
          await this.relaunchJobManager(status);
          await this.acknowledge(scheduler, status);
          return;
        }
        await this.persist();
        await this.acknowledge(scheduler, status);
        if (this.record.phase !== 'stopping' && !END_PHASES.has(this.record.phase)) {
          const why = status.state === 'TASK_FAILED' ? await this.startupFailure(task) : undefined;
          await this.failSession(`The JobManager task ended: ${status.state}${status.message ? ` (${status.message})` : ''}${status.reason ? ` [${status.reason}]` : ''}.` +
            `${why ? ` ${why.problem}${why.fix ? ` ${why.fix}` : ''}` : ''} Its TaskManagers were killed.`);
        }
        return;
      }
      if (!task.killRequested && this.record.phase !== 'stopping' && status.state === 'TASK_FAILED' && !this.everRegistered.has(task.taskId)) {
        // A TaskManager that never registered may have been refused by Flink: the same configuration fails every one.
        const why = await this.startupFailure(task);
        if (why?.configuration && this.isLive()) {
          await this.persist();
          await this.acknowledge(scheduler, status);
          await this.failSession(`TaskManager ${task.taskId} could not start: ${why.problem}${why.fix ? ` ${why.fix}` : ''} ` +
            'The session was stopped, as every TaskManager would fail the same way.');
          return;
        }
      }
      if (!task.killRequested && this.record.phase !== 'stopping') this.onTaskManagerLost(task, status);
    } else if (status.state === 'TASK_RUNNING' && task.kind === 'jobmanager') {
      this.schedulePoll(0);
    }
    const saved = this.persist();
    this.emitProgress();
    // A killed TaskManager's end may leave the progress figures as they were (it stopped counting at the kill): say so anyway.
    if (terminal) this.changed();
    // Acknowledge once the change is saved, so a crash in between gets the update again.
    void saved.then(() => this.acknowledge(scheduler, status));
  }

  /** Acknowledges an update that asks for it (it carries a uuid); master-generated updates and reconciliation answers do not. */
  private acknowledge(scheduler: SchedulerApi, status: TaskStatus): Promise<void> {
    if (!status.uuid) return Promise.resolve();
    return scheduler.acknowledge(status).catch(() => undefined);
  }

  private jobManagerRelaunches = 0;
  /** TaskManagers Flink has listed at least once. */
  private readonly everRegistered = new Set<string>();

  private startupFailure(task: TaskRecord): Promise<StartupFailure | undefined> {
    return diagnoseStartupFailure(task.agentUrl, this.record.frameworkId, task.taskId,
      { credentials: this.deps.credentials, tls: this.deps.tls, timeoutMs: this.timings.flinkTimeoutMs }).catch(() => undefined);
  }

  private async relaunchJobManager(status: TaskStatus): Promise<void> {
    this.jobManagerRelaunches++;
    this.emit('warning', `The JobManager task was lost before it started (${status.message ?? status.state}); launching it again.`);
    // TaskManagers placed with the lost JobManager's address would never find it: they go too.
    const doomed = this.record.tasks.filter((t) => t.kind === 'taskmanager');
    for (const t of doomed) t.killRequested = true;
    this.record.jobManagerUrl = undefined;
    this.registered.clear();
    await this.flink?.close?.().catch(() => undefined);
    this.flink = undefined;
    this.setPhase('launchingJobManager', {});
    await this.persist();
    await Promise.all(doomed.map((t) => this.scheduler?.kill(t.taskId, t.agentId).catch(() => undefined)));
    this.wantOffers();
  }

  private onTaskManagerLost(task: TaskRecord, status: TaskStatus): void {
    const now = Date.now();
    this.failureTimes = this.failureTimes.filter((t) => now - t < 60000);
    this.failureTimes.push(now);
    const what = `TaskManager ${task.taskId} on ${task.hostname} ended: ${status.state}${status.message ? ` (${status.message})` : ''}`;
    const limit = this.record.options.maxTaskManagerFailuresPerMinute;
    if (this.failureTimes.length > limit) {
      if (!this.replacementBlocked) {
        this.replacementBlocked = true;
        this.emit('warning', `${what}. ${this.failureTimes.length} TaskManagers ended within a minute, over the limit of ${limit}: ` +
          'the session stops replacing them. Look at a TaskManager log for the cause, then scale the session to replace them.');
      }
      return;
    }
    this.emit('warning', `${what}; launching a replacement.`);
    this.wantOffers();
  }

  /** New work appeared (a replacement, a scale up, a relaunch): REVIVE once, never on a timer. */
  private wantOffers(): void {
    this.suppressed = false;
    void this.scheduler?.revive().catch(() => undefined);
  }

  private async failSession(reason: string): Promise<void> {
    this.setPhase('failed', { reason });
    this.record.reason = reason;
    const result = await this.teardownAndVerify();
    const left = result.leftTasks.length > 0 ? ` ${result.leftTasks.length} task(s) were still listed by the master: ${result.leftTasks.join(', ')}.` : '';
    await this.finish('failed', reason + left, true);
  }

  // ---- reconciliation ----

  // Mesos' algorithm: ask about every non-terminal task we know, ask again with backoff about those without an answer,
  // and once all have answered, ask for every task the master knows (implicit): unknown ones are then killed.
  private startReconciliation(): void {
    this.pendingReconcile.clear();
    for (const t of this.record.tasks) if (ACTIVE(t)) this.pendingReconcile.set(t.taskId, t.agentId);
    this.reconcileDelay = this.timings.reconcileInitialMs;
    if (this.reconcileTimer) { clearTimeout(this.reconcileTimer); this.reconcileTimer = undefined; }
    this.implicitAfterExplicit = true;
    void this.reconcileNow();
  }

  private async reconcileNow(): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler || END_PHASES.has(this.record.phase)) return;
    if (this.pendingReconcile.size > 0) {
      await scheduler.reconcile([...this.pendingReconcile].map(([taskId, agentId]) => ({ taskId, agentId }))).catch(() => undefined);
      this.scheduleReconcile(this.reconcileDelay);
      this.reconcileDelay = Math.min(this.reconcileDelay * 2, this.timings.reconcileMaxMs);
    } else if (this.implicitAfterExplicit) {
      await this.implicitReconcile();
    }
  }

  private async implicitReconcile(): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler || END_PHASES.has(this.record.phase)) return;
    this.implicitAfterExplicit = false;
    this.lastImplicitReconcile = Date.now();
    await scheduler.reconcile([]).catch(() => undefined);
  }

  private scheduleReconcile(ms: number): void {
    if (this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = undefined;
      void this.serial(() => this.reconcileNow());
    }, ms);
  }

  private async tick(): Promise<void> {
    if (END_PHASES.has(this.record.phase) || this.record.phase === 'stopping') return;
    const now = Date.now();
    if (now - this.lastLeaseBeat >= this.timings.leaseHeartbeatMs) {
      this.lastLeaseBeat = now;
      if (this.record.owner) this.record.owner.heartbeatAt = now;
      void this.persist();
    }
    if (this.connection !== 'subscribed') return;
    if (!this.implicitAfterExplicit && now - this.lastImplicitReconcile >= this.timings.implicitReconcileMs) await this.implicitReconcile();
    // A task that does not reach RUNNING soon after launch is reconciled early.
    let stale = false;
    for (const t of this.record.tasks) {
      if (t.state === 'TASK_STAGING' && now - t.launchedAt > this.timings.launchReconcileMs && !this.pendingReconcile.has(t.taskId)) {
        this.pendingReconcile.set(t.taskId, t.agentId);
        stale = true;
      }
    }
    if (stale) this.scheduleReconcile(0);
    // A cluster that can never fit: stop waiting after fitTimeoutSeconds with what is missing.
    // Every task still missing counts: a session that only partly fits asks whether to keep it smaller or stop it.
    const fit = this.attaching || this.partialFitAsked ? undefined : fitTimeoutReached(this.record, this.activeTaskManagers(), now);
    if (!fit) return;
    const seconds = this.record.options.fitTimeoutSeconds;
    const diagnosis = this.diagnosis ?? this.offers.describe(fit.missing);
    if (fit.nothingToKeep || fit.missing.wanted === null) {
      await this.failSession(`Gave up after ${seconds} s waiting for offers that fit. ${diagnosis}`);
      return;
    }
    this.partialFitAsked = true;
    const question: PartialFit = { session: this.record.name, wanted: fit.missing.wanted, placed: fit.placed, fitTimeoutSeconds: seconds, diagnosis };
    this.log.warn(`session ${this.record.name}: only ${fit.placed} of ${fit.missing.wanted} TaskManagers fit within ${seconds} s`);
    this.emit('partialFit', question);
    // Asked outside the event chain: offers and updates go on while someone decides.
    void this.decidePartialFit(question);
  }

  private async decidePartialFit(question: PartialFit): Promise<void> {
    let choice: PartialFitChoice = 'stop';
    try {
      choice = (await this.deps.decidePartialFit?.(question)) ?? 'stop';
    } catch (err) {
      this.log.warn(`session: the partial-fit decision failed (${err instanceof Error ? err.message : String(err)}); stopping the session`);
    }
    await this.serial(async () => {
      // Stopped meanwhile, or everything fit after all: nothing to decide.
      if (!this.isLive() || !this.needsMore()) return;
      const kept = this.activeTaskManagers().length;
      const seconds = question.fitTimeoutSeconds;
      if (choice !== 'keep' || kept === 0) {
        await this.failSession(`Gave up after ${seconds} s waiting for offers that fit: only ${kept} of ${question.wanted} TaskManagers were placed, ` +
          `and the session was stopped rather than kept smaller (its tasks were torn down). ${this.diagnosis ?? question.diagnosis}`);
        return;
      }
      this.record.wantedTaskManagers = kept;
      await this.persist();
      this.setDiagnosis(undefined);
      this.emit('warning', `Only ${kept} of ${question.wanted} TaskManagers fit within ${seconds} s: the session goes on with ${kept} ` +
        `(scale it when the cluster has room for more).`);
      if (!this.suppressed) {
        this.suppressed = true;
        await this.scheduler?.suppress().catch(() => { this.suppressed = false; });
      }
      this.emitProgress();
      this.changed();
      this.schedulePoll(0);
    });
  }

  // ---- Flink ----

  private flinkApi(): FlinkClusterApi | undefined {
    if (!this.record.jobManagerUrl) return undefined;
    if (!this.flink) {
      this.flink = (this.deps.createFlinkApi ?? ((url) => new FlinkRestClient(url, { timeoutMs: this.timings.flinkTimeoutMs, retries: 0, log: this.log })))(this.record.jobManagerUrl);
    }
    return this.flink;
  }

  private schedulePoll(ms: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => { this.pollTimer = undefined; void this.pollFlink(); }, ms);
  }

  private async pollFlink(): Promise<void> {
    if (END_PHASES.has(this.record.phase) || this.record.phase === 'stopping' || this.pollBusy) return;
    const api = this.flinkApi();
    const jm = this.record.tasks.find((t) => t.kind === 'jobmanager');
    if (!api || !jm || jm.state !== 'TASK_RUNNING') return;
    this.pollBusy = true;
    try {
      const tms = await api.taskManagers();
      const ours = new Set(this.record.tasks.filter((t) => t.kind === 'taskmanager').map((t) => t.taskId));
      this.registered = new Set(tms.map((t) => t.id).filter((id) => ours.has(id)));
      for (const id of this.registered) this.everRegistered.add(id);
      await this.serial(() => {
        if (this.record.phase === 'launchingJobManager') {
          this.setPhase('jobManagerUp', { jobManagerUrl: this.record.jobManagerUrl });
          this.setPhase('taskManagers', {});
          void this.persist();
        }
        this.emitProgress();
        if (this.record.phase === 'taskManagers' && this.isComplete()) {
          this.setPhase('running', { jobManagerUrl: this.record.jobManagerUrl });
          void this.persist();
        }
      });
    } catch (err) {
      this.log.debug(`session: Flink REST at ${this.record.jobManagerUrl} not answering yet (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      this.pollBusy = false;
    }
    if (this.isLive()) {
      this.schedulePoll(this.record.phase === 'running' && this.isComplete() ? this.timings.runningPollMs : this.timings.flinkPollMs);
    }
  }

  private isLive(): boolean {
    const phase: SessionPhase = this.record.phase;
    return !END_PHASES.has(phase) && phase !== 'stopping';
  }

  private isComplete(): boolean {
    const active = this.activeTaskManagers();
    const wanted = this.record.wantedTaskManagers;
    if (wanted === null) return active.length > 0 && active.every((t) => this.registered.has(t.taskId)) && !this.diagnosisPending();
    return active.length >= wanted && active.every((t) => this.registered.has(t.taskId));
  }

  // Greedy mode is complete once an offer round after the last launch placed nothing.
  private diagnosisPending(): boolean {
    return this.record.tasks.some((t) => t.state === 'TASK_STAGING');
  }

  private progress(): TaskManagerProgress {
    const tms = this.record.tasks.filter((t) => t.kind === 'taskmanager' && !t.killRequested);
    return {
      wanted: this.record.wantedTaskManagers,
      launched: tms.length,
      running: tms.filter((t) => t.state === 'TASK_RUNNING').length,
      registered: tms.filter((t) => this.registered.has(t.taskId)).length,
    };
  }

  private lastProgress = '';
  /** Emits progress and a change when the counts moved; says whether they did. */
  private emitProgress(): boolean {
    const p = this.progress();
    const key = JSON.stringify(p);
    if (key === this.lastProgress) return false;
    this.lastProgress = key;
    this.emit('progress', p);
    this.changed();
    return true;
  }

  // ---- scale, stop, detach ----

  /** Sets the number of TaskManagers. Scaling down kills TaskManagers with no busy slots first (Flink's /taskmanagers). */
  async scale(count: number): Promise<{ killed: string[] }> {
    if (!Number.isInteger(count) || count < 1) {
      throw new SessionError(`${count} is not a valid number of TaskManagers.`, 'Pass a whole number of 1 or more.');
    }
    if (END_PHASES.has(this.record.phase) || this.record.phase === 'stopping') {
      throw new SessionError(`The session is ${this.record.phase}.`, 'Start or attach to a session first.');
    }
    let killed: string[] = [];
    let free = new Map<string, { free: number; total: number }>();
    const api = this.flinkApi();
    const active = this.activeTaskManagers();
    if (count < active.length && api) {
      try {
        free = new Map((await api.taskManagers()).map((t) => [t.id, { free: t.freeSlots, total: t.slotsNumber }]));
      } catch (err) {
        this.log.warn(`session: Flink's /taskmanagers did not answer (${err instanceof Error ? err.message : String(err)}); picking TaskManagers to remove without slot information`);
      }
    }
    await this.serial(async () => {
      const scheduler = this.scheduler;
      this.record.wantedTaskManagers = count;
      this.replacementBlocked = false;
      this.failureTimes = [];
      const current = this.activeTaskManagers();
      if (count < current.length) {
        // Not yet registered first, then idle ones (all slots free), then those with the most free slots; newest first on ties.
        const busy = (t: TaskRecord): number => {
          const f = free.get(t.taskId);
          if (!f) return free.size > 0 ? -1 : 0;
          return f.total - f.free;
        };
        const victims = [...current].sort((a, b) => busy(a) - busy(b) || b.launchedAt - a.launchedAt || b.taskId.localeCompare(a.taskId)).slice(0, current.length - count);
        for (const v of victims) v.killRequested = true;
        killed = victims.map((v) => v.taskId);
        await this.persist();
        await Promise.all(victims.map((v) => scheduler?.kill(v.taskId, v.agentId).catch(() => undefined)));
      } else {
        await this.persist();
        if (count > current.length) this.wantOffers();
      }
      if (this.record.phase === 'running' && !this.isComplete()) this.setPhase('taskManagers', {});
      this.emitProgress();
      this.changed();
      this.schedulePoll(0);
    });
    return { killed };
  }

  /** TEARDOWN, then checks through the operator API that no task of ours is left; clears the saved state. */
  stop(): Promise<StopResult> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      await this.chain;
      if (this.record.phase === 'stopped') return { leftTasks: [], verified: true };
      this.setPhase('stopping', {});
      await this.persist();
      const result = await this.teardownAndVerify();
      const left = result.frameworkLeft
        ? ` The master refused TEARDOWN, so framework ${this.record.frameworkId} stays registered until its failover timeout (${this.record.options.failoverTimeoutSeconds} s) passes; ` +
          'tear it down from the Mesos master (POST /master/teardown) to remove it sooner.'
        : '';
      const reason = result.leftTasks.length > 0
        ? `TEARDOWN was sent, but the master still lists ${result.leftTasks.length} task(s) of ours: ${result.leftTasks.join(', ')}. Check the Mesos UI.${left}`
        : result.verified ? (left ? left.trim() : undefined) : `TEARDOWN was sent, but the master's task list could not be read to confirm that no task is left.${left}`;
      await this.finish(result.leftTasks.length > 0 ? 'failed' : 'stopped', reason, true);
      return result;
    })();
    return this.stopping;
  }

  private async teardownAndVerify(): Promise<StopResult> {
    this.clearTimers();
    const scheduler = this.scheduler;
    const frameworkId = this.record.frameworkId;
    for (const t of this.record.tasks) t.killRequested = true;
    if (!scheduler || !frameworkId) {
      await scheduler?.close().catch(() => undefined);
      return { leftTasks: [], verified: true };
    }
    // TEARDOWN removes the framework and its tasks at once; a refusal (503 during an election, a stream being re-subscribed)
    // is usually brief, so it is sent again before falling back to KILLs, which would leave the framework registered.
    let tornDown = await this.tryTeardown(scheduler, 1 + this.timings.teardownRetries);
    if (!tornDown) {
      this.log.warn(`session: the master refused TEARDOWN ${1 + this.timings.teardownRetries} times; killing the tasks one by one`);
      await Promise.all(this.record.tasks.map((t) => scheduler.kill(t.taskId, t.agentId).catch(() => undefined)));
      tornDown = await this.tryTeardown(scheduler, 1);
      if (!tornDown) {
        this.log.warn(`session: TEARDOWN was refused again: framework ${frameworkId} stays registered until its failover timeout ` +
          `(${this.record.options.failoverTimeoutSeconds} s) passes, or until it is torn down from the Mesos master`);
        await scheduler.close().catch(() => undefined);
      }
    }
    const deadline = Date.now() + this.timings.stopVerifyTimeoutMs;
    let left: string[] = [];
    let verified = false;
    while (true) {
      try {
        left = (await this.operator.liveTasks(frameworkId)).map((t) => t.taskId);
        verified = true;
        if (left.length === 0) break;
      } catch (err) {
        this.log.debug(`session: operator GET_TASKS failed (${err instanceof Error ? err.message : String(err)})`);
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return tornDown ? { leftTasks: left, verified } : { leftTasks: left, verified, frameworkLeft: true };
  }

  /** Sends TEARDOWN up to `attempts` times (each waits for the subscription); true once the master took it. */
  private async tryTeardown(scheduler: SchedulerApi, attempts: number): Promise<boolean> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await scheduler.teardown();
        return true;
      } catch (err) {
        if (this.frameworkRemoved) return true;
        const last = attempt === attempts || scheduler.state === 'closed';
        this.log.warn(`session: TEARDOWN failed (${err instanceof Error ? err.message : String(err)})${last ? '' : `; sending it again in ${this.timings.teardownRetryMs} ms`}`);
        if (last) return false;
        await new Promise((r) => setTimeout(r, this.timings.teardownRetryMs));
      }
    }
    return false;
  }

  /**
   * Leaves the session running on Mesos (no TEARDOWN): it can be reattached within its failover timeout.
   * stopPending: a stop was asked but could not reach the master; the next stop or attach completes it.
   */
  async detach(options: { stopPending?: boolean } = {}): Promise<void> {
    await this.chain;
    if (END_PHASES.has(this.record.phase)) return;
    this.clearTimers();
    await this.scheduler?.close().catch(() => undefined);
    // The saved record keeps the session's real phase for the next attach, without an owner.
    if (this.attaching && !this.everSubscribed && this.phaseBeforeAttach) this.record.phase = this.phaseBeforeAttach;
    if (options.stopPending) this.record.stopPending ??= Date.now();
    this.record.owner = undefined;
    await this.persist();
    await this.finish('detached', undefined, false);
  }

  private clearTimers(): void {
    for (const t of [this.reconcileTimer, this.pollTimer, this.startFailTimer]) if (t) clearTimeout(t);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.reconcileTimer = this.pollTimer = this.startFailTimer = this.tickTimer = undefined;
  }

  /** Ends this object's life: phase, saved state (cleared unless detached), resources. */
  private finish(phase: 'stopped' | 'failed' | 'detached', reason: string | undefined, clearStore: boolean): Promise<void> {
    this.clearTimers();
    this.record.reason = reason;
    // From here on nothing is saved: a detached session's record belongs to the next (or the other) client.
    this.record.phase = phase;
    // The delete queues behind any save in flight, and no save starts after it (the phase has ended): the record stays gone.
    const name = this.record.name;
    const after = clearStore
      ? this.writeStore(() => this.deps.store.delete(name).catch((err) => this.log.error(`session: clearing the saved session failed: ${err instanceof Error ? err.message : String(err)}`)))
      : this.storeQueue;
    const settled = after.then(() => this.settle(phase, reason));
    void this.scheduler?.close().catch(() => undefined);
    void this.flink?.close?.().catch(() => undefined);
    void this.operator.close?.().catch(() => undefined);
    return settled;
  }

  private settle(phase: SessionPhase, reason: string | undefined): void {
    this.emit('phase', phase, { reason });
    this.changed();
    this.endedResolve?.();
  }

  private setPhase(phase: SessionPhase, detail: PhaseDetail, force = false): void {
    if (this.record.phase === phase && !force) return;
    this.record.phase = phase;
    if (detail.reason) this.record.reason = detail.reason;
    if (phase === 'failed') return; // announced by finish()
    this.log.info(`session ${this.record.name}: ${phase}${detail.jobManagerUrl ? ` (${detail.jobManagerUrl})` : ''}`);
    this.emit('phase', phase, detail);
    this.changed();
  }

  private changed(): void {
    this.emit('changed', this.snapshot());
  }

  /** Saves the record; calls made before the queued save starts coalesce into one write of the latest state. */
  private persist(): Promise<void> {
    this.record.updatedAt = Date.now();
    if (END_PHASES.has(this.record.phase)) return this.storeQueue;
    if (this.savePending) return this.savePending;
    const pending = this.writeStore(async () => {
      // Updates already read from the stream join this save: one save per event-loop turn, not one per update (a save
      // copies every task, and 10,000 TaskManagers send 20,000 updates while starting).
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.savePending = undefined;
      // Ended while queued: the record is cleared (or handed over) by finish(), never written again.
      if (END_PHASES.has(this.record.phase)) return;
      const snapshot = copyRecord(this.record);
      await this.deps.store.save(snapshot).catch((err) => this.log.error(`session: saving the session failed: ${err instanceof Error ? err.message : String(err)}`));
    });
    this.savePending = pending;
    return pending;
  }

  /** Runs one store write after every write queued before it. */
  private writeStore(write: () => Promise<void>): Promise<void> {
    const done = this.storeQueue.then(write);
    this.storeQueue = done.catch(() => undefined);
    return done;
  }
}

/** The TaskManager number part of a task id of this session (for views). */
export function taskManagerIndex(session: string, taskId: string): number | undefined {
  return taskManagerNumber(session, taskId);
}
