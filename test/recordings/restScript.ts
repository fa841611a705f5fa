// The script the recordings follow: every endpoint the client and the UI read, for a running, a finished, a failed and a
// cancelled job, a savepoint and a stop-with-savepoint, and the error cases. The same script runs against a real
// JobManager (recordFlink.ts) and against the stand-in (replayStandin.test.ts), so both answer the same questions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERTEX_RATE_METRICS } from '../../src/core/flink/StreamingJobReads';
import { RecordedCall, multipart, rawRequest } from './restCall';

export interface ScriptJars {
  wordCount: string;
  streaming: string;
  failing: string;
  accumulators: string;
  /** A jar without Main-Class or program-class. */
  noMain: string;
  /** A jar larger than the JobManager's rest.server.max-content-length. */
  tooLarge: string;
}

export interface ScriptTarget {
  baseUrl: string;
  jars: ScriptJars;
  /** Inputs, outputs and savepoints; on the JobManager's and TaskManager's machine. */
  workDir: string;
  /** The TaskManager's resource id (taskmanager.resource-id). */
  taskManagerId: string;
  /** How long a job may take to reach a state (real JVMs on a busy machine are slow). */
  waitMs: number;
  log?: (line: string) => void;
}

/** The metrics the TaskManager panel asks for (TaskManagerPanel's memory and CPU figures). */
export const SCRIPT_TM_METRICS = ['Status.JVM.Memory.Heap.Used', 'Status.JVM.Memory.Heap.Max', 'Status.JVM.CPU.Load'];
const UNKNOWN_JOB = '0123456789abcdef0123456789abcdef';
const UNKNOWN_JAR = '00000000-0000-0000-0000-000000000000_missing.jar';
const TERMINAL = ['FINISHED', 'FAILED', 'CANCELED'];

/** Runs the script; `calls` receives each answer as it comes, so a failed run still shows how far it got. */
export async function runRestScript(t: ScriptTarget, calls: RecordedCall[] = []): Promise<RecordedCall[]> {
  const log = t.log ?? ((): void => undefined);
  const tm = encodeURIComponent(t.taskManagerId);
  const input = path.join(t.workDir, 'input.txt');
  fs.mkdirSync(t.workDir, { recursive: true });
  fs.writeFileSync(input, 'to be or not to be\nthat is the question\n');
  const savepoints = `file://${path.join(t.workDir, 'savepoints')}`;
  let outputs = 0;
  const output = (): string => path.join(t.workDir, `out-${++outputs}`);

  const call = async (step: string, method: string, p: string, json?: unknown): Promise<RecordedCall> => {
    const body = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
    const answer = await rawRequest(t.baseUrl, method, p, body, body ? { 'content-type': 'application/json' } : {});
    const c: RecordedCall = { step, method, path: p, request: json, status: answer.status, headers: answer.headers, body: parseBody(answer.text, answer.headers) };
    log(`${step}: ${method} ${p} -> ${answer.status}`);
    calls.push(c);
    return c;
  };
  const upload = async (step: string, parts: Parameters<typeof multipart>[0], raw?: { body: Buffer; contentType: string }): Promise<RecordedCall> => {
    const form = raw ?? multipart(parts);
    let c: RecordedCall;
    try {
      const answer = await rawRequest(t.baseUrl, 'POST', '/jars/upload', form.body, { 'content-type': form.contentType });
      c = { step, method: 'POST', path: '/jars/upload', request: describeParts(parts, raw), status: answer.status, headers: answer.headers, body: parseBody(answer.text, answer.headers) };
    } catch (err) {
      // The connection went down without an answer: that is what the client then meets.
      c = { step, method: 'POST', path: '/jars/upload', request: describeParts(parts, raw), status: 0, headers: {}, body: { connectionError: (err as NodeJS.ErrnoException).code ?? (err as Error).message } };
    }
    log(`${step}: POST /jars/upload -> ${c.status}`);
    calls.push(c);
    return c;
  };
  const jarPart = (file: string): Parameters<typeof multipart>[0][number] =>
    ({ name: 'jarfile', fileName: path.basename(file), contentType: 'application/x-java-archive', data: fs.readFileSync(file) });
  const jarIdOf = (c: RecordedCall): string => {
    const f = (c.body as { filename?: string }).filename;
    if (c.status !== 200 || typeof f !== 'string') throw new Error(`${c.step}: the upload failed (${c.status} ${JSON.stringify(c.body).slice(0, 300)})`);
    return path.basename(f);
  };
  const get = async <T>(p: string): Promise<T> => JSON.parse((await rawRequest(t.baseUrl, 'GET', p)).text) as T;
  const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + t.waitMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${t.waitMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  // For what a real JobManager fills lazily (metric store, back-pressure samples): record what it has by then.
  const settle = async (check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + Math.min(t.waitMs, 30000);
    while (Date.now() < deadline && !(await check().catch(() => false))) await new Promise((r) => setTimeout(r, 500));
  };
  const waitState = (jid: string, states: string[]): Promise<void> =>
    waitFor(`job ${jid} to be ${states.join(' or ')}`, async () => states.includes((await get<{ state?: string }>(`/jobs/${jid}`)).state ?? ''));
  const waitRunning = (jid: string): Promise<void> =>
    waitFor(`all tasks of job ${jid} to run`, async () => {
      const j = await get<{ state?: string; vertices?: { status: string }[] }>(`/jobs/${jid}`);
      if (TERMINAL.includes(j.state ?? '')) throw new Error(`job ${jid} ended (${j.state}) before it ran`);
      return j.state === 'RUNNING' && (j.vertices ?? []).length > 0 && (j.vertices ?? []).every((v) => v.status === 'RUNNING');
    });
  const waitTrigger = async (step: string, jid: string, trigger: RecordedCall): Promise<void> => {
    const id = (trigger.body as { 'request-id'?: string })['request-id'];
    if (typeof id !== 'string') return;
    await waitFor(`savepoint ${id} to complete`, async () => (await get<{ status?: { id?: string } }>(`/jobs/${jid}/savepoints/${id}`)).status?.id === 'COMPLETED');
    await call(step, 'GET', `/jobs/${jid}/savepoints/${id}`);
  };
  const jobIdOf = (c: RecordedCall): string => {
    const id = (c.body as { jobid?: string }).jobid;
    if (c.status !== 200 || typeof id !== 'string') {
      const text = JSON.stringify(c.body);
      const causes = ((c.body as { errors?: string[] }).errors ?? []).join('\n').split('\n').filter((l) => /Caused by|Exception:/.test(l));
      throw new Error(`${c.step}: the run failed (${c.status} ${causes.length ? causes.join('\n') : text.slice(0, 1000)})`);
    }
    return id;
  };

  // ---- the cluster, before any job
  await waitFor('the TaskManager to register', async () => ((await get<{ taskmanagers?: number }>('/overview')).taskmanagers ?? 0) >= 1);
  await call('config', 'GET', '/config');
  await call('overview', 'GET', '/overview');
  await call('jobmanager-config', 'GET', '/jobmanager/config');
  const jmLogs = await call('jobmanager-logs', 'GET', '/jobmanager/logs');
  await call('jobmanager-log', 'GET', '/jobmanager/log');
  await call('jobmanager-stdout', 'GET', '/jobmanager/stdout');
  const jmLogName = ((jmLogs.body as { logs?: { name: string }[] }).logs ?? []).map((l) => l.name).find((n) => n.endsWith('.log'));
  if (jmLogName) await call('jobmanager-log-file', 'GET', `/jobmanager/logs/${encodeURIComponent(jmLogName)}`);
  await call('jobmanager-log-file-unknown', 'GET', '/jobmanager/logs/no-such-file.log');
  const tms = await call('taskmanagers', 'GET', '/taskmanagers');
  const ids = ((tms.body as { taskmanagers?: { id: string }[] }).taskmanagers ?? []).map((x) => x.id);
  if (!ids.includes(t.taskManagerId)) throw new Error(`the TaskManager registered as ${ids.join(', ')}, not ${t.taskManagerId}: is taskmanager.resource-id set?`);
  // The JobManager fetches metrics in the background on the first request: wait until it has them, or the answers are empty.
  await waitFor('the TaskManager metrics', async () => (await get<unknown[]>(`/taskmanagers/${tm}/metrics`)).length > 0);
  await call('taskmanager', 'GET', `/taskmanagers/${tm}`);
  await call('taskmanager-metric-names', 'GET', `/taskmanagers/${tm}/metrics`);
  await call('taskmanager-metrics', 'GET', `/taskmanagers/${tm}/metrics?get=${SCRIPT_TM_METRICS.join(',')}`);
  const tmLogs = await call('taskmanager-logs', 'GET', `/taskmanagers/${tm}/logs`);
  await call('taskmanager-log', 'GET', `/taskmanagers/${tm}/log`);
  await call('taskmanager-stdout', 'GET', `/taskmanagers/${tm}/stdout`);
  const tmLogName = ((tmLogs.body as { logs?: { name: string }[] }).logs ?? []).map((l) => l.name).find((n) => n.endsWith('.log'));
  if (tmLogName) await call('taskmanager-log-file', 'GET', `/taskmanagers/${tm}/logs/${encodeURIComponent(tmLogName)}`);
  await call('taskmanager-thread-dump', 'GET', `/taskmanagers/${tm}/thread-dump`);
  await call('taskmanager-unknown', 'GET', '/taskmanagers/no-such-taskmanager');
  await call('jars-empty', 'GET', '/jars');

  // ---- jars
  const wc = jarIdOf(await upload('upload', [jarPart(t.jars.wordCount)]));
  const streaming = jarIdOf(await upload('upload-streaming', [jarPart(t.jars.streaming)]));
  const failing = jarIdOf(await upload('upload-failing', [jarPart(t.jars.failing)]));
  const accumulators = jarIdOf(await upload('upload-accumulators', [jarPart(t.jars.accumulators)]));
  const noMain = jarIdOf(await upload('upload-no-main-class', [jarPart(t.jars.noMain)]));
  await upload('upload-too-large', [jarPart(t.jars.tooLarge)]);
  await upload('upload-not-a-jar', [{ name: 'jarfile', fileName: 'notes.txt', contentType: 'text/plain', data: Buffer.from('not a jar') }]);
  await upload('upload-two-files', [jarPart(t.jars.noMain), jarPart(t.jars.noMain)]);
  await upload('upload-unknown-attribute', [jarPart(t.jars.noMain), { name: 'comment', data: Buffer.from('hello') }]);
  await upload('upload-bad-multipart', [], { body: Buffer.from('--xyz\r\nContent-Disposition: form-data; name="jarfile"; filename="a.jar"\r\n\r\nno end boundary'), contentType: 'multipart/form-data; boundary=xyz' });
  await upload('upload-not-multipart', [], { body: Buffer.from('{}'), contentType: 'application/json' });
  await call('jars', 'GET', '/jars');

  // ---- plans
  const wcArgs = (out: string): string[] => ['--input', input, '--output', out];
  await call('plan', 'POST', `/jars/${wc}/plan`, { parallelism: 1, programArgsList: wcArgs(output()) });
  await call('plan-get', 'GET', `/jars/${wc}/plan?parallelism=1&programArg=${encodeURIComponent(wcArgs(output()).join(','))}`);
  await call('plan-unknown-jar', 'POST', `/jars/${UNKNOWN_JAR}/plan`, { parallelism: 1 });

  // ---- run errors (nothing runs)
  await call('run-unknown-jar', 'POST', `/jars/${UNKNOWN_JAR}/run`, { parallelism: 1 });
  await call('run-missing-entry-class', 'POST', `/jars/${wc}/run`, { entryClass: 'no.such.Main', parallelism: 1 });
  await call('run-no-main-class', 'POST', `/jars/${noMain}/run`, { parallelism: 1 });
  await call('run-main-throws', 'POST', `/jars/${wc}/run`, { parallelism: 1, programArgsList: ['--input', path.join(t.workDir, 'no-such-input.txt'), '--output', output()] });
  // Unknown jar id: a JobManager that parses leniently gets past the body and says the jar is missing instead.
  await call('run-unknown-field', 'POST', `/jars/${UNKNOWN_JAR}/run`, { parallelism: 1, noSuchField: true });
  await call('run-restore-mode', 'POST', `/jars/${UNKNOWN_JAR}/run`, { parallelism: 1, restoreMode: 'NO_CLAIM' });
  await call('run-claim-mode', 'POST', `/jars/${UNKNOWN_JAR}/run`, { parallelism: 1, claimMode: 'NO_CLAIM' });
  await call('run-flink-configuration', 'POST', `/jars/${UNKNOWN_JAR}/run`, { parallelism: 1, flinkConfiguration: { 'pipeline.name': 'x' } });
  // A version that ignores programArgs runs this one: wait for it, so that later lists do not depend on timing.
  const both = await call('run-args-and-list', 'POST', `/jars/${wc}/run`, { parallelism: 1, programArgs: '--name x', programArgsList: wcArgs(output()) });
  const bothJob = (both.body as { jobid?: string }).jobid;
  if (both.status === 200 && bothJob) await waitState(bothJob, TERMINAL);
  // programArgs alone: 1.x runs the job with them, 2.x ignores the field and main() meets no --input.
  const legacy = await call('run-program-args-only', 'POST', `/jars/${wc}/run`, { parallelism: 1, programArgs: wcArgs(output()).join(' ') });
  const legacyJob = (legacy.body as { jobid?: string }).jobid;
  if (legacy.status === 200 && legacyJob) await waitState(legacyJob, TERMINAL);

  // ---- a finished batch job
  const finished = jobIdOf(await call('run', 'POST', `/jars/${wc}/run`, { parallelism: 1, programArgsList: wcArgs(output()) }));
  await waitState(finished, TERMINAL);
  await call('job-finished', 'GET', `/jobs/${finished}`);
  await call('job-finished-exceptions', 'GET', `/jobs/${finished}/exceptions`);
  await call('job-finished-accumulators', 'GET', `/jobs/${finished}/accumulators`);
  await call('job-finished-execution-result', 'GET', `/jobs/${finished}/execution-result`);
  // A batch job has no checkpointing: the Job panel reads both and shows checkpoints as off.
  await call('job-finished-checkpoints', 'GET', `/jobs/${finished}/checkpoints`);
  await call('job-finished-checkpoints-config', 'GET', `/jobs/${finished}/checkpoints/config`);
  await call('cancel-finished', 'PATCH', `/jobs/${finished}?mode=cancel`);
  await call('savepoint-finished', 'POST', `/jobs/${finished}/savepoints`, { 'target-directory': savepoints, 'cancel-job': false });
  await call('savepoint-format-type', 'POST', `/jobs/${finished}/savepoints`, { 'target-directory': savepoints, 'cancel-job': false, formatType: 'CANONICAL' });
  await call('stop-finished', 'POST', `/jobs/${finished}/stop`, { targetDirectory: savepoints, drain: false });
  await call('stop-format-type', 'POST', `/jobs/${finished}/stop`, { targetDirectory: savepoints, drain: false, formatType: 'CANONICAL' });

  const acc = jobIdOf(await call('run-accumulators', 'POST', `/jars/${accumulators}/run`, { parallelism: 1, programArgsList: ['--count', '100'] }));
  await waitState(acc, TERMINAL);
  await call('job-accumulators', 'GET', `/jobs/${acc}/accumulators`);
  await call('job-accumulators-execution-result', 'GET', `/jobs/${acc}/execution-result`);

  // ---- a failed job
  const failed = jobIdOf(await call('run-failing', 'POST', `/jars/${failing}/run`, { parallelism: 1, programArgsList: ['--message', 'recorded failure'] }));
  await waitState(failed, TERMINAL);
  await call('job-failed', 'GET', `/jobs/${failed}`);
  await call('job-failed-exceptions', 'GET', `/jobs/${failed}/exceptions`);
  await call('job-failed-execution-result', 'GET', `/jobs/${failed}/execution-result`);

  // ---- a running streaming job: savepoint, then stop with a savepoint
  const running = jobIdOf(await call('run-streaming', 'POST', `/jars/${streaming}/run`, { parallelism: 1, programArgsList: ['--output', output()] }));
  await waitRunning(running);
  const runningDetails = await call('job-running', 'GET', `/jobs/${running}`);
  // ---- the streaming reads of the Job panel: checkpoints, their config, per-vertex rates, watermarks, back pressure
  await waitFor(`a completed checkpoint of job ${running}`, async () => ((await get<{ counts?: { completed?: number } }>(`/jobs/${running}/checkpoints`)).counts?.completed ?? 0) >= 1);
  await call('job-running-checkpoints', 'GET', `/jobs/${running}/checkpoints`);
  await call('job-running-checkpoints-config', 'GET', `/jobs/${running}/checkpoints/config`);
  const vertexIds = ((runningDetails.body as { vertices?: { id: string }[] }).vertices ?? []).map((x) => x.id);
  const [source, sink] = [vertexIds[0], vertexIds[vertexIds.length - 1]];
  const rates = `get=${VERTEX_RATE_METRICS.join(',')}&agg=min,max,avg,sum`;
  await settle(async () => (await get<unknown[]>(`/jobs/${running}/vertices/${sink}/subtasks/metrics?${rates}`)).length > 0);
  await call('vertex-metrics', 'GET', `/jobs/${running}/vertices/${sink}/subtasks/metrics?${rates}`);
  await call('vertex-metrics-missing-one', 'GET', `/jobs/${running}/vertices/${source}/subtasks/metrics?get=${[...VERTEX_RATE_METRICS, 'currentInputWatermark'].join(',')}&agg=min`);
  await settle(async () => (await get<unknown[]>(`/jobs/${running}/vertices/${sink}/watermarks`)).length > 0);
  await call('vertex-watermarks', 'GET', `/jobs/${running}/vertices/${sink}/watermarks`);
  await call('vertex-watermarks-source', 'GET', `/jobs/${running}/vertices/${source}/watermarks`);
  // Up to 1.13 the first ask starts a sampling and answers "deprecated" until it is done.
  await settle(async () => (await get<{ status?: string }>(`/jobs/${running}/vertices/${sink}/backpressure`)).status === 'ok');
  await call('vertex-backpressure', 'GET', `/jobs/${running}/vertices/${sink}/backpressure`);
  await call('vertex-unknown-watermarks', 'GET', `/jobs/${running}/vertices/${'0'.repeat(32)}/watermarks`);
  await call('job-running-exceptions', 'GET', `/jobs/${running}/exceptions`);
  await call('job-running-accumulators', 'GET', `/jobs/${running}/accumulators`);
  await call('job-running-execution-result', 'GET', `/jobs/${running}/execution-result`);
  await call('jobs-overview-running', 'GET', '/jobs/overview');
  await call('overview-running', 'GET', '/overview');
  await call('taskmanager-running', 'GET', `/taskmanagers/${tm}`);
  await call('taskmanagers-running', 'GET', '/taskmanagers');
  const sp = await call('savepoint', 'POST', `/jobs/${running}/savepoints`, { 'target-directory': savepoints, 'cancel-job': false });
  await waitTrigger('savepoint-status', running, sp);
  await call('savepoint-status-unknown', 'GET', `/jobs/${running}/savepoints/${UNKNOWN_JOB}`);
  // A savepoint that cannot be written (its folder would be under a file): its status carries the failure, the job keeps running.
  const spFailed = await call('savepoint-unwritable', 'POST', `/jobs/${running}/savepoints`, { 'target-directory': `file://${input}/savepoints`, 'cancel-job': false });
  await waitTrigger('savepoint-unwritable-status', running, spFailed);
  // The statistics come from a cached execution graph (web.refresh-interval): wait until they show the savepoint.
  // An in-progress checkpoint in the history is timing, not shape: wait for none.
  await settle(async () => {
    const stats = await get<{ latest?: { savepoint?: unknown }; counts?: { in_progress?: number } }>(`/jobs/${running}/checkpoints`);
    return stats.latest?.savepoint != null && stats.counts?.in_progress === 0;
  });
  await call('job-running-checkpoints-after-savepoints', 'GET', `/jobs/${running}/checkpoints`);
  const stop = await call('stop', 'POST', `/jobs/${running}/stop`, { targetDirectory: savepoints, drain: false });
  await waitTrigger('stop-status', running, stop);
  await waitState(running, TERMINAL);
  await call('job-stopped', 'GET', `/jobs/${running}`);

  // ---- a cancelled job
  const cancelled = jobIdOf(await call('run-streaming-2', 'POST', `/jars/${streaming}/run`, { parallelism: 1, programArgsList: ['--output', output()] }));
  await waitRunning(cancelled);
  await call('cancel', 'PATCH', `/jobs/${cancelled}?mode=cancel`);
  await waitState(cancelled, TERMINAL);
  await call('job-cancelled', 'GET', `/jobs/${cancelled}`);
  await call('job-cancelled-exceptions', 'GET', `/jobs/${cancelled}/exceptions`);
  await call('job-cancelled-checkpoints', 'GET', `/jobs/${cancelled}/checkpoints`);
  await call('cancel-cancelled', 'PATCH', `/jobs/${cancelled}?mode=cancel`);

  // ---- unknown ids, and the cluster at the end
  await call('job-unknown', 'GET', `/jobs/${UNKNOWN_JOB}`);
  await call('job-invalid-id', 'GET', '/jobs/not-a-job-id');
  await call('job-unknown-exceptions', 'GET', `/jobs/${UNKNOWN_JOB}/exceptions`);
  await call('job-unknown-execution-result', 'GET', `/jobs/${UNKNOWN_JOB}/execution-result`);
  await call('cancel-unknown', 'PATCH', `/jobs/${UNKNOWN_JOB}?mode=cancel`);
  await call('stop-unknown', 'POST', `/jobs/${UNKNOWN_JOB}/stop`, { targetDirectory: savepoints, drain: false });
  await call('jobs-overview', 'GET', '/jobs/overview');
  await call('overview-end', 'GET', '/overview');
  await call('jar-delete', 'DELETE', `/jars/${noMain}`);
  await call('jar-delete-unknown', 'DELETE', `/jars/${UNKNOWN_JAR}`);
  await call('unknown-path', 'GET', '/no/such/path');
  return calls;
}

function parseBody(text: string, headers: Record<string, string>): unknown {
  if (/json/i.test(headers['content-type'] ?? '') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function describeParts(parts: Parameters<typeof multipart>[0], raw?: { body: Buffer; contentType: string }): unknown {
  if (raw) return { contentType: raw.contentType, bytes: raw.body.length };
  return parts.map((p) => ({ name: p.name, fileName: p.fileName, contentType: p.contentType, bytes: p.data.length }));
}
