// The stand-in's streaming reads against the answers a real Flink 2.3.0 gave (test/fixtures/flink-rest-streaming/2.3.0/):
// the same fields, of the same JSON types, at every level; and checkpoints that really grow and can be restored from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../../repoRoot';
import { STREAMING_CLASS, buildJar } from '../../fixtures/jars';
import { InProcessCluster, jarIdOf, request, startInProcessCluster, uploadJar, waitFor } from './standinHarness';

/**
 * Reads without the harness's check against the 1.19 spec: real Flink 2.3.0 departs from it here (percentiles "NaN"
 * as strings, checkpoint mode in lower case), and the recordings of the real answers are what the stand-in follows.
 */
async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

const RECORDINGS = path.join(repoRoot(), 'test', 'fixtures', 'flink-rest-streaming', '2.3.0');

function recording(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(RECORDINGS, name), 'utf8'));
}

/** "object{a:number,b:string}" etc., recursively; arrays by their first element; null matches anything (Jackson's absent values). */
function shapeDiff(real: unknown, ours: unknown, at = '$'): string[] {
  if (real === null || ours === null) return [];
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v);
  // Flink writes NaN percentiles as the string "NaN": a number field either way.
  if (kind(real) !== kind(ours) && !(real === 'NaN' || ours === 'NaN')) return [`${at}: Flink sends ${kind(real)}, the stand-in ${kind(ours)}`];
  if (Array.isArray(real) && Array.isArray(ours)) return real.length && ours.length ? shapeDiff(real[0], ours[0], `${at}[0]`) : [];
  if (kind(real) === 'object') {
    const r = real as Record<string, unknown>;
    const o = ours as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(r)) {
      if (!(k in o)) { if (r[k] !== null) out.push(`${at}.${k}: missing in the stand-in`); continue; }
      out.push(...shapeDiff(r[k], o[k], `${at}.${k}`));
    }
    return out;
  }
  return [];
}

describe('stand-in streaming endpoints (Flink 2.3.0 shapes)', () => {
  let c: InProcessCluster;
  let jobId: string;
  let vertices: { id: string }[];
  const checkpointDir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-checkpoints-'));
  before(async () => {
    c = await startInProcessCluster({
      taskManagers: 1,
      conf: {
        'standin.flink-version': '2.3.0', 'standin.checkpoint-interval-ms': '100', 'taskmanager.numberOfTaskSlots': '2',
        'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
        'state.checkpoints.dir': `file://${checkpointDir}`,
      },
      tmConf: { 'taskmanager.numberOfTaskSlots': '2' },
    });
    const jar = await buildJar(path.join(c.dir, 'streaming.jar'), { mainClass: STREAMING_CLASS });
    const up = await uploadJar(c.url, jar);
    const run = await request<{ jobid: string }>('POST', `${c.url}/jars/${jarIdOf(up.body.filename)}/run`, { parallelism: 2 });
    jobId = run.body.jobid;
    await waitFor(async () => (await getJson<{ state: string; vertices: { status: string }[] }>(`${c.url}/jobs/${jobId}`)).body.vertices.every((v) => v.status === 'RUNNING'), 5000, 'the job to run');
    vertices = (await getJson<{ vertices: { id: string }[] }>(`${c.url}/jobs/${jobId}`)).body.vertices;
  });
  after(async () => { await c?.stop(); fs.rmSync(checkpointDir, { recursive: true, force: true }); });

  test('checkpoints: the same shape as Flink 2.3.0, a history that grows, the newest written with the state', async () => {
    await waitFor(async () => (await getJson<{ counts: { completed: number } }>(`${c.url}/jobs/${jobId}/checkpoints`)).body.counts.completed >= 2, 5000, 'two checkpoints');
    const first = (await getJson<{ counts: { completed: number }; latest: { completed: { id: number; external_path: string } } }>(`${c.url}/jobs/${jobId}/checkpoints`)).body;
    assert.deepEqual(shapeDiff(recording('checkpoints.json'), first), []);
    await new Promise((r) => setTimeout(r, 300));
    const later = (await getJson<typeof first>(`${c.url}/jobs/${jobId}/checkpoints`)).body;
    assert.ok(later.counts.completed > first.counts.completed, `${later.counts.completed} > ${first.counts.completed}`);
    assert.ok(later.latest.completed.id > first.latest.completed.id);
    const metadata = JSON.parse(fs.readFileSync(path.join(later.latest.completed.external_path.replace(/^file:/, ''), '_metadata'), 'utf8')) as { state: { records: number } };
    assert.ok(metadata.state.records > 0);
  });

  test('checkpoint config, vertex metrics, watermarks and back pressure: the shapes Flink 2.3.0 sends', async () => {
    const config = await getJson(`${c.url}/jobs/${jobId}/checkpoints/config`);
    assert.deepEqual(shapeDiff(recording('checkpoints-config.json'), config.body), []);
    const get = 'numRecordsInPerSecond,numRecordsOutPerSecond,busyTimeMsPerSecond,backPressuredTimeMsPerSecond';
    const sink = await getJson<{ id: string; sum: number }[]>(`${c.url}/jobs/${jobId}/vertices/${vertices[1].id}/subtasks/metrics?get=${get}&agg=min,max,avg,sum`);
    assert.deepEqual(shapeDiff(recording('vertex-subtask-metrics.json'), sink.body), []);
    assert.ok(sink.body.find((m) => m.id === 'numRecordsInPerSecond')!.sum > 0);
    // As Flink: one metric the vertex lacks (a source has no input watermark) empties the whole answer.
    const source = await getJson<unknown[]>(`${c.url}/jobs/${jobId}/vertices/${vertices[0].id}/subtasks/metrics?get=${get},currentInputWatermark&agg=min`);
    assert.deepEqual(source.body, []);
    assert.deepEqual(shapeDiff(recording('vertex-watermarks.json'), (await getJson(`${c.url}/jobs/${jobId}/vertices/${vertices[1].id}/watermarks`)).body), []);
    assert.deepEqual((await getJson(`${c.url}/jobs/${jobId}/vertices/${vertices[0].id}/watermarks`)).body, []);
    assert.deepEqual(shapeDiff(recording('vertex-backpressure.json'), (await getJson(`${c.url}/jobs/${jobId}/vertices/${vertices[1].id}/backpressure`)).body), []);
  });

  test('an unknown vertex is a 404 with Flink\'s error body', async () => {
    const r = await getJson<{ errors: string[] }>(`${c.url}/jobs/${jobId}/vertices/${'0'.repeat(32)}/watermarks`);
    assert.equal(r.status, 404);
    assert.ok(Array.isArray(r.body.errors));
  });
});
