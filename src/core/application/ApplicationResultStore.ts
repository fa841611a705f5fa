// The final result of each application, kept after its cluster is torn down (the session record is cleared then):
// one JSON file per application in applications/ beside the saved sessions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobExceptionInfo } from '../flink/JobWatcher';

export type ApplicationOutcome = 'succeeded' | 'failed' | 'canceled' | 'stopped';

export interface ApplicationResult {
  version: 1;
  name: string;
  outcome: ApplicationOutcome;
  /** The job's last state as Flink reported it (FINISHED, FAILED, CANCELED), when the job was seen. */
  jobState?: string;
  jobId?: string;
  jobName?: string;
  /** Why the application ended, in one sentence (the cluster's failure when the job never ran). */
  reason?: string;
  rootException?: JobExceptionInfo;
  /** The savepoint written by stop --savepoint. */
  savepoint?: string;
  jar: string;
  entryClass?: string;
  frameworkId?: string;
  startedAt: number;
  endedAt: number;
  /** Tasks the master still listed after the teardown (empty when clean). */
  leftTasks: string[];
}

export interface ApplicationResultStore {
  load(name: string): Promise<ApplicationResult | undefined>;
  save(result: ApplicationResult): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<ApplicationResult[]>;
}

export class FileApplicationResultStore implements ApplicationResultStore {
  readonly dir: string;
  constructor(sessionDir: string) {
    this.dir = path.join(sessionDir, 'applications');
  }

  private file(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`"${name}" is not a valid application name.`);
    return path.join(this.dir, `${name}.json`);
  }

  async load(name: string): Promise<ApplicationResult | undefined> {
    try {
      const r = JSON.parse(await fs.promises.readFile(this.file(name), 'utf8')) as ApplicationResult;
      return r.version === 1 && r.name === name ? r : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`The application result ${this.file(name)} cannot be read (${e instanceof Error ? e.message : String(e)}). Delete the file.`);
    }
  }

  async save(result: ApplicationResult): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(result.name);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, JSON.stringify(result, null, 1), { mode: 0o600 });
    await fs.promises.rename(tmp, file);
  }

  async delete(name: string): Promise<void> {
    await fs.promises.rm(this.file(name), { force: true });
  }

  async list(): Promise<ApplicationResult[]> {
    let names: string[];
    try { names = await fs.promises.readdir(this.dir); } catch { return []; }
    const out: ApplicationResult[] = [];
    for (const n of names.sort()) {
      if (!n.endsWith('.json')) continue;
      const r = await this.load(n.slice(0, -5)).catch(() => undefined);
      if (r) out.push(r);
    }
    return out;
  }
}

export class MemoryApplicationResultStore implements ApplicationResultStore {
  private readonly results = new Map<string, ApplicationResult>();
  async load(name: string): Promise<ApplicationResult | undefined> { return this.results.get(name); }
  async save(result: ApplicationResult): Promise<void> { this.results.set(result.name, JSON.parse(JSON.stringify(result)) as ApplicationResult); }
  async delete(name: string): Promise<void> { this.results.delete(name); }
  async list(): Promise<ApplicationResult[]> { return [...this.results.values()]; }
}
