// The savepoint history of a session's jobs, one JSON file per session beside the session files, so that it
// survives a reload of the editor and a restart of the command line. Also remembers what each job was
// submitted from (jar, entry class, arguments), which an upgrade needs to roll back, and the periodic savepoint
// schedules, which the process that drives the session carries out (periodicSavepoints.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';

export type SavepointKind = 'savepoint' | 'stop-with-savepoint' | 'checkpoint' | 'periodic';

export interface SavepointEntry {
  jobId: string;
  jobName?: string;
  path: string;
  /** ms since the epoch. */
  at: number;
  kind: SavepointKind;
  jarPath?: string;
  entryClass?: string;
  programArgs?: string[];
  /** Periodic only: beyond the schedule's keep count, still on disk (nothing is disposed unless the schedule says so). */
  retiredAt?: number;
  /** Periodic only: disposed through the JobManager (the schedule's disposeOld); no longer a restore choice. */
  disposedAt?: number;
  disposeError?: string;
}

/** Periodic savepoints of one job: taken every intervalMs while a process drives the session. */
export interface SavepointSchedule {
  jobId: string;
  intervalMs: number;
  /** How many periodic savepoints of the job count as kept; older ones are retired (and disposed only with disposeOld). */
  keep?: number;
  /** Dispose retired periodic savepoints through the JobManager. Off unless the user asks for it. */
  disposeOld: boolean;
  targetDirectory?: string;
  /** ms since the epoch: when the schedule was set, and the last attempt. */
  since: number;
  lastAt?: number;
  lastError?: string;
}

/** How a job was started, for a resubmission (upgrade rollback, restore). */
export interface JobSubmission {
  jobId: string;
  jarPath: string;
  entryClass?: string;
  programArgs: string[];
  parallelism?: number;
  /** The savepoint or checkpoint the job started from. */
  restoredFrom?: string;
  submittedAt: number;
}

interface HistoryFile {
  version: 1;
  savepoints: SavepointEntry[];
  jobs: JobSubmission[];
  schedules: SavepointSchedule[];
}

const MAX_ENTRIES = 500;

/** The newest MAX_ENTRIES, dropping disposed savepoints (gone from disk anyway) before any that still exist. */
function trimmed(entries: SavepointEntry[]): SavepointEntry[] {
  let over = entries.length - MAX_ENTRIES;
  if (over <= 0) return entries;
  const out = entries.filter((e) => (over > 0 && e.disposedAt !== undefined ? (over--, false) : true));
  return out.slice(-MAX_ENTRIES);
}

/** The history folder for a session folder: ".../sessions" -> ".../savepoints". */
export function savepointDirFor(sessionDir: string): string {
  return path.join(path.dirname(sessionDir), 'savepoints');
}

/** A file name for a session name or a JobManager address given with -m. */
export function historyKey(sessionOrAddress: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sessionOrAddress)) return sessionOrAddress;
  return `jm-${sessionOrAddress.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}

export class SavepointHistoryStore {
  private seq = 0;
  /** Writes of this process in order: a read-modify-write never overlaps another. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${historyKey(key)}.json`);
  }

  private async read(key: string): Promise<HistoryFile> {
    const file = this.file(key);
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, savepoints: [], jobs: [], schedules: [] };
      throw new Error(`The savepoint history ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Check its permissions.`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<HistoryFile>;
      const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);
      return { version: 1, savepoints: list(parsed.savepoints), jobs: list(parsed.jobs), schedules: list(parsed.schedules) };
    } catch {
      throw new Error(`The savepoint history ${file} is damaged (not JSON). Move it away to start a new history; the savepoints themselves are untouched.`);
    }
  }

  private update(key: string, change: (h: HistoryFile) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const history = await this.read(key);
      change(history);
      history.savepoints = trimmed(history.savepoints);
      history.jobs = history.jobs.slice(-MAX_ENTRIES);
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const file = this.file(key);
      const tmp = `${file}.${process.pid}.${++this.seq}.tmp`;
      await fs.promises.writeFile(tmp, JSON.stringify(history, null, 1), { mode: 0o600 });
      await fs.promises.rename(tmp, file);
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async addSavepoint(key: string, entry: SavepointEntry): Promise<void> {
    await this.update(key, (h) => {
      if (!h.savepoints.some((s) => s.path === entry.path)) h.savepoints.push(entry);
    });
  }

  /**
   * A periodic savepoint taken: recorded, its schedule's last attempt set, and the job's periodic savepoints beyond
   * keep marked retired, in one write, so no reader sees more kept than keep. Returns the retired ones not yet disposed.
   */
  async addPeriodicSavepoint(key: string, entry: SavepointEntry, keep: number | undefined, now: number): Promise<SavepointEntry[]> {
    let beyond: SavepointEntry[] = [];
    await this.update(key, (h) => {
      if (!h.savepoints.some((s) => s.path === entry.path)) h.savepoints.push(entry);
      const s = h.schedules.find((x) => x.jobId === entry.jobId);
      if (s) Object.assign(s, { lastAt: entry.at, lastError: undefined });
      if (keep === undefined) return;
      const periodic = h.savepoints.filter((e) => e.jobId === entry.jobId && e.kind === 'periodic').sort((a, b) => b.at - a.at);
      beyond = periodic.slice(keep).filter((e) => e.disposedAt === undefined);
      for (const e of beyond) e.retiredAt ??= now;
    });
    return beyond.map((e) => ({ ...e }));
  }

  /** Marks savepoint entries (by path) retired or disposed. */
  async markSavepoints(key: string, paths: readonly string[], change: Pick<SavepointEntry, 'retiredAt' | 'disposedAt' | 'disposeError'>): Promise<void> {
    await this.update(key, (h) => {
      for (const s of h.savepoints) if (paths.includes(s.path)) Object.assign(s, change);
    });
  }

  /** Sets (or replaces) the periodic savepoint schedule of a job. */
  async setSchedule(key: string, schedule: SavepointSchedule): Promise<void> {
    await this.update(key, (h) => {
      h.schedules = [...h.schedules.filter((s) => s.jobId !== schedule.jobId), schedule];
    });
  }

  /** Removes a job's schedule; whether there was one. */
  async clearSchedule(key: string, jobId: string): Promise<boolean> {
    let had = false;
    await this.update(key, (h) => {
      had = h.schedules.some((s) => s.jobId === jobId);
      h.schedules = h.schedules.filter((s) => s.jobId !== jobId);
    });
    return had;
  }

  /** Changes a job's schedule in place (no-op when it was cleared meanwhile). */
  async patchSchedule(key: string, jobId: string, change: Partial<Omit<SavepointSchedule, 'jobId'>>): Promise<void> {
    await this.update(key, (h) => {
      const s = h.schedules.find((x) => x.jobId === jobId);
      if (s) Object.assign(s, change);
    });
  }

  /** An upgrade replaced the job: its schedule goes on for the job that runs now. */
  async moveSchedule(key: string, fromJobId: string, toJobId: string): Promise<void> {
    if (fromJobId === toJobId) return;
    await this.update(key, (h) => {
      const s = h.schedules.find((x) => x.jobId === fromJobId);
      if (!s) return;
      h.schedules = [...h.schedules.filter((x) => x.jobId !== fromJobId && x.jobId !== toJobId), { ...s, jobId: toJobId }];
    });
  }

  async schedules(key: string): Promise<SavepointSchedule[]> {
    return (await this.read(key)).schedules;
  }

  /** Every state path a recorded job was started from: never disposed, whatever a schedule says. */
  async restoredFrom(key: string): Promise<Set<string>> {
    return new Set((await this.read(key)).jobs.map((j) => j.restoredFrom).filter((p): p is string => !!p));
  }

  async recordSubmission(key: string, job: JobSubmission): Promise<void> {
    await this.update(key, (h) => {
      h.jobs = h.jobs.filter((j) => j.jobId !== job.jobId);
      h.jobs.push(job);
    });
  }

  /** Newest first; of one job when jobId is given. */
  async savepoints(key: string, jobId?: string): Promise<SavepointEntry[]> {
    const h = await this.read(key);
    return h.savepoints.filter((s) => !jobId || s.jobId === jobId).sort((a, b) => b.at - a.at);
  }

  async submission(key: string, jobId: string): Promise<JobSubmission | undefined> {
    return (await this.read(key)).jobs.find((j) => j.jobId === jobId);
  }

  /** The keys (sessions, addresses) that have a history. */
  async keys(): Promise<string[]> {
    try {
      return (await fs.promises.readdir(this.dir)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
    } catch {
      return [];
    }
  }
}
