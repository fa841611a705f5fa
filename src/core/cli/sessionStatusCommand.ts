// flink-mesos session status [--name NAME] [--watch]: saved sessions, read-only. Asks the master whether it still knows each
// undriven session's framework (noting a gone one in the store) and Flink how many TaskManagers it sees; --watch follows one.
import { ExitCode, type CliIo } from './cliIo';
import { describePresence, frameworkPresence, notePresence, type FrameworkPresence } from '../session/frameworkPresence';
import { SessionError } from '../session/sessionErrors';
import { SessionWatcher, type FlinkOverviewView, type WatchedSession } from '../session/sessionWatcher';
import { FileSessionStore, ownerIsAlive, type SessionRecord } from '../session/SessionStore';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import { UsageError, credentials, ensureNoExtra, leaseStaleMs, type CommonArgs } from './sessionCliCommon';
import { jobManagerRestTls } from '../session/flinkSsl';

interface StatusDoc extends Record<string, unknown> { name: string; phase: string }

export async function statusCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const watch = common.rest.includes('--watch');
  const intervalAt = common.rest.indexOf('--interval');
  const intervalText = intervalAt >= 0 ? common.rest[intervalAt + 1] : undefined;
  ensureNoExtra(common, ['--watch', ...(intervalText !== undefined ? ['--interval', intervalText] : [])]);
  const intervalMs = intervalText === undefined ? 2000 : Number(intervalText) * 1000;
  if (!Number.isFinite(intervalMs) || intervalMs < 200) throw new UsageError('--interval needs seconds, at least 0.2.');
  const store = new FileSessionStore(common.storeDir);
  const named = common.rest.includes('--name');
  if (watch) return watchCommand(common, io, store, intervalMs);
  const records = named ? [await store.load(common.name)].filter((r): r is SessionRecord => r !== undefined) : await store.list();
  if (named && records.length === 0) throw new SessionError(`No session named "${common.name}" is saved in ${common.storeDir}.`, 'Start one with "flink-mesos session start".', 'notFound');
  const creds = credentials(common, io, common.principal);
  const out: StatusDoc[] = [];
  for (let r of records) {
    const driven = !!r.owner && ownerIsAlive(r.owner, '', Date.now(), leaseStaleMs(io));
    let presence: FrameworkPresence | undefined;
    // A driven session's master is the driver's business; the others are asked, so a gone one says so.
    if (r.frameworkId && !driven) {
      presence = await frameworkPresence(r, r.frameworkId, { credentials: creds, tls: common.tls, timeoutMs: 3000 });
      r = await notePresence(store, r, presence, r.frameworkId).catch(() => r);
    }
    const flink = r.jobManagerUrl && !r.gone ? await flinkOverview(r.jobManagerUrl, r) : { reachable: false };
    out.push(statusDoc(r, driven, presence, flink));
  }
  if (common.json) {
    io.out(`${JSON.stringify(named ? out[0] : out)}\n`);
    return ExitCode.ok;
  }
  if (out.length === 0) io.out(`No saved session in ${common.storeDir}.\n`);
  for (const s of out) io.out(statusText(s));
  return ExitCode.ok;
}

function statusDoc(r: SessionRecord, driven: boolean, presence: FrameworkPresence | undefined, flink: FlinkOverviewView): StatusDoc {
  const owner = r.owner ? { pid: r.owner.pid, host: r.owner.host, seenSecondsAgo: Math.round((Date.now() - r.owner.heartbeatAt) / 1000), alive: driven } : undefined;
  const master = presence
    ? { reachable: presence.kind !== 'unreachable', framework: presence.kind, ...(presence.kind === 'registered' ? { connected: presence.connected, liveTasks: presence.tasks.length } : {}),
      ...(presence.kind === 'unreachable' ? { error: presence.reason } : {}) }
    : undefined;
  return {
    name: r.name, phase: r.phase, ...(r.gone ? { gone: r.gone } : {}), ...(r.stopPending ? { stopPending: true, stopAskedAt: r.stopPending } : {}),
    frameworkId: r.frameworkId, masters: r.masters, leaderUrl: r.leaderUrl, jobManagerUrl: r.jobManagerUrl,
    user: r.options.user, wantedTaskManagers: r.wantedTaskManagers, tasks: r.tasks.map((t) => ({ taskId: t.taskId, kind: t.kind, state: t.state, hostname: t.hostname })), owner, master, flink,
  };
}

function statusText(s: StatusDoc): string {
  const f = s.flink as FlinkOverviewView;
  const tasks = s.tasks as { kind: string }[];
  const owner = s.owner as { pid: number; host: string; alive: boolean } | undefined;
  const gone = s.gone as { reason: string } | undefined;
  const master = s.master as { framework: string; error?: string } | undefined;
  const lines = [`${s.name}: ${gone ? 'gone' : s.phase}${s.stopPending ? ' (stop pending: no master answered the stop; stop or attach again to complete it)' : ''}, ` +
    `framework ${(s.frameworkId as string | undefined) ?? '-'}, JobManager ${(s.jobManagerUrl as string | undefined) ?? '-'}, tasks run as user ${s.user as string}`];
  if (gone) {
    lines.push(`  gone: ${gone.reason}. Free the name with "flink-mesos session forget ${s.name}".`);
  } else {
    lines.push(`  TaskManagers: ${tasks.filter((t) => t.kind === 'taskmanager').length} of ${(s.wantedTaskManagers as number | null) ?? 'greedy'} on Mesos; ` +
      `${f.reachable ? `Flink sees ${f.taskManagers} with ${f.slotsAvailable}/${f.slotsTotal} slots free` : 'Flink does not answer'}`);
    if (master?.framework === 'unreachable') lines.push(`  Mesos: no master answered (${master.error ?? ''}); if the cluster is gone for good, "flink-mesos session forget ${s.name}" frees the name`);
  }
  lines.push(owner?.alive ? `  driven by pid ${owner.pid} on ${owner.host}: "flink-mesos session scale|stop --name ${s.name}" send it the request`
    : '  no client attached (attach to replace failed TaskManagers)');
  return `${lines.join('\n')}\n`;
}

async function flinkOverview(url: string, r: SessionRecord): Promise<FlinkOverviewView> {
  let client: FlinkRestClient | undefined;
  try {
    client = new FlinkRestClient(url, { timeoutMs: 3000, retries: 0, tls: jobManagerRestTls(r.options.flinkSsl) });
    const o = await client.overview();
    return { reachable: true, taskManagers: o.taskmanagers, slotsTotal: o['slots-total'], slotsAvailable: o['slots-available'], version: o['flink-version'] };
  } catch (e) {
    return { reachable: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Prints one line (one JSON document with --json) per change until the session's record goes or Ctrl-C. */
async function watchCommand(common: CommonArgs, io: CliIo, store: FileSessionStore, intervalMs: number): Promise<number> {
  if (!(await store.load(common.name))) throw new SessionError(`No session named "${common.name}" is saved in ${common.storeDir}.`, 'Start one with "flink-mesos session start".', 'notFound');
  const watcher = new SessionWatcher(store, common.name, { credentials: credentials(common, io, common.principal), tls: common.tls, intervalMs, timeoutMs: 3000, leaseStaleMs: leaseStaleMs(io) });
  const print = (w: WatchedSession): void => {
    if (common.json) { io.out(`${JSON.stringify(watchDoc(w))}\n`); return; }
    io.out(`${new Date(w.at).toISOString()} ${watchLine(w)}\n`);
  };
  watcher.on('changed', print);
  let endWatch = (): void => undefined;
  const ended = new Promise<void>((resolve) => { endWatch = resolve; });
  watcher.once('ended', endWatch);
  const removeInterrupt = io.onInterrupt(endWatch);
  if (!common.json) io.err(`Following session ${common.name} read-only (every ${intervalMs / 1000} s; Ctrl-C ends following, the session keeps running).\n`);
  try {
    await watcher.start();
    await ended;
  } finally {
    removeInterrupt();
    watcher.stop();
  }
  return ExitCode.ok;
}

function watchDoc(w: WatchedSession): Record<string, unknown> {
  const r = w.record;
  return {
    at: w.at, name: w.name, ended: !r, phase: r?.phase, gone: r?.gone, stopPending: r?.stopPending ? true : undefined, driven: w.driven,
    frameworkId: r?.frameworkId, master: w.presence?.kind, masterTasks: w.presence?.kind === 'registered' ? w.presence.tasks : undefined, flink: w.flink,
  };
}

function watchLine(w: WatchedSession): string {
  const r = w.record;
  if (!r) return `${w.name}: its saved record is gone (stopped or forgotten); nothing more to follow.`;
  const p = w.presence;
  const mesos = !p ? 'not registered with Mesos yet'
    : p.kind === 'registered' ? `${p.tasks.filter((t) => t.state === 'TASK_RUNNING').length} of ${p.tasks.length} task(s) running on Mesos`
      : describePresence(p, r.frameworkId ?? '');
  const flink = w.flink.reachable ? `Flink sees ${w.flink.taskManagers} TaskManager(s), ${w.flink.slotsAvailable}/${w.flink.slotsTotal} slots free` : 'Flink does not answer';
  return `${w.name}: ${r.gone ? 'gone' : r.phase}${r.stopPending ? ' (stop pending)' : ''}; ${mesos}; ${flink}; ${w.driven ? `driven by pid ${r.owner?.pid} on ${r.owner?.host}` : 'no client drives it'}`;
}
