// Offer handling: each offer round goes through the placement (launchPlan.ts) into one ACCEPT per agent and the declines;
// SUPPRESS once nothing is missing, REVIVE when work appears; the "does not fit" diagnosis and the fit timeout.
import type { Offer } from '../mesos/types';
import { sessionFlinkConfiguration } from './SessionOptions';
import { planOffers } from './launchPlan';
import { jobManagerTaskId } from './flinkTasks';
import { highAvailabilityClusterId, highAvailabilityConfiguration } from './highAvailability';
import type { SessionTaskSpec } from './flinkTasks';
import { jobManagerScheme, missingSslPassword, sslConfiguration, sslPassword } from './flinkSsl';
import {
  DECLINED_OFFERS_KEPT, OfferDiagnosis, fitTimeoutReached, type AgentOfferNow, type DeclinedOffer, type PartialFit, type PartialFitChoice, type StillMissing,
} from './offerDiagnosis';
import { END_PHASES, type SessionContext } from './sessionContext';

export class OfferHandler {
  private readonly offers: OfferDiagnosis;
  /** Why the offers do not fit what is still missing. */
  diagnosis?: string;
  /** SUPPRESS was sent on this subscription (offers start over after each one). */
  suppressed = false;
  /** The partial-fit question was asked (once per start). */
  private partialFitAsked = false;

  constructor(private readonly ctx: SessionContext) {
    this.offers = new OfferDiagnosis(() => ctx.record.options);
  }

  async onOffers(offers: Offer[]): Promise<void> {
    const ctx = this.ctx;
    const scheduler = ctx.scheduler;
    if (!scheduler) return;
    const record = ctx.record;
    if (END_PHASES.has(record.phase) || record.phase === 'stopping' || record.phase === 'subscribing') {
      await scheduler.decline(offers.map((o) => o.id.value), { refuse_seconds: 5 }).catch(() => undefined);
      return;
    }
    // An agent wanted back that is offered without unavailability again: its window was cancelled (or its drain ended).
    await ctx.maintenance.noteOffers(offers);
    const jm = record.tasks.find((t) => t.kind === 'jobmanager');
    if (!jm) {
      // A recovery's first rounds may carry only the lost JobManager's agent (its resources come back first): hold it
      // back briefly so the other agents' offers can arrive and the new JobManager lands elsewhere.
      const held = ctx.recovery.holdBack(offers, Date.now());
      if (held.length > 0) {
        await scheduler.decline(held.map((o) => o.id.value), { refuse_seconds: 1 }).catch(() => undefined);
        offers = offers.filter((o) => !held.includes(o));
        if (offers.length === 0) return;
      }
    }
    const options = record.options;
    // An attach without the TLS password (a stop, a scale down) needs none; a launch does: nothing starts without it.
    const noPassword = missingSslPassword(options.flinkSsl, ctx.deps.flinkSslPassword);
    if (noPassword) {
      await scheduler.decline(offers.map((o) => o.id.value), { refuse_seconds: 5 }).catch(() => undefined);
      this.setDiagnosis(noPassword);
      return;
    }
    const spec = this.taskSpec();
    const toPlace = ctx.tasks.toPlace();
    const plan = planOffers(ctx.recovery.orderOffers(offers), {
      needJobManager: !jm,
      jobManagerTaskId: jm ? undefined : ctx.recovery.taskId(jobManagerTaskId(record.name)),
      jobManager: jm ? { hostname: jm.hostname, rpcPort: jm.ports.rpc } : undefined,
      taskManagersToPlace: toPlace,
      nextTaskManagerNumber: record.nextTaskManagerNumber,
      describeDeclined: record.phase === 'running' && !this.needsMore() ? 0 : DECLINED_OFFERS_KEPT,
      recentPorts: ctx.tasks.recentPorts.byAgent(),
    }, spec);
    const now = Date.now();
    const planned = [...(plan.jobManager ? [plan.jobManager] : []), ...plan.taskManagers];
    for (const p of planned) {
      record.tasks.push({ taskId: p.taskId, kind: p.kind, agentId: p.agentId, hostname: p.hostname, agentUrl: p.agentUrl, ports: p.ports, state: 'TASK_STAGING', launchedAt: now, updatedAt: now });
    }
    record.nextTaskManagerNumber = plan.nextTaskManagerNumber;
    if (plan.jobManager) {
      record.jobManagerUrl = `${jobManagerScheme(options.flinkSsl)}://${plan.jobManager.hostname}:${plan.jobManager.ports.rest}`;
    }
    // Record the tasks before launching them: a crash in between leaves tasks the next reconciliation finds, not orphans.
    if (planned.length > 0) await ctx.persist();
    const complete = !this.needsMore();
    const filters = { refuse_seconds: options.declineRefuseSeconds };
    const calls: Promise<void>[] = [];
    for (const launch of plan.launches) {
      calls.push(scheduler.accept(launch.offerIds, [{ type: 'LAUNCH', launch: { task_infos: launch.tasks.map((t) => t.task) } }], complete ? filters : { refuse_seconds: 5 })
        .catch((err) => {
          ctx.log.warn(`session: ACCEPT on agent ${launch.agentId} failed (${err instanceof Error ? err.message : String(err)}); reconciling its tasks`);
          ctx.reconciler.askAbout(launch.tasks);
        }));
    }
    if (plan.declineOfferIds.length > 0) calls.push(scheduler.decline(plan.declineOfferIds, filters).catch(() => undefined));
    const noted = this.offers.noteRound(plan, now, record.phase !== 'running');
    await Promise.all(calls);
    if (noted && planned.length === 0) ctx.changed();
    if (planned.length > 0) {
      // A large round names the first few tasks only.
      const named = planned.slice(0, 10).map((p) => `${p.taskId} on ${p.hostname}`).join(', ');
      ctx.log.info(`session ${record.name}: launched ${named}${planned.length > 10 ? ` and ${planned.length - 10} more` : ''}`);
      ctx.registration.emitProgress();
    }
    if (!this.needsMore()) {
      this.setDiagnosis(undefined);
      if (record.wantedTaskManagers !== null) await this.suppress();
    } else if (plan.diagnosis || Number.isFinite(ctx.tasks.toPlace())) {
      // Still short after this round (placed nothing, or only part): say why from the offers as the round left them.
      this.setDiagnosis(this.offers.describe(this.stillMissing()));
    }
  }

  taskSpec(): SessionTaskSpec {
    const record = this.ctx.record;
    const conf = sessionFlinkConfiguration(record.options, record.flinkConfiguration);
    const ha = record.options.ha;
    if (ha) Object.assign(conf, highAvailabilityConfiguration(ha, highAvailabilityClusterId(record.name, record.startedAt), conf));
    const ssl = record.options.flinkSsl;
    if (!ssl) return { options: record.options, flinkConfiguration: conf };
    // Not in the stored configuration: the password variable is expanded in the task, the password itself is never stored.
    Object.assign(conf, sslConfiguration(ssl));
    return { options: record.options, flinkConfiguration: conf, sslPassword: sslPassword(ssl, this.ctx.deps.flinkSslPassword) };
  }

  stillMissing(): StillMissing {
    const record = this.ctx.record;
    return { jobManager: !record.tasks.some((t) => t.kind === 'jobmanager'), taskManagers: this.ctx.tasks.toPlace(), wanted: record.wantedTaskManagers };
  }

  needsMore(): boolean {
    if (!this.ctx.record.tasks.some((t) => t.kind === 'jobmanager')) return true;
    const n = this.ctx.tasks.toPlace();
    return n > 0;
  }

  declinedOffers(): DeclinedOffer[] {
    return this.offers.declinedOffers();
  }

  offersNow(): AgentOfferNow[] {
    return this.offers.offersNow(this.stillMissing());
  }

  setDiagnosis(text: string | undefined): void {
    if (text === this.diagnosis) return;
    this.diagnosis = text;
    if (text) {
      this.ctx.log.warn(`session ${this.ctx.record.name}: ${text}`);
      this.ctx.emit('diagnosis', text);
    }
    this.ctx.changed();
  }

  /** New work appeared (a replacement, a scale up, a relaunch): REVIVE once, never on a timer. */
  wantOffers(): void {
    this.suppressed = false;
    void this.ctx.scheduler?.revive(this.roles()).catch(() => undefined);
  }

  /** A session of several roles names them in SUPPRESS and REVIVE; one role leaves them empty (every role of the framework). */
  roles(): string[] | undefined {
    return this.ctx.record.options.roles;
  }

  /** SUPPRESS unless already sent; a refused one is sent again next time. */
  private async suppress(): Promise<void> {
    if (this.suppressed) return;
    this.suppressed = true;
    await this.ctx.scheduler?.suppress(this.roles()).catch(() => { this.suppressed = false; });
  }

  /** A cluster that can never fit: stop waiting after fitTimeoutSeconds with what is missing. */
  async checkFitTimeout(now: number): Promise<void> {
    const ctx = this.ctx;
    // Every task still missing counts: a session that only partly fits asks whether to keep it smaller or stop it.
    const fit = ctx.attaching || this.partialFitAsked ? undefined : fitTimeoutReached(ctx.record, ctx.tasks.active(), now);
    if (!fit) return;
    const seconds = ctx.record.options.fitTimeoutSeconds;
    const diagnosis = this.diagnosis ?? this.offers.describe(fit.missing);
    if (fit.nothingToKeep || fit.missing.wanted === null) {
      await ctx.failSession(`Gave up after ${seconds} s waiting for offers that fit. ${diagnosis}`);
      return;
    }
    this.partialFitAsked = true;
    const question: PartialFit = { session: ctx.record.name, wanted: fit.missing.wanted, placed: fit.placed, fitTimeoutSeconds: seconds, diagnosis };
    ctx.log.warn(`session ${ctx.record.name}: only ${fit.placed} of ${fit.missing.wanted} TaskManagers fit within ${seconds} s`);
    ctx.emit('partialFit', question);
    // Asked outside the event chain: offers and updates go on while someone decides.
    void this.decidePartialFit(question);
  }

  private async decidePartialFit(question: PartialFit): Promise<void> {
    const ctx = this.ctx;
    let choice: PartialFitChoice = 'stop';
    try {
      choice = (await ctx.deps.decidePartialFit?.(question)) ?? 'stop';
    } catch (err) {
      ctx.log.warn(`session: the partial-fit decision failed (${err instanceof Error ? err.message : String(err)}); stopping the session`);
    }
    await ctx.serial(async () => {
      // Stopped meanwhile, or everything fit after all: nothing to decide.
      if (!ctx.isLive() || !this.needsMore()) return;
      const kept = ctx.tasks.active().length;
      const seconds = question.fitTimeoutSeconds;
      if (choice !== 'keep' || kept === 0) {
        await ctx.failSession(`Gave up after ${seconds} s waiting for offers that fit: only ${kept} of ${question.wanted} TaskManagers were placed, ` +
          `and the session was stopped rather than kept smaller (its tasks were torn down). ${this.diagnosis ?? question.diagnosis}`);
        return;
      }
      ctx.record.wantedTaskManagers = kept;
      await ctx.persist();
      this.setDiagnosis(undefined);
      ctx.emit('warning', `Only ${kept} of ${question.wanted} TaskManagers fit within ${seconds} s: the session goes on with ${kept} ` +
        `(scale it when the cluster has room for more).`);
      await this.suppress();
      ctx.registration.emitProgress();
      ctx.changed();
      ctx.registration.schedulePoll(0);
    });
  }
}
