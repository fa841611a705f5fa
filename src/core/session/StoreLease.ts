// The store lease: one client at a time drives a saved session, proven by an owner heartbeat in its record; and the
// record's writes, one at a time and in order, so a save can never land after the delete.
import * as os from 'os';
import { randomUUID } from 'crypto';
import type { Logger } from '../log';
import { copyRecord, ownerIsAlive, type SessionRecord, type SessionStore } from './SessionStore';
import { SessionConflictError } from './sessionErrors';
import { END_PHASES } from './sessionContext';
import type { SessionTimings } from './sessionTypes';

export class StoreLease {
  readonly ownerId = randomUUID();
  private lastBeat = 0;
  /** Every store write (save or delete) runs in this order, one at a time: a save can never land after the delete. */
  private storeQueue: Promise<void> = Promise.resolve();
  /** A save queued but not started yet: later changes ride along with it. */
  private savePending?: Promise<void>;

  constructor(
    private readonly store: SessionStore,
    private readonly record: () => SessionRecord,
    private readonly timings: SessionTimings,
    private readonly log: Logger,
  ) {}

  /** Refuses a saved session that another client still drives (its heartbeat is fresh). */
  checkFree(saved: SessionRecord | undefined): void {
    if (saved?.owner && ownerIsAlive(saved.owner, this.ownerId, Date.now(), this.timings.leaseStaleMs)) {
      throw new SessionConflictError(saved.name, saved.owner);
    }
  }

  claim(): void {
    this.record().owner = { id: this.ownerId, pid: process.pid, host: os.hostname(), heartbeatAt: Date.now() };
    this.lastBeat = Date.now();
  }

  /** Writes the owner heartbeat when one is due. */
  beat(now: number): void {
    if (now - this.lastBeat < this.timings.leaseHeartbeatMs) return;
    this.lastBeat = now;
    const record = this.record();
    if (record.owner) record.owner.heartbeatAt = now;
    void this.persist();
  }

  /** Saves the record; calls made before the queued save starts coalesce into one write of the latest state. */
  persist(): Promise<void> {
    const record = this.record();
    record.updatedAt = Date.now();
    if (END_PHASES.has(record.phase)) return this.storeQueue;
    if (this.savePending) return this.savePending;
    const pending = this.writeStore(async () => {
      // Updates already read from the stream join this save: one save per event-loop turn, not one per update (a save
      // copies every task, and 10,000 TaskManagers send 20,000 updates while starting).
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.savePending = undefined;
      const now = this.record();
      // Ended while queued: the record is cleared (or handed over) by finish(), never written again.
      if (END_PHASES.has(now.phase)) return;
      const snapshot = copyRecord(now);
      await this.store.save(snapshot).catch((err) => this.log.error(`session: saving the session failed: ${err instanceof Error ? err.message : String(err)}`));
    });
    this.savePending = pending;
    return pending;
  }

  /** Deletes the saved record after every write queued before it. */
  clear(name: string): Promise<void> {
    return this.writeStore(() => this.store.delete(name).catch((err) => this.log.error(`session: clearing the saved session failed: ${err instanceof Error ? err.message : String(err)}`)));
  }

  /** Settles once every write queued so far is done. */
  written(): Promise<void> {
    return this.storeQueue;
  }

  /** Runs one store write after every write queued before it. */
  private writeStore(write: () => Promise<void>): Promise<void> {
    const done = this.storeQueue.then(write);
    this.storeQueue = done.catch(() => undefined);
    return done;
  }
}
