// Realistic Mesos events for the benchmarks, shaped like the recorded Mesos 1.12 answers
// (/work/shared/data/mesos-1.12-master-answers.json): OFFERS with the agent URL and four resources, UPDATEs from the executor.
import type { Event, Offer, TaskState } from '../../src/core/mesos/types';

const MASTER_ID = 'f2b69834-16b5-46e3-838f-1527140f0e43';
export const FRAMEWORK_ID = `${MASTER_ID}-0002`;

export function agentId(i: number): string {
  return `${MASTER_ID}-S${i}`;
}

export function agentHost(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** One offer of a whole agent (cpus 8, mem 16384, disk 20000, ports 31000-32000), as the recorded master sends it. */
export function offerOf(offerSeq: number, agent: number, opts: { cpus?: number; mem?: number } = {}): Offer {
  return {
    id: { value: `${MASTER_ID}-O${offerSeq}` },
    framework_id: { value: FRAMEWORK_ID },
    agent_id: { value: agentId(agent) },
    hostname: agentHost(agent),
    url: { scheme: 'http', address: { hostname: agentHost(agent), ip: agentHost(agent), port: 5051 }, path: `/slave(${agent % 7 + 1})` },
    resources: [
      { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*', allocation_info: { role: '*' } },
      { name: 'cpus', type: 'SCALAR', scalar: { value: opts.cpus ?? 8 }, role: '*', allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: opts.mem ?? 16384 }, role: '*', allocation_info: { role: '*' } },
      { name: 'disk', type: 'SCALAR', scalar: { value: 20000 }, role: '*', allocation_info: { role: '*' } },
    ],
    allocation_info: { role: '*' },
  } as Offer;
}

const STATES: TaskState[] = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_RUNNING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED'];

export function updateOf(seq: number, random: () => number): Event {
  const agent = Math.floor(random() * 250);
  const state = STATES[Math.floor(random() * STATES.length)];
  const uuid = Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256))).toString('base64');
  const status: Record<string, unknown> = {
    task_id: { value: `taskmanager-bench-${String(seq % 100000).padStart(5, '0')}` },
    state,
    source: 'SOURCE_EXECUTOR',
    agent_id: { value: agentId(agent) },
    executor_id: { value: `taskmanager-bench-${String(seq % 100000).padStart(5, '0')}` },
    timestamp: 1795529565.88281 + seq / 1000,
    uuid,
    container_status: {
      container_id: { value: `322ae6d5-5fc5-493b-b0d6-${String(seq).padStart(12, '0')}` },
      network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: agentHost(agent) }] }],
      executor_pid: 2000 + (seq % 30000),
    },
  };
  if (state === 'TASK_FAILED') {
    status.message = 'Command exited with status 1';
    status.reason = 'REASON_COMMAND_EXECUTOR_FAILED';
  }
  return { type: 'UPDATE', update: { status } } as unknown as Event;
}

/**
 * `count` events as JSON texts: about 20% OFFERS (1-8 agents each), 75% UPDATE, 5% HEARTBEAT, in a seeded order.
 */
export function eventStream(count: number, random: () => number): string[] {
  const out: string[] = [];
  let offerSeq = 0;
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.2) {
      const n = 1 + Math.floor(random() * 8);
      const offers: Offer[] = [];
      for (let k = 0; k < n; k++) offers.push(offerOf(offerSeq++, Math.floor(random() * 250)));
      out.push(JSON.stringify({ type: 'OFFERS', offers: { offers } }));
    } else if (r < 0.95) {
      out.push(JSON.stringify(updateOf(i, random)));
    } else {
      out.push('{"type":"HEARTBEAT"}');
    }
  }
  return out;
}
