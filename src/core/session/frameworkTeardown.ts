// Ending the framework: TEARDOWN (sent again while refused, KILLs as the fallback), then the operator API's GET_TASKS
// until no task of ours is left or the check gives up.
import { TERMINAL_TASK_STATES } from '../mesos/types';
import type { SessionContext } from './sessionContext';
import type { OperatorApi } from './operatorTasks';
import type { SchedulerApi, StopResult } from './sessionTypes';

/** Tears the framework down and checks that nothing is left; frameworkRemoved says the master already removed it. */
export async function teardownAndVerify(ctx: SessionContext, operator: OperatorApi, frameworkRemoved: () => boolean): Promise<StopResult> {
  const { record, timings, log } = ctx;
  const scheduler = ctx.scheduler;
  const frameworkId = record.frameworkId;
  for (const t of record.tasks) t.killRequested = true;
  if (!scheduler || !frameworkId) {
    await scheduler?.close().catch(() => undefined);
    return { leftTasks: [], verified: true };
  }
  // TEARDOWN removes the framework and its tasks at once; a refusal (503 during an election, a stream being re-subscribed)
  // is usually brief, so it is sent again before falling back to KILLs, which would leave the framework registered.
  let tornDown = await tryTeardown(ctx, scheduler, 1 + timings.teardownRetries, frameworkRemoved);
  if (!tornDown) {
    log.warn(`session: the master refused TEARDOWN ${1 + timings.teardownRetries} times; killing the tasks one by one`);
    await Promise.all(record.tasks.map((t) => scheduler.kill(t.taskId, t.agentId).catch(() => undefined)));
    tornDown = await tryTeardown(ctx, scheduler, 1, frameworkRemoved);
    if (!tornDown) {
      log.warn(`session: TEARDOWN was refused again: framework ${frameworkId} stays registered until its failover timeout ` +
        `(${record.options.failoverTimeoutSeconds} s) passes, or until it is torn down from the Mesos master`);
      await scheduler.close().catch(() => undefined);
    }
  }
  const deadline = Date.now() + timings.stopVerifyTimeoutMs;
  let left: string[] = [];
  let verified = false;
  while (true) {
    try {
      left = (await operator.liveTasks(frameworkId)).map((t) => t.taskId);
      verified = true;
      if (left.length === 0) break;
    } catch (err) {
      log.debug(`session: operator GET_TASKS failed (${err instanceof Error ? err.message : String(err)})`);
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (verified && left.length === 0) markTornDown(ctx);
  return tornDown ? { leftTasks: left, verified } : { leftTasks: left, verified, frameworkLeft: true };
}

/** The master confirmed no task is left; their last updates may never come (the stream is closed), so they end here. */
function markTornDown(ctx: SessionContext): void {
  const now = Date.now();
  for (const t of ctx.record.tasks) {
    if (TERMINAL_TASK_STATES.has(t.state)) continue;
    t.state = 'TASK_KILLED';
    t.message = 'Torn down with the session';
    t.updatedAt = now;
  }
  ctx.registration.registered.clear();
}

/** Sends TEARDOWN up to `attempts` times (each waits for the subscription); true once the master took it. */
async function tryTeardown(ctx: SessionContext, scheduler: SchedulerApi, attempts: number, frameworkRemoved: () => boolean): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await scheduler.teardown();
      return true;
    } catch (err) {
      if (frameworkRemoved()) return true;
      const last = attempt === attempts || scheduler.state === 'closed';
      ctx.log.warn(`session: TEARDOWN failed (${err instanceof Error ? err.message : String(err)})${last ? '' : `; sending it again in ${ctx.timings.teardownRetryMs} ms`}`);
      if (last) return false;
      await new Promise((r) => setTimeout(r, ctx.timings.teardownRetryMs));
    }
  }
  return false;
}
