// What the driving client does for the others: scale and stop (and, through the same table, savepoints and upgrades later).
// serveSessionControl() opens the channel for one FlinkSession and closes it when the session ends or is detached.
import { silentLogger, type Logger } from '../log';
import type { FlinkSession, SessionSnapshot } from './FlinkSession';
import { SessionControlServer, sendControlRequest, type ControlHandlers, type ControlRequestOptions } from './sessionControlChannel';

/** What a scale request answers. */
export interface ControlScaleResult { removed: string[]; reached: boolean; snapshot: ControlSessionSummary }
/** What a stop request answers. */
export interface ControlStopResult { leftTasks: string[]; verified: boolean; phase: string; reason?: string; frameworkId?: string }

export interface ControlSessionSummary {
  name: string; phase: string; reason?: string; frameworkId?: string; jobManagerUrl?: string;
  taskManagers: { wanted: number | null; launched: number; running: number; registered: number };
}

function summary(s: SessionSnapshot): ControlSessionSummary {
  return { name: s.name, phase: s.phase, reason: s.reason, frameworkId: s.frameworkId, jobManagerUrl: s.jobManagerUrl, taskManagers: s.progress };
}

export function sessionControlHandlers(session: FlinkSession): ControlHandlers {
  return {
    status: async () => summary(session.snapshot()),
    scale: async (args) => {
      const count = Number(args.count);
      const { killed } = await session.scale(count);
      let reached = false;
      const waitMs = Number(args.waitMs ?? 0);
      if (waitMs > 0) {
        await session.waitFor((s) => s.taskManagers.length === count && s.progress.registered === count, waitMs, `scaling to ${count}`);
        reached = true;
      }
      return { removed: killed, reached, snapshot: summary(session.snapshot()) } satisfies ControlScaleResult;
    },
    stop: async () => {
      const r = await session.stop();
      const s = session.snapshot();
      return { leftTasks: r.leftTasks, verified: r.verified, phase: s.phase, reason: s.reason, frameworkId: s.frameworkId } satisfies ControlStopResult;
    },
  };
}

/** Takes requests for `session` until it ends or detaches; resolves once the channel listens (undefined when it could not open). */
export async function serveSessionControl(session: FlinkSession, storeDir: string, log: Logger = silentLogger): Promise<SessionControlServer | undefined> {
  try {
    const server = await SessionControlServer.open(storeDir, session.name, sessionControlHandlers(session), { log });
    void session.whenEnded().then(() => server.close());
    return server;
  } catch (err) {
    // The session runs on; only the other clients cannot steer it.
    log.warn(`session ${session.name}: other clients cannot send requests to this one: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** The requester's side of scale. waitMs > 0: the answer comes once the TaskManagers are there (or the wait failed). */
export function requestScale(storeDir: string, name: string, count: number, waitMs: number, options: ControlRequestOptions = {}): Promise<ControlScaleResult> {
  return sendControlRequest(storeDir, name, 'scale', { count, waitMs }, { timeoutMs: waitMs + 30000, ...options }) as Promise<ControlScaleResult>;
}

export function requestStop(storeDir: string, name: string, options: ControlRequestOptions = {}): Promise<ControlStopResult> {
  return sendControlRequest(storeDir, name, 'stop', {}, { timeoutMs: 120000, ...options }) as Promise<ControlStopResult>;
}
