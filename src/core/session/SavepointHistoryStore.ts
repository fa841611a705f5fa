// The savepoint history of a session's jobs, one JSON file per session beside the session files, so that it
// survives a reload of the editor and a restart of the command line. Also remembers what each job was
// submitted from (jar, entry class, arguments), which an upgrade needs to roll back.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type SavepointKind = 'savepoint' | 'stop-with-savepoint' | 'checkpoint';

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
}

const MAX_ENTRIES = 500;

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
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, savepoints: [], jobs: [] };
      throw new Error(`The savepoint history ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Check its permissions.`);
    }
    try {
      const parsed = JSON.parse(text) as Partial<HistoryFile>;
      return { version: 1, savepoints: Array.isArray(parsed.savepoints) ? parsed.savepoints : [], jobs: Array.isArray(parsed.jobs) ? parsed.jobs : [] };
    } catch {
      throw new Error(`The savepoint history ${file} is damaged (not JSON). Move it away to start a new history; the savepoints themselves are untouched.`);
    }
  }

  private update(key: string, change: (h: HistoryFile) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const history = await this.read(key);
      change(history);
      history.savepoints = history.savepoints.slice(-MAX_ENTRIES);
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
