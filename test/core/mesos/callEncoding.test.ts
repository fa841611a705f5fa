// encodeCall splices the TaskInfo texts the TaskManager builder sealed: the body must be the same JSON value as
// JSON.stringify of the call, for every kind of session a TaskManager comes from (quoting, fetcher URIs, environment,
// port assignments, a hostname template, Docker with HOST or BRIDGE networking, an application).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCall } from '../../../src/core/mesos/callEncoding';
import { acceptCall, declineCall, launchCall } from '../../../src/core/mesos/calls';
import type { Resource } from '../../../src/core/mesos/types';
import { buildJobManagerTask, buildTaskManagerTask } from '../../../src/core/session/flinkTasks';
import { sessionFlinkConfiguration, validateSessionOptions, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';

const resources = (port: number): Resource[] => [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: '*', allocation_info: { role: 'flink' } } as Resource,
  { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: port, end: port + 1 }] }, allocation_info: { role: 'flink' } } as Resource,
];

function spec(input: Partial<SessionOptionsInput>) {
  const v = validateSessionOptions({ master: 'm:5050', name: 'enc', taskManagers: 3, flink: { kind: 'home', path: '/opt/flink' }, ...input } as SessionOptionsInput, { osUser: () => 'tester' });
  return { options: v.options, flinkConfiguration: sessionFlinkConfiguration(v.options, v.flinkConfiguration) };
}

const SESSIONS: [string, Partial<SessionOptionsInput>][] = [
  ['a plain session', {}],
  ['-D values that need shell quotes and JSON escapes', { dynamicProperties: { 'env.java.opts.taskmanager': `-Dx="a b" -Dy='c' \\ tab\t é ✓`, 'taskmanager.bind-host': '0.0.0.0 "\\ ' } }],
  ['fetcher URIs, environment, a bootstrap command, port assignments', { uris: ['http://127.0.0.1:1/a.tgz'], environment: { A: 'x"y', B: 'line\nbreak' }, bootstrapCommand: 'echo "hi"', portAssignments: ['metrics.reporter.prom.port'] }],
  ['a hostname template', { taskManagerHostname: '_TASK_.flink.mesos' }],
  ['Docker, HOST network', { flink: { kind: 'docker', image: 'flink:1.20' }, dockerVolumes: ['/data:/data'] }],
  ['Docker, BRIDGE network (a container per task)', { flink: { kind: 'docker', image: 'flink:1.20' }, dockerNetwork: 'BRIDGE' }],
];

describe('encodeCall: the same JSON as JSON.stringify', () => {
  for (const [what, input] of SESSIONS) {
    test(what, () => {
      const s = spec(input);
      const jm = buildJobManagerTask(s, 'a0', 'h0', resources(30000), { rpc: 30000, rest: 30001, blob: 30002 });
      const tms = [1, 2, 3].map((n) => buildTaskManagerTask(s, `taskmanager-enc-0000${n}`, `a${n}`, `host-${n}.example`, resources(31000 + 10 * n),
        { rpc: 31000 + 10 * n, data: 31001 + 10 * n, assigned: input.portAssignments ? { 'metrics.reporter.prom.port': 31002 + 10 * n } : undefined }, { hostname: 'h0', rpcPort: 30000 }));
      for (const call of [
        launchCall('fw-1', ['o1', 'o2'], [jm, ...tms], { refuse_seconds: 5 }),
        launchCall('fw-1', ['o3'], tms.slice(1)),
        acceptCall('fw-1', ['o4'], [{ type: 'LAUNCH', launch: { task_infos: [tms[0]] } }, { type: 'LAUNCH', launch: { task_infos: [jm] } }]),
        declineCall('fw-1', ['o5'], { refuse_seconds: 30 }),
      ]) {
        const text = encodeCall(call);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(call)));
      }
    });
  }
});
