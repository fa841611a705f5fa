import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSessionStore, defaultSessionDir } from '../core/session/SessionStore';
import type { Logger } from '../core/log';

/**
 * Where the extension keeps its sessions: the command line's store (~/.flink-mesos/sessions, or $FLINK_MESOS_HOME/sessions),
 * so that a window sees the sessions a terminal started and the other way round, and each can ask the one that drives a
 * session to scale or stop it. Files (not a Memento) because every window and terminal must see the owner lease at once.
 */
export function sharedSessionDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultSessionDir(env);
}

export class SharedSessionStore extends FileSessionStore {
  constructor(dir = sharedSessionDir()) {
    super(dir);
  }
}

/** Moves sessions an older version kept under the extension's global storage into the shared store (never over one there). */
export async function adoptLegacySessions(globalStoragePath: string, dir: string, log: Logger): Promise<void> {
  const legacy = path.join(globalStoragePath, 'sessions');
  const files = await fs.promises.readdir(legacy).catch(() => [] as string[]);
  for (const f of files.filter(n => n.endsWith('.json'))) {
    const target = path.join(dir, f);
    try {
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      if (fs.existsSync(target)) continue;
      await fs.promises.copyFile(path.join(legacy, f), target, fs.constants.COPYFILE_EXCL);
      await fs.promises.chmod(target, 0o600);
      await fs.promises.rm(path.join(legacy, f), { force: true });
      log.info(`Session ${f.slice(0, -5)} moved to the shared session store ${dir}.`);
    } catch (err) {
      log.warn(`Moving the saved session ${f} to ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
