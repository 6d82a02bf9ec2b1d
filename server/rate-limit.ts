/**
 * A token bucket per client: `rate` messages per second on average, `burst` at once. A client that
 * keeps hitting an empty bucket is a flood rather than an eager student, and gets disconnected.
 */
export class TokenBucket {
  private readonly rate: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;
  private refusals = 0;

  constructor(rate: number, burst: number, now: number) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** true when the message may pass. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusals = Math.max(0, this.refusals - 0.05);
      return true;
    }
    this.refusals++;
    return false;
  }

  /** Refused messages not yet forgiven; past a limit the client is disconnected. */
  get strikes(): number {
    return this.refusals;
  }
}
