import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SpecValidator } from './specSchemas';
import { firstLine, getJson, jarIdOf, request, startInProcessCluster, uploadJar, waitFor } from './standinHarness';
import { STREAMING_CLASS, buildJar } from '../../fixtures/jars';

type Obj = Record<string, unknown>;
const spec = new SpecValidator();

describe('version emulation (standin.flink-version)', () => {
  // Each expectation below is what the recording of that version shows (test/fixtures/flink-rest/<version>/).
  test('1.13.6: old features, no blocked fields, no mtime, GET plan, stack traces in errors, embedded plan, restoreMode refused', async () => {
    const c = await startInProcessCluster({ conf: { 'standin.flink-version': '1.13.6' } });
    try {
      const config = await getJson<Obj>(`${c.url}/config`);
      assert.deepEqual(config.body.features, { 'web-submit': true });
      assert.equal(config.body['flink-version'], '1.13.6');
      const overview = await getJson<Obj>(`${c.url}/overview`);
      assert.ok(!('slots-free-and-blocked' in overview.body) && !('taskmanagers-blocked' in overview.body));
      const tms = await getJson<{ taskmanagers: Obj[] }>(`${c.url}/taskmanagers`);
      assert.ok(!('blocked' in tms.body.taskmanagers[0]));
      assert.match(String(tms.body.taskmanagers[0].path), /^akka\.tcp:\/\//);
      const logs = await getJson<{ logs: Obj[] }>(`${c.url}/jobmanager/logs`);
      assert.ok(logs.body.logs.length > 0 && logs.body.logs.every((l) => !('mtime' in l)));
      const jar = await buildJar(path.join(c.dir, 'st.jar'), { mainClass: STREAMING_CLASS });
      const id = jarIdOf((await uploadJar(c.url, jar)).body.filename);
      const getPlan = await getJson<Obj>(`${c.url}/jars/${id}/plan`);
      assert.equal(getPlan.status, 200);
      spec.response('post', '/jars/{jarid}/plan', getPlan.body);
      const missing = await request<{ errors: string[] }>('POST', `${c.url}/jars/nope.jar/run`, {});
      assert.equal(missing.status, 500);
      assert.equal(missing.body.errors[0], 'Internal server error.');
      const jarFile = path.join(c.jm.jarDir, 'nope.jar');
      assert.ok(missing.body.errors[1].startsWith(`<Exception on server side:\njava.util.concurrent.CompletionException: org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file ${jarFile} does not exist\n\tat `), missing.body.errors[1]);
      // 1.13 parses bodies strictly: a field it does not know (restoreMode came in 1.15) is refused, with the stack trace.
      const refused = await request<{ errors: string[] }>('POST', `${c.url}/jars/${id}/run`, { restoreMode: 'CLAIM' });
      assert.equal(refused.status, 400);
      assert.equal(firstLine(refused.body.errors[0]), 'org.apache.flink.runtime.rest.handler.RestHandlerException: Request did not match expected format JarRunRequestBody.');
      assert.match(refused.body.errors[0], /\n\tat /);
      const run = await request<{ jobid: string }>('POST', `${c.url}/jars/${id}/run`, { parallelism: 1 });
      await waitFor(async () => (await getJson<Obj>(`${c.url}/jobs/${run.body.jobid}`)).body.state === 'RUNNING', 3000, 'RUNNING');
      const details = await getJson<Obj>(`${c.url}/jobs/${run.body.jobid}`);
      assert.equal(typeof details.body.plan, 'object', 'embedded raw JSON in 1.13 too');
      assert.ok(!('accumulated-busy-time' in ((details.body.vertices as Obj[])[0].metrics as Obj)));
      const tm = await getJson<{ metrics: Obj }>(`${c.url}/taskmanagers/tm-0`);
      assert.ok('memorySegmentsAvailable' in tm.body.metrics);
      assert.equal((await request('PATCH', `${c.url}/jobs/${run.body.jobid}?mode=cancel`)).status, 202);
    } finally {
      await c.stop();
    }
  });

  test('2.0.0: job-type, slotSharingGroupId, no memorySegments*, GET plan still served, exception endpoint, claimMode accepted', async () => {
    const c = await startInProcessCluster({ conf: { 'standin.flink-version': '2.0.0', 'standin.failing-job-delay-ms': '50' } });
    try {
      const config = await getJson<Obj>(`${c.url}/config`);
      spec.response('get', '/config', config.body);
      assert.equal(config.body['flink-version'], '2.0.0');
      const tm = await getJson<{ metrics: Obj }>(`${c.url}/taskmanagers/tm-0`);
      spec.response('get', '/taskmanagers/{taskmanagerid}', tm.body);
      assert.ok(!('memorySegmentsAvailable' in tm.body.metrics) && 'nettyShuffleMemorySegmentsAvailable' in tm.body.metrics);
      const jar = await buildJar(path.join(c.dir, 'st.jar'), { mainClass: STREAMING_CLASS, classes: ['org.apache.flink.standin.examples.FailingJob'] });
      const id = jarIdOf((await uploadJar(c.url, jar)).body.filename);
      assert.equal((await getJson(`${c.url}/jars/${id}/plan`)).status, 200);
      const run = await request<{ jobid: string }>('POST', `${c.url}/jars/${id}/run`, { parallelism: 1, claimMode: 'NO_CLAIM', entryClass: 'org.apache.flink.standin.examples.FailingJob' });
      assert.equal(run.status, 200, JSON.stringify(run.body));
      await waitFor(async () => (await getJson<Obj>(`${c.url}/jobs/${run.body.jobid}`)).body.state === 'FAILED', 3000, 'FAILED');
      const details = await getJson<Obj>(`${c.url}/jobs/${run.body.jobid}`);
      spec.response('get', '/jobs/{jobid}', details.body);
      assert.equal(details.body['job-type'], 'BATCH');
      assert.match(String((details.body.vertices as Obj[])[0].slotSharingGroupId), /^[0-9a-f]{32}$/);
      const ex = await getJson<{ exceptionHistory: { entries: Obj[] } }>(`${c.url}/jobs/${run.body.jobid}/exceptions`);
      spec.response('get', '/jobs/{jobid}/exceptions', ex.body);
      const task = (ex.body.exceptionHistory.entries[0].concurrentExceptions as Obj[])[0];
      assert.match(String(task.endpoint), /^127\.0\.0\.1:\d+$/);
      assert.ok(!('location' in task), '2.x dropped location');
      const bad = await request<{ errors: string[] }>('POST', `${c.url}/jars/nope.jar/run`, {});
      assert.equal(bad.status, 500);
      assert.ok(bad.body.errors[1].includes(`Caused by: org.apache.flink.runtime.rest.handler.RestHandlerException: Jar file ${path.join(c.jm.jarDir, 'nope.jar')} does not exist`));
    } finally {
      await c.stop();
    }
  });
});
