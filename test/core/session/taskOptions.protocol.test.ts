// The task options at the protocol level: what each one puts into the FrameworkInfo sent with SUBSCRIBE and into the
// TaskInfos of the ACCEPTs (resources, CommandInfo, ContainerInfo), against a scripted master (RecordingScheduler).
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { FlinkSession, type FlinkClusterApi, type SchedulerApi } from '../../../src/core/session/FlinkSession';
import { MemorySessionStore } from '../../../src/core/session/SessionStore';
import { SessionOptionError, parseSessionStartArgs, validateSessionOptions, type SessionOptionsInput } from '../../../src/core/session/SessionOptions';
import type { FrameworkInfo, Offer, Resource, TaskInfo } from '../../../src/core/mesos/types';
import { RecordingScheduler, until } from './recordingScheduler';
import { offer } from './offers';

const open: FlinkSession[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop().catch(() => undefined);
});

const flink: FlinkClusterApi = { overview: async () => ({ taskmanagers: 0, 'slots-total': 0, 'slots-available': 0 }), taskManagers: async () => [] };

async function session(input: Partial<SessionOptionsInput>): Promise<{ s: FlinkSession; m: RecordingScheduler; framework: () => FrameworkInfo }> {
  const m = new RecordingScheduler();
  let framework: FrameworkInfo | undefined;
  const validated = validateSessionOptions({
    master: 'm1:5050', flink: { kind: 'home', path: '/opt/flink' }, name: 'opt', taskManagers: 2, taskManagerMemoryMb: 2048, jobManagerMemoryMb: 1024,
    user: 'flink', ...input,
  });
  const s = await FlinkSession.create(validated, {
    store: new MemorySessionStore(),
    timings: { reconcileInitialMs: 20, reconcileMaxMs: 80, tickMs: 60000, flinkPollMs: 10, runningPollMs: 20, subscribeTimeoutMs: 60000, stopVerifyTimeoutMs: 100 },
    createScheduler: (o) => { framework = o.frameworkInfo; return m as unknown as SchedulerApi; },
    createFlinkApi: () => flink,
    createOperatorApi: () => ({ liveTasks: async () => [] }),
  });
  open.push(s);
  await s.start();
  m.subscribe();
  return { s, m, framework: () => framework as FrameworkInfo };
}

const scalar = (t: TaskInfo, name: string): number => t.resources.filter((r) => r.name === name).reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
const portsOf = (t: TaskInfo): number[] => t.resources.filter((r) => r.name === 'ports').flatMap((r) => (r.ranges?.range ?? []).flatMap((x) => {
  const out: number[] = [];
  for (let p = x.begin; p <= x.end; p++) out.push(p);
  return out;
}));
const dValue = (t: TaskInfo, key: string): string | undefined => {
  const m = new RegExp(`-D '?${key.replace(/\./g, '\\.')}=([^' ]*)`).exec(t.command?.value ?? '');
  return m?.[1];
};
/** A MULTI_ROLE offer: allocated to the role of its resources, as a real master marks it. */
const inRole = (o: Offer): Offer => ({ ...o, allocation_info: { role: o.resources[0].allocation_info?.role } });
const isTm = (t: TaskInfo): boolean => t.task_id.value.startsWith('taskmanager-');

describe('TaskManager disk and GPUs', () => {
  test('gpus and disk reach the TaskManagers (not the JobManager), GPU_RESOURCES is declared, Flink\'s GPU resource matches', async () => {
    const { m, framework } = await session({ taskManagerGpus: 2, taskManagerDiskMb: 4096, diskMb: 100 });
    assert.deepEqual(framework().capabilities?.map((c) => c.type).sort(), ['GPU_RESOURCES', 'MULTI_ROLE', 'PARTITION_AWARE']);
    m.offers([offer({ agent: 'a1', gpus: 4 }), offer({ agent: 'a2', gpus: 4 })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched()) {
      if (isTm(t)) {
        assert.equal(scalar(t, 'gpus'), 2, `${t.task_id.value} takes 2 GPUs`);
        assert.equal(scalar(t, 'disk'), 4096, `${t.task_id.value} takes its own disk`);
        assert.equal(dValue(t, 'external-resource.gpu.amount'), '2');
        assert.equal(dValue(t, 'external-resources'), 'gpu');
        assert.equal(dValue(t, 'external-resource.gpu.driver-factory.class'), 'org.apache.flink.externalresource.gpu.GPUDriverFactory');
      } else {
        assert.equal(scalar(t, 'gpus'), 0, 'the JobManager takes no GPU');
        assert.equal(scalar(t, 'disk'), 100, 'the JobManager keeps --disk');
      }
    }
  });

  test('without GPUs the framework does not declare GPU_RESOURCES', async () => {
    const { framework } = await session({});
    assert.deepEqual(framework().capabilities?.map((c) => c.type), ['MULTI_ROLE', 'PARTITION_AWARE']);
  });

  test('more GPUs than any agent has: no TaskManager is launched, and the diagnosis names GPUs', async () => {
    const { s, m } = await session({ taskManagerGpus: 8 });
    m.offers([offer({ agent: 'a1', gpus: 2 }), offer({ agent: 'a2' })]);
    await until('the JobManager', () => m.launched().length === 1);
    m.offers([offer({ agent: 'a1', gpus: 2 }), offer({ agent: 'a2' })]);
    await until('a diagnosis', () => s.snapshot().diagnosis !== undefined);
    assert.equal(m.launched().filter(isTm).length, 0);
    const diagnosis = s.snapshot().diagnosis as string;
    assert.match(diagnosis, /needs 2048 MB and 1 cpu and 8 GPUs and 2 ports per TaskManager/);
    assert.match(diagnosis, /agent a1 \(a1.example\): 2 GPUs free/);
    assert.match(diagnosis, /No agent offers 8 GPUs: lower --task-manager-gpus/);
    assert.ok(s.snapshot().offersNow.some((o) => /GPUs/.test(o.reason)), JSON.stringify(s.snapshot().offersNow));
  });
});

describe('fetcher URIs, environment, bootstrap command', () => {
  test('each task fetches the extra URIs with their flags, gets the variables and runs the bootstrap command before Flink', async () => {
    const { m } = await session({
      uris: ['https://repo.example/keystore.jks,no-extract', 'https://repo.example/setup.sh,executable,cache', 'hdfs://nn/lib.tgz'],
      environment: ['HADOOP_CONF_DIR=/etc/hadoop', 'GREETING=hello world'],
      bootstrapCommand: 'cp "$MESOS_SANDBOX/keystore.jks" /tmp/ks.jks',
    });
    m.offers([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched()) {
      assert.deepEqual(t.command?.uris, [
        { value: 'https://repo.example/keystore.jks', executable: false, extract: false, cache: false },
        { value: 'https://repo.example/setup.sh', executable: true, extract: true, cache: true },
        { value: 'hdfs://nn/lib.tgz', executable: false, extract: true, cache: false },
      ]);
      assert.deepEqual(t.command?.environment?.variables, [
        { name: 'FLINK_MESOS_SESSION', value: 'opt' }, { name: 'HADOOP_CONF_DIR', value: '/etc/hadoop' }, { name: 'GREETING', value: 'hello world' },
      ]);
      const value = t.command?.value ?? '';
      const boot = value.indexOf('cp "$MESOS_SANDBOX/keystore.jks" /tmp/ks.jks');
      assert.ok(boot > value.indexOf('export FLINK_HOME'), 'after FLINK_HOME is set');
      assert.ok(boot < value.indexOf('start-foreground'), 'before Flink starts');
    }
  });

  test('with a Flink archive, the archive comes first and the extra URIs follow', async () => {
    const { m } = await session({ flink: { kind: 'uri', uri: 'https://repo.example/flink.tgz' }, uris: ['https://repo.example/a.jar,no-extract'] });
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 3);
    assert.deepEqual(m.launched()[1].command?.uris?.map((u) => u.value), ['https://repo.example/flink.tgz', 'https://repo.example/a.jar']);
  });
});

describe('port assignments and the TaskManager host name', () => {
  test('each key gets a port of the offer in every task (resources and -D agree), shown with the task\'s ports', async () => {
    const { s, m } = await session({ portAssignments: ['metrics.reporter.prom.port'] });
    m.offers([offer({ agent: 'a1', ports: [[31000, 31004]] }), offer({ agent: 'a2', ports: [[32000, 32005]] })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched()) {
      const ports = portsOf(t);
      assert.equal(ports.length, isTm(t) ? 3 : 4, `${t.task_id.value} takes one more port`);
      const prom = Number(dValue(t, 'metrics.reporter.prom.port'));
      assert.ok(ports.includes(prom), `${t.task_id.value}: the assigned port ${prom} is one of its resources ${ports.join(',')}`);
      assert.equal(new Set(ports).size, ports.length);
    }
    const snap = s.snapshot();
    for (const t of [snap.jobManager!, ...snap.taskManagers]) {
      assert.equal(typeof t.ports['metrics.reporter.prom.port'], 'number', `${t.taskId} shows the assigned port`);
    }
  });

  test('an agent with too few ports for the assignments gets no TaskManager', async () => {
    const { m } = await session({ portAssignments: ['metrics.reporter.prom.port', 'metrics.reporter.jmx.port'], taskManagers: 1 });
    m.offers([offer({ agent: 'a1', ports: [[31000, 31004]] })]);
    await until('the JobManager', () => m.launched().length === 1);
    m.offers([offer({ agent: 'a2', ports: [[32000, 32002]] })]);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(m.launched().filter(isTm).length, 0, 'a TaskManager needs 4 ports here');
  });

  test('the hostname template becomes each TaskManager\'s advertised address, with _TASK_ as its task id', async () => {
    const { m } = await session({ taskManagerHostname: '_TASK_.flink.mesos' });
    m.offers([offer({ agent: 'a1' }), offer({ agent: 'a2' })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched().filter(isTm)) assert.equal(dValue(t, 'taskmanager.host'), `${t.task_id.value}.flink.mesos`);
    assert.equal(dValue(m.launched()[0], 'rest.address'), 'a1.example', 'the JobManager keeps the agent\'s address');
  });
});

describe('containers (protocol only: the stand-in agent runs no Docker)', () => {
  test('Docker: image, force pull, volumes, parameters, BRIDGE network with the task\'s offered ports mapped', async () => {
    const { m } = await session({
      flink: { kind: 'docker', image: 'flink:1.20' }, dockerForcePull: true, dockerVolumes: ['/etc/hadoop:/etc/hadoop:ro', '/data:/data', '/scratch'],
      dockerParameters: ['shm-size=1g', 'cap-add=SYS_PTRACE'], dockerNetwork: 'BRIDGE',
    });
    m.offers([offer({ agent: 'a1', hostname: '10.1.1.1' }), offer({ agent: 'a2', hostname: '10.1.1.2' })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched()) {
      assert.equal(t.container?.type, 'DOCKER');
      const docker = t.container?.docker;
      assert.equal(docker?.image, 'flink:1.20');
      assert.equal(docker?.force_pull_image, true);
      assert.equal(docker?.network, 'BRIDGE');
      assert.deepEqual(docker?.parameters, [{ key: 'shm-size', value: '1g' }, { key: 'cap-add', value: 'SYS_PTRACE' }]);
      assert.deepEqual(t.container?.volumes, [
        { container_path: '/etc/hadoop', host_path: '/etc/hadoop', mode: 'RO' }, { container_path: '/data', host_path: '/data', mode: 'RW' }, { container_path: '/scratch', mode: 'RW' },
      ]);
      assert.deepEqual(docker?.port_mappings?.map((p) => p.host_port).sort(), portsOf(t).sort(), `${t.task_id.value}: every offered port is mapped`);
      for (const p of docker?.port_mappings ?? []) assert.equal(p.container_port, p.host_port);
      // Inside a bridge the agent's address is not the container's.
      assert.equal(dValue(t, isTm(t) ? 'taskmanager.bind-host' : 'rest.bind-address'), '0.0.0.0');
    }
    const [tm1, tm2] = m.launched().filter(isTm);
    assert.notDeepEqual(tm1.container?.docker?.port_mappings, tm2.container?.docker?.port_mappings, 'each TaskManager maps its own ports');
  });

  test('HOST network (the default) maps no ports and binds the agent\'s address', async () => {
    const { m } = await session({ flink: { kind: 'docker', image: 'flink:1.20' } });
    m.offers([offer({ agent: 'a1', hostname: '10.1.1.1' })]);
    await until('the launch', () => m.launched().length === 3);
    const tm = m.launched().find(isTm) as TaskInfo;
    assert.deepEqual(tm.container, { type: 'DOCKER', docker: { image: 'flink:1.20', network: 'HOST' } });
    assert.equal(dValue(tm, 'taskmanager.bind-host'), '10.1.1.1');
  });

  test('the Mesos containerizer runs the Docker image (universal container runtime); Flink\'s folder in the image is configurable', async () => {
    const { input } = parseSessionStartArgs(['--mesos-image', 'registry.example/flink:2.0', '--image-flink-home', '/flink', '--docker-force-pull', '--docker-volume', '/etc/krb5.conf:/etc/krb5.conf:ro']);
    const { m } = await session(input);
    m.offers([offer({ agent: 'a1' })]);
    await until('the launch', () => m.launched().length === 3);
    for (const t of m.launched()) {
      assert.deepEqual(t.container, {
        type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'registry.example/flink:2.0' }, cached: false } },
        volumes: [{ container_path: '/etc/krb5.conf', host_path: '/etc/krb5.conf', mode: 'RO' }],
      });
      assert.match(t.command?.value ?? '', /export FLINK_HOME=\/flink && /);
    }
  });
});

describe('several roles (MULTI_ROLE)', () => {
  test('FrameworkInfo lists every role; offers of each role are accepted separately with their allocation info; SUPPRESS and REVIVE name the roles', async () => {
    const { input } = parseSessionStartArgs(['--role', 'flink', '--role', 'analytics,batch']);
    const { s, m, framework } = await session({ ...input, taskManagers: 2 });
    assert.deepEqual(framework().roles, ['flink', 'analytics', 'batch']);
    assert.equal(framework().role, undefined);
    // One agent offers in two roles: the JobManager from one, a TaskManager from the other, never mixed in one ACCEPT.
    m.offers([inRole(offer({ agent: 'a1', role: 'flink', cpus: 1, mem: 1024 })), inRole(offer({ agent: 'a1', role: 'analytics', cpus: 1, mem: 2048 })),
      inRole(offer({ agent: 'a2', role: 'batch', cpus: 1, mem: 2048 }))]);
    await until('the launch', () => m.launched().length === 3);
    const accepts = m.of('ACCEPT');
    assert.equal(accepts.length, 3, 'one ACCEPT per agent and role');
    for (const a of accepts) {
      const roles = new Set(a.operations.flatMap((op) => op.launch?.task_infos ?? []).flatMap((t) => t.resources).map((r: Resource) => r.allocation_info?.role));
      assert.equal(roles.size, 1, `one role per ACCEPT: ${[...roles].join(',')}`);
    }
    const byRole = new Map(m.launched().map((t) => [t.task_id.value, t.resources[0].allocation_info?.role]));
    assert.equal(byRole.get('jobmanager-opt'), 'flink');
    assert.deepEqual([...byRole.entries()].filter(([id]) => id.startsWith('taskmanager-')).map(([, r]) => r).sort(), ['analytics', 'batch']);
    await until('SUPPRESS', () => m.of('SUPPRESS').length === 1);
    assert.deepEqual(m.of('SUPPRESS')[0].roles, ['flink', 'analytics', 'batch']);
    await s.scale(3);
    assert.deepEqual(m.of('REVIVE').at(-1)?.roles, ['flink', 'analytics', 'batch']);
  });

  test('one role keeps SUPPRESS and REVIVE without roles (every role of the framework)', async () => {
    const { m, framework } = await session({ role: 'flink', taskManagers: 1 });
    assert.deepEqual(framework().roles, ['flink']);
    m.offers([offer({ agent: 'a1', role: 'flink' })]);
    await until('SUPPRESS', () => m.of('SUPPRESS').length === 1);
    assert.equal(m.of('SUPPRESS')[0].roles, undefined);
  });
});

describe('bad task options: a clear error before anything is launched', () => {
  const bad = (input: Partial<SessionOptionsInput>, option: string, text: RegExp): void => {
    assert.throws(() => validateSessionOptions({ master: 'm1:5050', flink: { kind: 'docker', image: 'flink:1.20' }, user: 'flink', ...input }), (err: unknown) => {
      assert.ok(err instanceof SessionOptionError, String(err));
      assert.equal(err.option, option);
      assert.match(err.message, text);
      return true;
    });
  };
  test('a Docker volume with a bad mode', () => bad({ dockerVolumes: ['/a:/b:rx'] }, '--docker-volume', /has the mode "rx"; a volume is ro \(read-only\) or rw/));
  test('a Docker volume with a relative path', () => bad({ dockerVolumes: ['data:/data'] }, '--docker-volume', /absolute paths/));
  test('a port-assignment key that is not a Flink option', () => bad({ portAssignments: ['prometheus.port'] }, '--port-assignment', /"prometheus.port" is not a Flink configuration option/));
  test('a port-assignment key the session sets itself', () => bad({ portAssignments: ['taskmanager.rpc.port'] }, '--port-assignment', /already gives taskmanager.rpc.port/));
  test('GPUs that are not a whole number', () => bad({ taskManagerGpus: 1.5 }, '--task-manager-gpus', /whole number/));
  test('a fetcher flag that does not exist', () => bad({ uris: ['https://x/a.jar,unzip'] }, '--uri', /"unzip" in .* is not a fetcher flag/));
  test('an environment variable name', () => bad({ environment: ['1X=2'] }, '--env', /not an environment variable name/));
  test('a network mode', () => bad({ dockerNetwork: 'overlay' }, '--docker-network', /HOST \(default\) or BRIDGE/));
  test('container options without an image', () => bad({ flink: { kind: 'home', path: '/opt/flink' }, dockerVolumes: ['/a:/b'] }, '--docker-volume', /no image was given/));
  test('"*" among several roles, and an invalid role name', () => {
    bad({ roles: ['*', 'flink'] }, '--role', /cannot be one of several roles/);
    bad({ roles: ['a//b'] }, '--role', /not a valid Mesos role/);
  });
});
