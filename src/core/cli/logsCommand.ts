// flink-mesos session logs: a JobManager's or TaskManager's Flink log (through Flink's REST API) or its Mesos sandbox
// stdout/stderr (through the agent's /files/read), from the saved session.
import { AgentFiles, sandboxPath } from '../mesos/AgentFiles';
import { ArgReader } from './argReader';
import type { Credentials, TlsOptions } from '../mesos/http';
import { FlinkRestClient } from '../flink/FlinkRestClient';
import type { SessionRecord, TaskRecord } from '../session/SessionStore';

export const LOG_CHOICES = ['flink', 'flink-stdout', 'sandbox-stdout', 'sandbox-stderr'] as const;
export type LogChoice = (typeof LOG_CHOICES)[number];

export const LOGS_USAGE = `  flink-mesos session logs [--name NAME] [--task jobmanager|TASK_ID] [--log ${LOG_CHOICES.join('|')}] [--bytes N]
      the Flink log (default) or stdout of the JobManager (default) or a TaskManager, or the Mesos sandbox stdout/stderr
      of its task; the last N bytes (default 65536). TaskManager task ids: flink-mesos session status.`;

export class LogsInputError extends Error {}

export interface LogsRequest { task: string; log: LogChoice; bytes: number }

/** Parses the logs flags out of the arguments left by the common session flags. */
export function parseLogsArgs(rest: string[]): LogsRequest {
  const out: LogsRequest = { task: 'jobmanager', log: 'flink', bytes: 64 * 1024 };
  const r = new ArgReader(rest, (flag) => new LogsInputError(`${flag} needs a value.`));
  while (r.next()) {
    const a = r.name;
    const value = (): string => r.value();
    if (a === '--task') out.task = value();
    else if (a === '--log') {
      const v = value();
      if (!(LOG_CHOICES as readonly string[]).includes(v)) throw new LogsInputError(`--log: "${v}" is not one of ${LOG_CHOICES.join(', ')}.`);
      out.log = v as LogChoice;
    } else if (a === '--bytes') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new LogsInputError('--bytes needs a whole number of bytes above 0.');
      out.bytes = n;
    } else if (a === '--name' || a === '--principal') r.value();
    else if (a !== '-v' && a !== '--verbose') throw new LogsInputError(`Unknown argument for session logs: ${r.arg}`);
  }
  return out;
}

/** The text of the chosen log. Throws LogsInputError when the task is not the session's. */
export async function readSessionLog(record: SessionRecord, req: LogsRequest, opts: { credentials?: Credentials; tls?: TlsOptions } = {}): Promise<string> {
  const task = findTask(record, req.task);
  if (req.log === 'flink' || req.log === 'flink-stdout') {
    if (!record.jobManagerUrl) throw new LogsInputError(`The session "${record.name}" has no JobManager address yet (${record.phase}); wait until it runs.`);
    const flink = new FlinkRestClient(record.jobManagerUrl, { retries: 0 });
    try {
      if (task.kind === 'jobmanager') return tail(req.log === 'flink' ? await flink.jobManagerLog(req.bytes) : await flink.jobManagerStdout(req.bytes), req.bytes);
      return tail(req.log === 'flink' ? await flink.taskManagerLog(task.taskId, req.bytes) : await flink.taskManagerStdout(task.taskId, req.bytes), req.bytes);
    } finally {
      await flink.close();
    }
  }
  if (!task.agentUrl || !record.frameworkId) throw new LogsInputError(`The agent of task ${task.taskId} is not known yet; wait until the task runs.`);
  const files = new AgentFiles(opts);
  try {
    const p = sandboxPath(record.frameworkId, task.taskId, req.log === 'sandbox-stdout' ? 'stdout' : 'stderr');
    const size = await files.size(task.agentUrl, p);
    let offset = Math.max(0, size - req.bytes);
    let out = '';
    while (offset < size) {
      const chunk = await files.read(task.agentUrl, p, offset);
      if (!chunk.data) break;
      out += chunk.data;
      offset += Buffer.byteLength(chunk.data);
    }
    return out;
  } finally {
    await files.close();
  }
}

function findTask(record: SessionRecord, name: string): TaskRecord {
  const tasks = record.tasks.filter((t) => !t.killRequested);
  const task = name === 'jobmanager' ? tasks.find((t) => t.kind === 'jobmanager') : tasks.find((t) => t.taskId === name);
  if (task) return task;
  const known = tasks.map((t) => t.taskId).join(', ') || 'none';
  throw new LogsInputError(`The session "${record.name}" has no task "${name}" (its tasks: ${known}). Pass --task jobmanager or one of those task ids.`);
}

function tail(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  return buf.length <= bytes ? text : buf.subarray(buf.length - bytes).toString();
}
