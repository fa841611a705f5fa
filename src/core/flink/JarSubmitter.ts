// Submits a local jar to a JobManager: inspect, check slots and size, upload once (deduplicated), run or plan,
// and upload again once if the JobManager lost the jar (it keeps uploads in a temporary folder).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { FlinkRestClient, parseFlinkVersion } from './FlinkRestClient';
import { FlinkRestError } from './FlinkRestError';
import type { JarPlanRequest, JarRunRequest, JobPlan } from './flinkRestTypes';
import type { JarInfo } from './jarInspector';
import { checkEntryClass, inspectJar } from './jarInspector';
import type { UploadProgress } from './jarUpload';
import { hashFile, sendPathHash } from './jarHash';
import { splitProgramArgs } from './programArgs';

export type JarSubmitErrorKind = 'slots' | 'badOption';

export class JarSubmitError extends Error {
  constructor(message: string, readonly kind: JarSubmitErrorKind, readonly fix: string) {
    super(message);
    this.name = 'JarSubmitError';
  }
}

/**
 * Remembers which jar id a file got on a JobManager, with the file's ctime when it was sent (and the SHA-256 of the bytes
 * sent, when they were hashed), as an opaque string per key.
 * Inject a persistent one (e.g. VS Code state) to survive restarts.
 */
export interface JarUploadStore {
  get(key: string): string | undefined | Promise<string | undefined>;
  set(key: string, record: string): void | Promise<void>;
  delete(key: string): void | Promise<void>;
}

/** A small in-memory store, least recently used entries dropped first. */
export class MemoryJarUploadStore implements JarUploadStore {
  private readonly entries = new Map<string, string>();
  constructor(private readonly capacity = 64) {}
  get(key: string): string | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }
  set(key: string, record: string): void {
    this.entries.delete(key);
    this.entries.set(key, record);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** Shared by every submitter of the process unless one is injected. */
export const processJarUploadStore = new MemoryJarUploadStore();

export interface JarFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** What stat says of a jar: the cheap part of its identity, checked before any byte is read. */
interface JarFileStat {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/**
 * What the store keeps per file and JobManager. ctimeMs: the file's status-change time when it was sent; every write
 * moves it and no user call sets it back, so an equal ctime (with the key's path, size, mtime, inode) is the very file
 * sent. sha256 only when the upload hashed (a file whose ctime had moved): then equal contents dedupe too.
 */
interface UploadRecord {
  jarId: string;
  ctimeMs?: number;
  sha256?: string;
}

async function statJar(jarPath: string): Promise<JarFileStat> {
  const absolute = path.resolve(jarPath);
  const stat = await fs.promises.stat(absolute);
  return { path: absolute, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino };
}

const hashMemo = new Map<string, string>();

function memoKey(f: JarFileStat): string {
  return `${f.path}|${f.size}|${f.mtimeMs}|${f.ctimeMs}|${f.ino}`;
}

function rememberHash(f: JarFileStat, sha256: string): void {
  if (hashMemo.size > 256) hashMemo.clear();
  hashMemo.set(memoKey(f), sha256);
}

/** Streamed SHA-256 of the jar (reused while the file is untouched). */
async function hashJar(f: JarFileStat): Promise<string> {
  let sha256 = hashMemo.get(memoKey(f));
  if (!sha256) {
    sha256 = await hashFile(f.path);
    rememberHash(f, sha256);
  }
  return sha256;
}

/** Path, size, modification time and a streamed SHA-256 of the jar (hash reused while the file is untouched). */
export async function fingerprintJar(jarPath: string): Promise<JarFingerprint> {
  const f = await statJar(jarPath);
  return { path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: await hashJar(f) };
}

function parseRecord(text: string | undefined): UploadRecord | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as Partial<UploadRecord>;
    const ctimeMs = typeof r.ctimeMs === 'number' ? r.ctimeMs : undefined;
    const sha256 = typeof r.sha256 === 'string' ? r.sha256 : undefined;
    return typeof r.jarId === 'string' && (ctimeMs !== undefined || sha256 !== undefined) ? { jarId: r.jarId, ctimeMs, sha256 } : undefined;
  } catch {
    return undefined; // a record of another format: treat the file as not uploaded
  }
}

export interface JarSubmitterOptions {
  /** Where uploaded jar ids are remembered. Default: processJarUploadStore. */
  store?: JarUploadStore;
  /** The session's parallelism; otherwise the JobManager's parallelism.default. */
  defaultParallelism?: number;
  log?: Logger;
}

export interface UploadJarOptions {
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /** Upload even if the JobManager already has this file. */
  force?: boolean;
}

export interface RunJarOptions extends UploadJarOptions {
  entryClass?: string;
  /** One string split with shell-like quoting, or the arguments already split. */
  programArgs?: string | readonly string[];
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  /** Who owns the restored snapshot's files (Flink 1.15+; sent as claimMode from 2.0, restoreMode before). */
  restoreMode?: 'CLAIM' | 'NO_CLAIM';
  /** Skip the free-slot check (e.g. the session is about to scale up). */
  skipSlotCheck?: boolean;
  /**
   * What too few free slots do: `refuse` (one of our sessions: its TaskManagers are all there is) or `warn` (a JobManager
   * that is not ours, e.g. a YARN or Kubernetes session, may start TaskManagers when a job asks: submit anyway and say so).
   */
  slotShortage?: 'refuse' | 'warn';
}

export type PlanJarOptions = Omit<RunJarOptions, 'savepointPath' | 'allowNonRestoredState' | 'skipSlotCheck' | 'restoreMode'>;

/** Whether a JobManager of this version takes a restore (claim) mode, and under which field name. */
export function restoreModeField(version: string | undefined): 'claimMode' | 'restoreMode' | undefined {
  const [major, minor] = parseFlinkVersion(version);
  if (major >= 2) return 'claimMode';
  if (major === 1 && minor >= 15) return 'restoreMode';
  return undefined;
}

export interface UploadResult {
  jarId: string;
  /** False when the JobManager already had this very file and nothing was sent. */
  uploaded: boolean;
}

export interface SubmitResult {
  jobId: string;
  jarId: string;
  /** The class Flink runs (given, or from the manifest). */
  entryClass: string;
  parallelism: number;
  programArgs: string[];
  /** True when the jar had to be uploaded again because the JobManager had lost it. */
  reuploaded: boolean;
  jar: JarInfo;
  /** Set when the job was submitted although the JobManager showed too few free slots (slotShortage: 'warn'). */
  slotWarning?: string;
}

export interface SlotAvailability {
  taskManagers: number;
  slotsTotal: number;
  slotsAvailable: number;
}

export class JarSubmitter {
  private readonly store: JarUploadStore;
  private readonly log: Logger;
  private readonly inFlight = new Map<string, Promise<UploadResult>>();

  constructor(readonly client: FlinkRestClient, private readonly options: JarSubmitterOptions = {}) {
    this.store = options.store ?? processJarUploadStore;
    this.log = options.log ?? silentLogger;
  }

  /** Inspects the jar and checks the entry class locally, before anything is sent. */
  async prepare(jarPath: string, entryClass?: string): Promise<{ jar: JarInfo; entryClass: string }> {
    const jar = await inspectJar(jarPath);
    return { jar, entryClass: await checkEntryClass(jar, entryClass) };
  }

  /**
   * Uploads the jar unless this JobManager already has this very file: same path, size, mtime and inode, and then the
   * same ctime (untouched since sent: nothing is read) or, when that moved, the same SHA-256. A file is hashed only when
   * such a candidate exists: before sending when the record has a hash, and in the upload's own read to remember one.
   */
  async upload(jarPath: string, options: UploadJarOptions = {}): Promise<UploadResult> {
    let file: JarFileStat;
    try {
      file = await statJar(jarPath);
    } catch (err) {
      throw new Error(`Cannot read the jar ${jarPath}: ${(err as Error).message}. Check the path.`);
    }
    const key = this.storeKey(file);
    const pending = this.inFlight.get(key);
    if (pending && !options.force) return pending;
    const work = this.uploadOnce(file, key, options).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /** Checks that enough slots are free for the parallelism; throws a JarSubmitError saying how many are missing. */
  async checkSlots(parallelism: number): Promise<SlotAvailability> {
    const overview = await this.client.overview();
    const slots: SlotAvailability = {
      taskManagers: overview.taskmanagers ?? 0,
      slotsTotal: overview['slots-total'] ?? 0,
      slotsAvailable: overview['slots-available'] ?? 0,
    };
    if (slots.slotsAvailable >= parallelism) return slots;
    const tm = `${slots.taskManagers} TaskManager${slots.taskManagers === 1 ? '' : 's'}`;
    const fix =
      slots.taskManagers === 0
        ? 'wait until the session\'s TaskManagers have registered, or scale the session up'
        : 'scale the session up (more TaskManagers or taskmanager.numberOfTaskSlots), lower the parallelism (-p), or wait for running jobs to finish';
    throw new JarSubmitError(
      `Not enough free slots: the job needs ${parallelism} slot${parallelism === 1 ? '' : 's'}, ${slots.slotsAvailable} free on ${tm} ` +
        `(${slots.slotsTotal} in total) at ${this.client.baseUrl}. Without them it would wait for resources and fail. To run it, ${fix}.`,
      'slots',
      fix,
    );
  }

  /** The slot check of a run: throws when refusing, returns the warning when only warning. */
  private async slotCheck(parallelism: number, shortage: 'refuse' | 'warn'): Promise<string | undefined> {
    if (shortage === 'refuse') {
      await this.checkSlots(parallelism);
      return undefined;
    }
    try {
      await this.checkSlots(parallelism);
      return undefined;
    } catch (err) {
      if (!(err instanceof JarSubmitError)) return undefined;
      const warning = `${err.message.replace(/ Without them.*$/, '')} Submitted anyway: this JobManager is not a session of ours, and one that starts ` +
        'TaskManagers on demand (YARN, Kubernetes) shows its slots only once a job asks. If none come, Flink fails the job after slot.request.timeout.';
      this.log.warn(warning);
      return warning;
    }
  }

  /** Uploads if needed and runs the jar; a jar the JobManager lost is uploaded again and run once more. */
  async run(jarPath: string, options: RunJarOptions = {}): Promise<SubmitResult> {
    const programArgs = toArgList(options.programArgs);
    const { jar, entryClass } = await this.prepare(jarPath, options.entryClass);
    const parallelism = await this.resolveParallelism(options.parallelism);
    const slotWarning = options.skipSlotCheck ? undefined : await this.slotCheck(parallelism, options.slotShortage ?? 'refuse');
    const request: JarRunRequest = { parallelism };
    if (options.entryClass) request.entryClass = options.entryClass;
    if (programArgs.length > 0) request.programArgsList = programArgs;
    if (options.savepointPath) request.savepointPath = options.savepointPath;
    if (options.allowNonRestoredState) request.allowNonRestoredState = true;
    if (options.savepointPath && options.restoreMode) {
      const version = await this.client.flinkVersion().catch(() => undefined);
      const field = restoreModeField(version);
      if (!field) {
        throw new JarSubmitError(`The JobManager runs Flink ${version ?? 'of an unknown version'}, which has no restore mode (it came with 1.15). Submit without one.`, 'badOption', 'submit without a restore mode');
      }
      request[field] = options.restoreMode;
    }
    const { jarId, answer, reuploaded } = await this.withJar(jarPath, options, (id) => this.client.runJar(id, request));
    this.log.info(`Job ${answer.jobid} submitted from ${jar.path} (jar ${jarId}, ${entryClass}, parallelism ${parallelism}) to ${this.client.baseUrl}`);
    return { jobId: answer.jobid, jarId, entryClass, parallelism, programArgs, reuploaded, jar, slotWarning };
  }

  /** The job graph the jar would run, without running it. */
  async plan(jarPath: string, options: PlanJarOptions = {}): Promise<JobPlan> {
    const programArgs = toArgList(options.programArgs);
    await this.prepare(jarPath, options.entryClass);
    const parallelism = await this.resolveParallelism(options.parallelism);
    const request: JarPlanRequest = { parallelism };
    if (options.entryClass) request.entryClass = options.entryClass;
    if (programArgs.length > 0) request.programArgsList = programArgs;
    const { answer } = await this.withJar(jarPath, options, (id) => this.client.planJar(id, request));
    return answer;
  }

  /** The parallelism to send: the given one, the session's, or the JobManager's parallelism.default. */
  async resolveParallelism(parallelism?: number): Promise<number> {
    const p = parallelism ?? this.options.defaultParallelism;
    if (p !== undefined) {
      if (!Number.isInteger(p) || p < 1) {
        throw new JarSubmitError(`The parallelism must be a whole number of at least 1, not ${p}. Give e.g. -p 2.`, 'badOption', 'give a positive parallelism');
      }
      return p;
    }
    const config = await this.client.jobManagerConfigMap().catch(() => new Map<string, string>());
    const fromConfig = Number(config.get('parallelism.default'));
    return Number.isInteger(fromConfig) && fromConfig >= 1 ? fromConfig : 1;
  }

  private async withJar<T>(jarPath: string, options: UploadJarOptions, call: (jarId: string) => Promise<T>): Promise<{ jarId: string; answer: T; reuploaded: boolean }> {
    const { jarId } = await this.upload(jarPath, options);
    try {
      return { jarId, answer: await call(jarId), reuploaded: false };
    } catch (err) {
      if (!(err instanceof FlinkRestError) || !err.isJarMissing) throw err;
      this.log.info(`The JobManager at ${this.client.baseUrl} lost jar ${jarId} (restarted?); uploading ${jarPath} again.`);
      const again = await this.upload(jarPath, { ...options, force: true });
      return { jarId: again.jarId, answer: await call(again.jarId), reuploaded: true };
    }
  }

  private storeKey(f: JarFileStat): string {
    return `${this.client.baseUrl}|${f.path}|${f.size}|${f.mtimeMs}|${f.ino}`;
  }

  private async uploadOnce(file: JarFileStat, key: string, options: UploadJarOptions): Promise<UploadResult> {
    let candidate = false;
    if (!options.force) {
      const known = parseRecord(await this.store.get(key));
      if (known) {
        candidate = true;
        if (await this.sameFile(file, known)) {
          const jars = await this.client.jars();
          if (jars.files.some((f) => f.id === known.jarId)) {
            this.log.debug(`${file.path} is already on ${this.client.baseUrl} as ${known.jarId}; not uploading it again.`);
            options.onProgress?.({ sentBytes: file.size, totalBytes: file.size });
            return { jarId: known.jarId, uploaded: false };
          }
        }
        await this.store.delete(key);
      }
    }
    // No size check before sending: Flink 1.13 to 2.3 stream a multipart upload to disk past rest.server.max-content-length
    // (recorded in test/fixtures/flink-rest/<version>/*-upload-too-large.json); a JobManager's own 413 is mapped by uploadJar.
    // Hashed only for a candidate, and then in the send path (the upload's own read): the usual upload reads once, hashes nothing.
    const hashedBefore = candidate ? hashMemo.get(memoKey(file)) : undefined;
    const hashing = candidate && !hashedBefore ? sendPathHash() : undefined;
    const { jarId } = await this.client.uploadJar(file.path, { onProgress: options.onProgress, onChunk: hashing?.onChunk, signal: options.signal });
    // The record describes the bytes sent only if the file did not change meanwhile; otherwise nothing is remembered.
    const after = await statJar(file.path).catch(() => undefined);
    if (!after || memoKey(after) !== memoKey(file)) {
      this.log.debug(`${file.path} changed while it was uploaded; it will be uploaded again next time.`);
      return { jarId, uploaded: true };
    }
    const sha256 = hashing?.digest() ?? hashedBefore;
    if (sha256) rememberHash(file, sha256);
    await this.store.set(key, JSON.stringify({ jarId, ctimeMs: file.ctimeMs, sha256 } satisfies UploadRecord));
    return { jarId, uploaded: true };
  }

  /** The file is the one the record was made for: untouched since (same ctime), or else the same contents (by hash). */
  private async sameFile(file: JarFileStat, known: UploadRecord): Promise<boolean> {
    if (known.ctimeMs !== undefined && known.ctimeMs === file.ctimeMs) return true;
    return known.sha256 !== undefined && (await hashJar(file)) === known.sha256;
  }
}

function toArgList(args: string | readonly string[] | undefined): string[] {
  if (args === undefined) return [];
  return typeof args === 'string' ? splitProgramArgs(args) : [...args];
}

