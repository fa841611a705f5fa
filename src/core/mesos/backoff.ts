// Exponential backoff with a cap and jitter, for re-subscribing and retrying masters.

export interface BackoffOptions {
  initialMs?: number;   // default 500
  maxMs?: number;       // default 15000
  factor?: number;      // default 2
  /** Fraction of the delay that is randomised: 0.2 gives delays in [0.8 d, 1.2 d], still capped at maxMs. */
  jitter?: number;      // default 0.2
  random?: () => number; // injectable for tests
  now?: () => number;    // injectable for tests
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private attempt = 0;
  private firstFailureAt: number | undefined;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 15000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.2;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    if (!(this.initialMs > 0)) throw new RangeError(`backoff initial delay must be > 0 ms, got ${this.initialMs}`);
    if (!(this.maxMs >= this.initialMs)) throw new RangeError(`backoff cap (${this.maxMs} ms) must be >= the initial delay (${this.initialMs} ms)`);
    if (!(this.factor >= 1)) throw new RangeError(`backoff factor must be >= 1, got ${this.factor}`);
    if (!(this.jitter >= 0 && this.jitter < 1)) throw new RangeError(`backoff jitter must be in [0, 1), got ${this.jitter}`);
  }

  /** Failures since the last reset. */
  get attempts(): number { return this.attempt; }

  /** Milliseconds since the first failure after the last reset (0 when none). */
  get failingForMs(): number { return this.firstFailureAt === undefined ? 0 : this.now() - this.firstFailureAt; }

  /** The delay before the next try. */
  next(): number {
    if (this.firstFailureAt === undefined) this.firstFailureAt = this.now();
    const base = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
    this.attempt++;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.min(this.maxMs, Math.round(base + spread)));
  }

  reset(): void {
    this.attempt = 0;
    this.firstFailureAt = undefined;
  }
}

/** Resolves after ms, or rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
