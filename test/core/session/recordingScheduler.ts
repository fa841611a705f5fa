// A scheduler client for session tests that records every call the session makes and lets the test play the master:
// SUBSCRIBED, OFFERS, UPDATEs (with or without a uuid), disconnections.
import { EventEmitter } from 'node:events';
import type { SchedulerApi } from '../../../src/core/session/FlinkSession';
import type { SchedulerClientEvents } from '../../../src/core/mesos/SchedulerClient';
import type { Filters, InverseOffer, Offer, Operation, TaskInfo, TaskState, TaskStatus } from '../../../src/core/mesos/types';

export type RecordedCall =
  | { type: 'ACCEPT'; at: number; offerIds: string[]; operations: Operation[]; filters?: Filters }
  | { type: 'DECLINE'; at: number; offerIds: string[]; filters?: Filters }
  | { type: 'KILL'; at: number; taskId: string; agentId?: string }
  | { type: 'ACKNOWLEDGE'; at: number; taskId: string; uuid?: string }
  | { type: 'RECONCILE'; at: number; tasks: { taskId: string; agentId?: string }[] }
  | { type: 'REVIVE'; at: number; roles?: string[] }
  | { type: 'SUPPRESS'; at: number; roles?: string[] }
  | { type: 'TEARDOWN'; at: number }
  | { type: 'ACCEPT_INVERSE_OFFERS'; at: number; ids: string[]; filters?: Filters }
  | { type: 'DECLINE_INVERSE_OFFERS'; at: number; ids: string[]; filters?: Filters };

export const FRAMEWORK_ID = 'fw-scripted-0001';
export const LEADER = 'http://127.0.0.1:5050';

let uuidSeq = 0;

export class RecordingScheduler extends EventEmitter<SchedulerClientEvents> {
  state: SchedulerApi['state'] = 'disconnected';
  frameworkId: string | undefined = undefined;
  leaderUrl: string | undefined = undefined;
  readonly calls: RecordedCall[] = [];

  start(): void { this.state = 'connecting'; }
  async close(): Promise<void> { this.state = 'closed'; }
  async accept(offerIds: string[], operations: Operation[], filters?: Filters): Promise<void> {
    this.calls.push({ type: 'ACCEPT', at: Date.now(), offerIds, operations, filters });
  }
  async decline(offerIds: string[], filters?: Filters): Promise<void> {
    this.calls.push({ type: 'DECLINE', at: Date.now(), offerIds, filters });
  }
  async answerInverseOffers(accept: boolean, ids: string[], filters?: Filters): Promise<void> {
    this.calls.push(accept ? { type: 'ACCEPT_INVERSE_OFFERS', at: Date.now(), ids, filters } : { type: 'DECLINE_INVERSE_OFFERS', at: Date.now(), ids, filters });
  }
  async kill(taskId: string, agentId?: string): Promise<void> {
    this.calls.push({ type: 'KILL', at: Date.now(), taskId, agentId });
  }
  async acknowledge(status: TaskStatus): Promise<void> {
    this.calls.push({ type: 'ACKNOWLEDGE', at: Date.now(), taskId: status.task_id.value, uuid: status.uuid });
  }
  async reconcile(tasks: { taskId: string; agentId?: string }[]): Promise<void> {
    this.calls.push({ type: 'RECONCILE', at: Date.now(), tasks });
  }
  async revive(roles?: string[]): Promise<void> { this.calls.push({ type: 'REVIVE', at: Date.now(), roles }); }
  async suppress(roles?: string[]): Promise<void> { this.calls.push({ type: 'SUPPRESS', at: Date.now(), roles }); }
  async teardown(): Promise<void> {
    this.calls.push({ type: 'TEARDOWN', at: Date.now() });
    this.state = 'closed';
  }

  /** The master accepted the subscription (again, after a disconnection, keeps the id). */
  subscribe(): void {
    this.frameworkId = FRAMEWORK_ID;
    this.leaderUrl = LEADER;
    this.state = 'subscribed';
    this.emit('connectionState', 'subscribed', {});
    this.emit('subscribed', { frameworkId: FRAMEWORK_ID, heartbeatIntervalSeconds: 15, leaderUrl: LEADER });
  }

  disconnect(): void {
    this.state = 'connecting';
    this.emit('connectionState', 'disconnected', { reason: 'stream ended', retryInMs: 10 });
  }

  offers(offers: Offer[]): void { this.emit('offers', offers); }

  /** INVERSE_OFFERS for an agent whose machine goes into maintenance at `start` (epoch ms) for `durationMs`; the offer's id. */
  inverseOffer(agentId: string, start: number, durationMs = 60000, hostname = `${agentId}.example`): string {
    const io: InverseOffer = {
      id: { value: `inverse-${++uuidSeq}` }, url: { scheme: 'http', address: { hostname, ip: '10.0.0.1', port: 5051 } },
      framework_id: { value: FRAMEWORK_ID }, agent_id: { value: agentId },
      unavailability: { start: { nanoseconds: start * 1e6 }, duration: { nanoseconds: durationMs * 1e6 } },
    };
    this.emit('inverseOffers', [io]);
    return io.id.value;
  }

  /** An update from the agent (with a uuid: to acknowledge) or, with uuid false, from the master or a reconciliation. */
  update(taskId: string, state: TaskState, opts: { agentId?: string; uuid?: boolean | string; message?: string; reason?: string } = {}): TaskStatus {
    const status: TaskStatus = { task_id: { value: taskId }, state, source: opts.uuid === false ? 'SOURCE_MASTER' : 'SOURCE_EXECUTOR' };
    if (opts.agentId) status.agent_id = { value: opts.agentId };
    if (opts.message) status.message = opts.message;
    if (opts.reason) status.reason = opts.reason;
    if (opts.uuid !== false) status.uuid = typeof opts.uuid === 'string' ? opts.uuid : Buffer.from(`uuid-${++uuidSeq}`).toString('base64');
    this.emit('update', status);
    return status;
  }

  of<T extends RecordedCall['type']>(type: T): Extract<RecordedCall, { type: T }>[] {
    return this.calls.filter((c): c is Extract<RecordedCall, { type: T }> => c.type === type);
  }

  /** Every task launched so far, in order. */
  launched(): TaskInfo[] {
    return this.of('ACCEPT').flatMap((a) => a.operations.flatMap((op) => op.launch?.task_infos ?? []));
  }
}

/** Lets the session's serial chain and timers run. */
export function settle(ms = 5): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until cond() holds (polling), or fails naming what was awaited. */
export async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await settle(2);
  }
}
