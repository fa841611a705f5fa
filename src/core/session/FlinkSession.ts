// A Flink session on Mesos: the embedded scheduler. Subscribes, places the JobManager and TaskManagers from offers,
// follows them through Mesos updates and Flink's REST API, replaces TaskManagers, scales, stops, and reattaches after a restart.
// This file is the session's lifecycle (its phases, subscription, stop, detach); its parts live beside it: offer handling
// (OfferHandler.ts, with launchPlan.ts), task tracking (TaskTracker.ts), reconciliation (TaskReconciler.ts), Flink's view
// of the TaskManagers (TaskManagerRegistration.ts), the store lease (StoreLease.ts) and TEARDOWN (frameworkTeardown.ts).
import { EventEmitter } from 'events';
import { sslPassword } from './flinkSsl';
import { SchedulerClient, type ConnectionState, type SchedulerClientOptions, type SubscribedInfo } from '../mesos/SchedulerClient';
import type { MesosError } from '../mesos/MesosError';
import type { FrameworkInfo } from '../mesos/types';
import { silentLogger, type Logger } from '../log';
import type { SessionOptions, ValidatedSessionOptions } from './SessionOptions';
import { taskManagerNumber } from './flinkTasks';
import type { SessionPhase, SessionRecord } from './SessionStore';
import { SessionError } from './sessionErrors';
import { httpOperatorApi, type OperatorApi } from './operatorTasks';
import { END_PHASES, type SessionContext } from './sessionContext';
import {
  DEFAULT_TIMINGS, type FlinkSessionDeps, type FlinkSessionEvents, type PhaseDetail, type SchedulerApi, type SessionSnapshot, type SessionTimings, type StopResult,
} from './sessionTypes';
import { OfferHandler } from './OfferHandler';
import { TaskTracker } from './TaskTracker';
import { TaskReconciler } from './TaskReconciler';
import { TaskManagerRegistration } from './TaskManagerRegistration';
import { StoreLease } from './StoreLease';
import { JobManagerRecovery } from './JobManagerRecovery';
import { AgentMaintenance } from './AgentMaintenance';
import { probeZooKeeper } from './zookeeperProbe';
import { DEFAULT_ZOOKEEPER_PROBE_MS } from './highAvailability';
import { teardownAndVerify } from './frameworkTeardown';

export type { SessionPhase, SessionRecord, TaskRecord } from './SessionStore';
export { DECLINED_OFFERS_KEPT, type AgentOfferNow, type DeclinedOffer, type PartialFit, type PartialFitChoice } from './offerDiagnosis';
export { SessionConflictError, SessionError } from './sessionErrors';
export {
  DEFAULT_TIMINGS, type FlinkClusterApi, type FlinkSessionDeps, type FlinkSessionEvents, type PhaseDetail, type SchedulerApi, type SessionSnapshot,
  type SessionTimings, type StopResult, type TaskManagerProgress,
} from './sessionTypes';

/**
 * Whether a retried SUBSCRIBE failure names only masters that refused the connection or whose host cannot be resolved
 * (the texts of networkError() in ../mesos/http.ts, joined by "; " when there are several masters): waiting will not help.
 * One master that answered (503 during an election, a redirect loop) means waiting may help.
 */
function noMasterListening(reason: string): boolean {
  const problems = reason.replace(/^No Mesos master took the subscription: /, '').split('; ');
  return problems.every((p) => /^SUBSCRIBE: (connection to \S+ refused|the host of \S+ cannot be resolved)$/.test(p));
}


/** MULTI_ROLE and PARTITION_AWARE always; GPU_RESOURCES only when TaskManagers ask for GPUs (Mesos then offers GPU agents). */
function frameworkCapabilities(options: SessionOptions): { type: string }[] {
  // PARTITION_AWARE: a cut-off agent's tasks become TASK_UNREACHABLE (not LOST) and may come back; TaskTracker waits a grace period.
  const caps = [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }];
  if ((options.taskOptions?.taskManagerGpus ?? 0) > 0) caps.push({ type: 'GPU_RESOURCES' });
  return caps;
}

/**
 * One session. Create it with FlinkSession.create(validated, deps) then start(), or FlinkSession.attach(name, deps).
 * Follow it with on('phase' | 'progress' | 'diagnosis' | 'warning' | 'connection' | 'task' | 'changed').
 */
export class FlinkSession extends EventEmitter<FlinkSessionEvents> {
  private readonly log: Logger;
  private readonly timings: SessionTimings;
  private scheduler?: SchedulerApi;
  private readonly operator: OperatorApi;
  private connection: ConnectionState = 'disconnected';
  private chain: Promise<void> = Promise.resolve();
  private everSubscribed = false;
  private readonly attaching: boolean;
  private readonly ctx: SessionContext;
  private readonly lease: StoreLease;
  private readonly offers: OfferHandler;
  private readonly tasks: TaskTracker;
  private readonly reconciler: TaskReconciler;
  private readonly registration: TaskManagerRegistration;
  private readonly recovery: JobManagerRecovery;
  private readonly maintenance: AgentMaintenance;
  private tickTimer?: NodeJS.Timeout;
  private startFailTimer?: NodeJS.Timeout;
  private ended?: Promise<void>;
  private endedResolve?: () => void;
  private stopping?: Promise<StopResult>;
  private frameworkRemoved = false;
  private failureKind?: string;
  private lastConnectionReason?: string;
  private subscribedHandled = false;
  private phaseBeforeAttach?: SessionPhase;

  private constructor(private record: SessionRecord, private readonly deps: FlinkSessionDeps, attaching: boolean) {
    super();
    this.log = deps.log ?? silentLogger;
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.attaching = attaching;
    this.operator = (deps.createOperatorApi ?? ((leader) => httpOperatorApi(leader, {
      credentials: deps.credentials, tls: deps.tls, timeoutMs: this.timings.callTimeoutMs, log: this.log,
    })))(() => this.scheduler?.leaderUrl ?? this.record.leaderUrl);
    this.ended = new Promise((resolve) => { this.endedResolve = resolve; });
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    this.ctx = {
      log: this.log, timings: this.timings, deps, attaching,
      get record() { return session.record; },
      get scheduler() { return session.scheduler; },
      get connection() { return session.connection; },
      get lease() { return session.lease; },
      get offers() { return session.offers; },
      get tasks() { return session.tasks; },
      get reconciler() { return session.reconciler; },
      get registration() { return session.registration; },
      get recovery() { return session.recovery; },
      get maintenance() { return session.maintenance; },
      emit: (event, ...args) => { (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args); },
      changed: () => this.changed(),
      setPhase: (phase, detail, force) => this.setPhase(phase, detail, force),
      persist: () => this.persist(),
      serial: (fn) => this.serial(fn),
      isLive: () => this.isLive(),
      failSession: (reason, kind) => this.failSession(reason, kind),
    };
    this.lease = new StoreLease(deps.store, () => this.record, this.timings, this.log);
    this.offers = new OfferHandler(this.ctx);
    this.tasks = new TaskTracker(this.ctx);
    this.reconciler = new TaskReconciler(this.ctx);
    this.registration = new TaskManagerRegistration(this.ctx);
    this.recovery = new JobManagerRecovery(this.ctx);
    this.maintenance = new AgentMaintenance(this.ctx);
  }
  /** A new session from validated options; refuses when the store already holds a live session of that name. */
  static async create(validated: ValidatedSessionOptions, deps: FlinkSessionDeps): Promise<FlinkSession> {
    const { options } = validated;
    sslPassword(options.flinkSsl, deps.flinkSslPassword); // missing: fail before anything registers with Mesos
    if (options.ha) {
      // Before anything registers with Mesos: a quorum that does not answer fails the start, with nothing left behind.
      const ms = deps.timings?.zookeeperProbeMs ?? DEFAULT_ZOOKEEPER_PROBE_MS;
      const problem = await probeZooKeeper(options.ha.quorum, ms);
      if (problem) {
        throw new SessionError(`High availability needs ZooKeeper, but ${problem}.`,
          `Start ZooKeeper at ${options.ha.quorum} (or fix --ha zk://HOST:PORT/PATH), or start the session without --ha; nothing was started.`, 'unreachable');
      }
    }
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
      progress: this.registration.progress(), diagnosis: this.offers.diagnosis, replacementBlocked: this.tasks.replacementBlocked, options: r.options,
      reconciled: this.connection === 'subscribed' && this.subscribedHandled && this.reconciler.settled,
      declinedOffers: this.offers.declinedOffers(),
      offersNow: this.offers.needsMore() && !END_PHASES.has(r.phase) ? this.offers.offersNow() : [],
      failureKind: this.failureKind,
      highAvailability: r.options.ha !== undefined, jobManagerGeneration: r.jobManagerGeneration ?? 1,
      highAvailabilityProblem: this.recovery.zookeeperProblem,
      agentsUnderMaintenance: this.maintenance.list(), maintenanceProblem: this.maintenance.problem(),
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
    this.lease.checkFree(current);
    if (current) this.record = current;
    // Kept for a detach before any subscription (the master unreachable): the saved phase must not change.
    this.phaseBeforeAttach = current?.phase;
    if (current?.phase === 'stopping') this.record.stopPending ??= current.updatedAt;
    this.lease.claim();
    if (this.attaching) {
      this.tasks.forgetFailures();
      this.registration.registered = new Set();
    }
    this.setPhase(this.attaching ? this.resumePhase() : 'subscribing', {}, true);
    await this.persist();

    const options = this.record.options;
    const frameworkInfo: FrameworkInfo = {
      user: options.user, name: options.frameworkName, failover_timeout: options.failoverTimeoutSeconds, checkpoint: true,
      capabilities: frameworkCapabilities(options),
      roles: options.roles ?? [options.role ?? '*'],
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
    scheduler.on('offers', (offers) => this.serial(() => this.offers.onOffers(offers)));
    scheduler.on('rescind', (id) => this.log.debug(`session: offer ${id} rescinded`));
    scheduler.on('inverseOffers', (list) => this.serial(() => this.maintenance.onInverseOffers(list)));
    scheduler.on('rescindInverseOffer', (id) => this.maintenance.onRescind(id));
    scheduler.on('update', (status) => this.serial(() => this.tasks.onUpdate(status)));
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

  private resumePhase(): SessionPhase {
    const jm = this.record.tasks.find((t) => t.kind === 'jobmanager');
    // A recovery the last client began (HA): this one finishes it.
    if (this.record.options.ha && this.record.lostJobManagerAgent !== undefined) return 'recoveringJobManager';
    if (!jm) return 'launchingJobManager';
    if (!this.record.jobManagerUrl || jm.state !== 'TASK_RUNNING') return 'launchingJobManager';
    // Running again only once Flink lists every TaskManager (as after a start): some may have ended while no client followed.
    return 'taskManagers';
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
    this.offers.suppressed = false;
    if (this.record.phase === 'subscribing') this.setPhase('launchingJobManager', {});
    await this.persist();
    this.log.info(`session ${this.record.name}: subscribed as framework ${s.frameworkId} at ${s.leaderUrl}${first ? '' : ' again'}`);
    this.reconciler.start();
    // A session taken over (or re-subscribed) may have been suppressed by its previous stream: ask again if work is pending.
    if (!first || this.attaching) {
      if (this.offers.needsMore()) this.offers.wantOffers();
      else if (this.record.wantedTaskManagers !== null) { this.offers.suppressed = true; void this.scheduler?.suppress(this.offers.roles()).catch(() => undefined); }
    }
    if (this.record.jobManagerUrl) this.registration.schedulePoll(0);
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

  private async tick(): Promise<void> {
    if (!this.isLive()) return;
    const now = Date.now();
    this.lease.beat(now);
    if (this.connection !== 'subscribed') return;
    await this.reconciler.tick(now);
    this.tasks.replaceUnreachable(now);
    await this.offers.checkFitTimeout(now);
    this.recovery.tick(now);
    await this.maintenance.progress(now);
  }

  private isLive(): boolean {
    const phase: SessionPhase = this.record.phase;
    return !END_PHASES.has(phase) && phase !== 'stopping';
  }

  private async failSession(reason: string, kind?: string): Promise<void> {
    if (kind) this.failureKind = kind;
    this.setPhase('failed', { reason });
    this.record.reason = reason;
    const result = await this.teardownAndVerify();
    const left = result.leftTasks.length > 0 ? ` ${result.leftTasks.length} task(s) were still listed by the master: ${result.leftTasks.join(', ')}.` : '';
    await this.finish('failed', reason + left, true);
  }

  // ---- scale, stop, detach ----

  /** Sets the number of TaskManagers. Scaling down kills TaskManagers with no busy slots first (Flink's /taskmanagers). */
  scale(count: number): Promise<{ killed: string[] }> {
    return this.tasks.scale(count);
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

  private teardownAndVerify(): Promise<StopResult> {
    this.clearTimers();
    return teardownAndVerify(this.ctx, this.operator, () => this.frameworkRemoved);
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
    this.reconciler.stop();
    this.registration.stopPolling();
    if (this.startFailTimer) clearTimeout(this.startFailTimer);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.startFailTimer = this.tickTimer = undefined;
  }

  /** Ends this object's life: phase, saved state (cleared unless detached), resources. */
  private finish(phase: 'stopped' | 'failed' | 'detached', reason: string | undefined, clearStore: boolean): Promise<void> {
    this.clearTimers();
    this.record.reason = reason;
    // From here on nothing is saved: a detached session's record belongs to the next (or the other) client.
    this.record.phase = phase;
    // The delete queues behind any save in flight, and no save starts after it (the phase has ended): the record stays gone.
    const name = this.record.name;
    const after = clearStore ? this.lease.clear(name) : this.lease.written();
    const settled = after.then(() => this.settle(phase, reason));
    void this.scheduler?.close().catch(() => undefined);
    this.registration.close();
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

  private persist(): Promise<void> {
    return this.lease.persist();
  }
}

/** The TaskManager number part of a task id of this session (for views). */
export function taskManagerIndex(session: string, taskId: string): number | undefined {
  return taskManagerNumber(session, taskId);
}
