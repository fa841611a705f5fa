/**
 * Runs `tick` every interval while someone can see the result: the one timer behind the Sessions view's and the
 * panels' polling, so that hidden views cost no requests.
 */
export class IntervalPoller {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly tick: () => void) {}

  /** Starts or stops the timer to match `wanted`; true when this call started it. */
  update(wanted: boolean, intervalMs: number): boolean {
    if (wanted && !this.timer) {
      this.timer = setInterval(this.tick, intervalMs);
      return true;
    }
    if (!wanted) this.stop();
    return false;
  }

  /** Starts over with a new interval (the setting changed). */
  restart(wanted: boolean, intervalMs: number): boolean {
    this.stop();
    return this.update(wanted, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
