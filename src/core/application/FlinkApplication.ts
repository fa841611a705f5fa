// One application cluster: a FlinkSession whose JobManager runs the jar (applicationSpec.ts), followed to the job's end.
// When the job reaches a terminal state the framework is torn down and the final result kept (ApplicationResultStore);
// the artifact server of a local jar lives exactly as long as the cluster does.
import { EventEmitter } from 'node:events';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { summarizeFlinkErrors } from '../flink/FlinkRestError';
import { AgentFiles, sandboxPath } from '../mesos/AgentFiles';
import type { TaskRecord } from '../session/SessionStore';
import { JobWatcher, type JobResult } from '../flink/JobWatcher';
import { isTerminalJobState, type JobState } from '../flink/flinkRestTypes';
import { FlinkSession, SessionError, type FlinkSessionDeps, type SessionSnapshot, type StopResult } from '../session/FlinkSession';
import type { ValidatedSessionOptions } from '../session/SessionOptions';
import { ArtifactServer, parseArtifactUri } from './ArtifactServer';
import type { ApplicationOutcome, ApplicationResult, ApplicationResultStore } from './ApplicationResultStore';
import type { ArtifactServerSettings } from './applicationInput';
import type { ApplicationSpec } from './applicationSpec';
import { jobManagerRestTls } from '../session/flinkSsl';

export interface ApplicationDeps extends FlinkSessionDeps {
  results: ApplicationResultStore;
  /** The artifact server's settings, for a reattach that has to serve a local jar again. */
  artifactServer?: ArtifactServerSettings;
  /** Polls of Flink's REST API while the job runs. Default 500 ms. */
  jobPollMs?: number;
  /** How long a job that FINISHED with no stop of ours keeps its cluster before the teardown. Default 1000 ms. */
  finishedGraceMs?: number;
}

export interface ApplicationJob { id: string; name: string; state: JobState }

export interface ApplicationSnapshot {
  session: SessionSnapshot;
  application: ApplicationSpec;
  job?: ApplicationJob;
  /** Set once the application ended. */
  result?: ApplicationResult;
  artifactServerUri?: string;
}

export type FlinkApplicationEvents = {
  job: [ApplicationJob];
  warning: [string];
  ended: [ApplicationResult];
};

const END = new Set(['stopped', 'failed', 'detached']);

function outcomeOf(state: string, savepoint: string | undefined): ApplicationOutcome {
  if (state === 'FINISHED') return savepoint ? 'stopped' : 'succeeded';
  if (state === 'CANCELED') return 'canceled';
  return 'failed';
}

export class FlinkApplication extends EventEmitter<FlinkApplicationEvents> {
  private job?: ApplicationJob;
  private watcher?: JobWatcher;
  private client?: FlinkRestClient;
  private following = false;
  private result?: ApplicationResult;
  private ending?: Promise<ApplicationResult>;
  private endedResolve?: (r: ApplicationResult) => void;
  private readonly ended: Promise<ApplicationResult>;
  private jobResult?: Promise<JobResult | undefined>;
  private stopSavepoint?: string;
  /** A stop-with-savepoint being waited for: the job's end must not tear the cluster (and the client) down under it. */
  private savepointStop?: Promise<void>;
  private userStop = false;
  private readonly startedAt = Date.now();
  /** The JobManager's task as last seen (its record goes once it ended): where its sandbox log is. */
  private jobManagerTask?: TaskRecord;

  private constructor(readonly session: FlinkSession, private readonly deps: ApplicationDeps, private artifact: ArtifactServer | undefined) {
    super();
    this.ended = new Promise((resolve) => { this.endedResolve = resolve; });
  }

  /** A new application cluster from session options that carry an ApplicationSpec; the artifact server (if any) already runs. */
  static async create(validated: ValidatedSessionOptions, deps: ApplicationDeps, artifact?: ArtifactServer): Promise<FlinkApplication> {
    if (!validated.options.application) throw new Error('FlinkApplication.create needs options.application');
    try {
      const session = await FlinkSession.create(validated, deps);
      await deps.results.delete(validated.options.name);
      return new FlinkApplication(session, deps, artifact);
    } catch (e) {
      await artifact?.stop();
      throw e;
    }
  }

  /** Takes a saved application over again (after a reload or a CLI restart); a local jar is served again at its saved address. */
  static async attach(name: string, deps: ApplicationDeps): Promise<FlinkApplication> {
    const session = await FlinkSession.attach(name, deps);
    const spec = session.snapshot().options.application;
    if (!spec) {
      throw new SessionError(`"${name}" is a Flink session, not an application.`, `Attach to it with "flink-mesos session attach --name ${name}".`, 'notFound');
    }
    const app = new FlinkApplication(session, deps, undefined);
    if (spec.jar.kind === 'local') {
      const saved = parseArtifactUri(spec.fetchUri);
      if (saved) {
        const server = new ArtifactServer(spec.jar.path, { ...deps.artifactServer, host: saved.host, port: saved.port, token: saved.token,
          advertisedHost: deps.artifactServer?.advertisedHost });
        try {
          await server.start();
          app.artifact = server;
        } catch (e) {
          app.pendingWarning = `The artifact server could not listen again on ${saved.host}:${saved.port} (${e instanceof Error ? e.message : String(e)}): ` +
            'the running tasks have the jar, but a replacement TaskManager could not fetch it.';
        }
      }
    }
    return app;
  }

  private pendingWarning?: string;

  get name(): string { return this.session.name; }
  get spec(): ApplicationSpec { return this.session.snapshot().options.application as ApplicationSpec; }

  snapshot(): ApplicationSnapshot {
    const session = this.session.snapshot();
    return { session, application: session.options.application as ApplicationSpec, job: this.job ? { ...this.job } : undefined, result: this.result,
      artifactServerUri: this.artifact?.listening ? this.artifact.uri : undefined };
  }

  /** Starts (or, after attach, takes over) the cluster and follows its job. */
  async start(): Promise<void> {
    this.session.on('changed', (s) => this.maybeFollow(s));
    this.session.on('task', (t) => { if (t.kind === 'jobmanager') this.jobManagerTask = t; });
    void this.session.whenEnded().then(() => this.onSessionEnded());
    try {
      await this.session.start();
    } catch (e) {
      await this.artifact?.stop();
      throw e;
    }
    if (this.pendingWarning) this.emit('warning', this.pendingWarning);
    this.maybeFollow(this.session.snapshot());
  }

  /** Resolves with the final result once the cluster is gone (or, after detach, with none: see detach). */
  whenEnded(): Promise<ApplicationResult> {
    return this.ended;
  }

  /**
   * Stops the application. With a savepoint folder: Flink's stop-with-savepoint, the job ends FINISHED, and the
   * cluster is torn down as after any end; resolves with the savepoint's path. Without: the framework is torn down.
   */
  async stop(options: { savepointDir?: string; drain?: boolean; timeoutMs?: number } = {}): Promise<ApplicationResult> {
    if (options.savepointDir !== undefined) {
      const job = this.job;
      if (!job || !this.client || isTerminalJobState(job.state)) {
        throw new SessionError(`Application ${this.name} has no running job to stop with a savepoint${job ? ` (its job is ${job.state})` : ''}.`,
          'Stop it without --savepoint, or wait until its job runs.');
      }
      // An empty folder means the cluster's state.savepoints.dir.
      const taking = this.client.stopWithSavepoint(job.id, { targetDirectory: options.savepointDir || undefined, drain: options.drain },
        { timeoutMs: options.timeoutMs ?? 120000 });
      // The job's FINISHED is often seen before the savepoint's COMPLETED: its end waits for the savepoint's path.
      this.savepointStop = taking.then(() => undefined, () => undefined);
      this.stopSavepoint = await taking;
      return this.ended;
    }
    this.userStop = true;
    await this.session.stop();
    return this.ended;
  }

  /** Leaves the cluster running on Mesos (a reload, a CLI that exits); the artifact server stops with this process. */
  async detach(): Promise<void> {
    this.watcher?.stop();
    await this.session.detach();
    await this.artifact?.stop();
    await this.client?.close().catch(() => undefined);
  }

  // ---- following the job ----

  private maybeFollow(s: SessionSnapshot): void {
    if (this.following || !s.jobManagerUrl || END.has(s.phase) || s.phase === 'stopping') return;
    this.following = true;
    this.client = new FlinkRestClient(s.jobManagerUrl, { timeoutMs: 5000, retries: 0, tls: jobManagerRestTls(s.options.flinkSsl) });
    this.jobResult = this.follow(this.client);
  }

  private async follow(client: FlinkRestClient): Promise<JobResult | undefined> {
    const poll = this.deps.jobPollMs ?? 500;
    // The entry point submits the job once its main method runs: until then Flink lists none.
    while (!this.job) {
      if (this.ending || END.has(this.session.phase)) return undefined;
      const jobs = await client.jobsOverview().catch(() => []);
      const newest = [...jobs].sort((a, b) => b['start-time'] - a['start-time'])[0];
      if (newest) {
        this.job = { id: newest.jid, name: newest.name, state: newest.state };
        this.emit('job', { ...this.job });
        break;
      }
      await new Promise((r) => setTimeout(r, poll));
    }
    const job = this.job;
    const watcher = new JobWatcher(client, job.id, { minIntervalMs: Math.min(250, poll), maxIntervalMs: Math.max(poll, 1000), maxConsecutiveErrors: 20 });
    this.watcher = watcher;
    watcher.on('state', (state) => { job.state = state; this.emit('job', { ...job }); });
    let result: JobResult;
    try {
      result = await watcher.result();
    } catch {
      // The JobManager went away (Flink 1.13 exits once its job ended; a failure): the session's end says why.
      return undefined;
    }
    await this.savepointStop;
    job.state = result.state;
    this.emit('job', { ...job });
    // A stop-with-savepoint asked from another process (flink-mesos application stop --savepoint) polls its trigger
    // every 500 ms: the JobManager answers it a moment more before the teardown (shorter than onSessionEnded's wait).
    if (result.state === 'FINISHED' && !this.stopSavepoint && !END.has(this.session.phase)) {
      await new Promise((r) => setTimeout(r, this.deps.finishedGraceMs ?? 1000));
    }
    void this.finish({
      outcome: outcomeOf(result.state, this.stopSavepoint), jobState: result.state, jobId: result.jobId, jobName: result.name,
      rootException: result.state === 'FINISHED' ? undefined : result.rootException,
      reason: result.state === 'FINISHED' ? (this.stopSavepoint ? `Stopped with a savepoint at ${this.stopSavepoint}.` : 'The job finished.')
        : `The job ${result.state}${result.rootException ? `: ${result.rootException.rootCause ?? result.rootException.message}` : '.'}`,
    });
    return result;
  }

  private async onSessionEnded(): Promise<void> {
    const s = this.session.snapshot();
    if (s.phase === 'detached') {
      this.watcher?.stop();
      await this.artifact?.stop();
      return;
    }
    if (this.ending) return;
    // A job result that is being read wins over the cluster's end (the JobManager of 1.13 exits right after its job).
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([this.jobResult ?? Promise.resolve(undefined), new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), 2000); })])
      .finally(() => clearTimeout(timer));
    if (this.ending || late) return;
    await this.savepointStop;
    if (this.ending) return;
    this.watcher?.stop();
    const reason = s.reason ?? (s.phase === 'stopped' ? 'Stopped.' : undefined);
    const known = this.job && isTerminalJobState(this.job.state) ? this.job.state : undefined;
    // Flink before 1.15 cannot keep its JobManager up after the job: it exits 0 once the job finished.
    const exitedAfterSuccess = !known && s.phase === 'failed' && /The JobManager task ended: TASK_FINISHED/.test(s.reason ?? '') && this.job !== undefined;
    // Flink before 1.15 exits 1443 (163 to the shell) once its job failed: the cause is in the JobManager's log.
    const exitedAfterFailure = !known && s.phase === 'failed' && /The JobManager task ended: TASK_FAILED \(Command exited with status 163\)/.test(s.reason ?? '') && this.job !== undefined;
    const rootCause = exitedAfterFailure ? await this.causeFromJobManagerLog() : undefined;
    const outcome: ApplicationOutcome = known ? outcomeOf(known, this.stopSavepoint)
      : exitedAfterSuccess ? outcomeOf('FINISHED', this.stopSavepoint) : this.userStop || s.phase === 'stopped' ? 'stopped' : 'failed';
    await this.finish({
      outcome, jobState: known ?? (exitedAfterSuccess ? 'FINISHED' : exitedAfterFailure ? 'FAILED' : this.job?.state), jobId: this.job?.id, jobName: this.job?.name,
      rootException: rootCause ? { message: rootCause, rootCause, stacktrace: '' } : undefined,
      // A stop with a savepoint ends the job FINISHED too: on Flink before 1.15 the JobManager then exits with 0 as well.
      reason: exitedAfterSuccess ? `${this.stopSavepoint ? `Stopped with a savepoint at ${this.stopSavepoint}` : 'The job finished'} (the JobManager exited with status 0 after it, as Flink before 1.15 does).`
        : exitedAfterFailure ? `The job FAILED${rootCause ? `: ${rootCause}` : ''} (the JobManager exited with Flink's status 1443 after it, as Flink before 1.15 does).`
          : this.userStop ? 'Stopped by the user: the framework was torn down.' : reason,
    });
  }

  /** The innermost cause of the last job failure the JobManager logged to its sandbox stdout (errors read as none). */
  private async causeFromJobManagerLog(): Promise<string | undefined> {
    const t = this.jobManagerTask;
    const frameworkId = this.session.frameworkId;
    if (!t?.agentUrl || !frameworkId) return undefined;
    const files = new AgentFiles({ credentials: this.deps.credentials, tls: this.deps.tls, timeoutMs: 3000, connectTimeoutMs: 3000 });
    try {
      const p = sandboxPath(frameworkId, t.taskId, 'stdout');
      const size = await files.size(t.agentUrl, p);
      const text = (await files.read(t.agentUrl, p, Math.max(0, size - 256 * 1024))).data;
      const at = text.lastIndexOf('Recovery is suppressed');
      if (at < 0) return undefined;
      // The job's own cause: the last "Caused by:" after it that is not one of Flink's exceptions (seen on 1.13.6).
      const causes = text.slice(at).split('\n').filter((l) => /^\s*Caused by:/.test(l) && !/Caused by:\s*org\.apache\.flink\./.test(l));
      const last = causes[causes.length - 1];
      return last ? summarizeFlinkErrors([`x\n${last}`]).rootCause : undefined;
    } catch {
      return undefined;
    } finally {
      await files.close();
    }
  }

  private finish(partial: Omit<ApplicationResult, 'version' | 'name' | 'jar' | 'entryClass' | 'frameworkId' | 'startedAt' | 'endedAt' | 'leftTasks'>): Promise<ApplicationResult> {
    if (this.ending) return this.ending;
    this.ending = (async () => {
      const spec = this.spec;
      const s = this.session.snapshot();
      const result: ApplicationResult = {
        version: 1, name: this.name, ...partial, savepoint: partial.savepoint ?? this.stopSavepoint,
        jar: spec.jar.kind === 'local' ? spec.jar.path : spec.jar.uri, entryClass: spec.entryClass, frameworkId: s.frameworkId,
        startedAt: this.startedAt, endedAt: Date.now(), leftTasks: [],
      };
      for (const k of Object.keys(result) as (keyof ApplicationResult)[]) if (result[k] === undefined) delete result[k];
      // Saved before the teardown: the result outlives a crash in the middle of it.
      await this.deps.results.save(result).catch(() => undefined);
      if (!END.has(this.session.phase)) {
        const stop: StopResult = await this.session.stop();
        result.leftTasks = stop.leftTasks;
        if (stop.leftTasks.length > 0) result.reason = `${result.reason ?? ''} ${this.session.snapshot().reason ?? ''}`.trim();
      } else {
        await this.session.whenEnded();
      }
      result.endedAt = Date.now();
      this.watcher?.stop();
      await this.artifact?.stop();
      await this.client?.close().catch(() => undefined);
      await this.deps.results.save(result).catch(() => undefined);
      this.result = result;
      this.emit('ended', result);
      this.endedResolve?.(result);
      return result;
    })();
    return this.ending;
  }
}
