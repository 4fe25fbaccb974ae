// Pacing: datagrams to each collector at a set rate, from a token bucket whose clock and
// sleep are injected (pacer.test.mjs drives it with a fake clock).

/**
 * Paces datagrams to `rate` per second (0 = unpaced): a file is metered far faster than any
 * link, and a datagram that overflows a collector's receive buffer is lost without a trace
 * at the sender. Time is injected for tests.
 */
export class Pacer {
  private tokens: number;
  private last = -1;

  /** `burst`: datagrams that may go back to back after a pause (the bucket's size). */
  constructor(
    private readonly rate: number,
    private readonly burst = 32,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = burst;
  }

  /**
   * Takes n datagrams' worth from a token bucket; resolves when they may go. Time the
   * sender spent metering does not pile up as credit beyond `burst`: a catch-up burst after
   * a pause is exactly what overflows a collector's receive buffer.
   */
  async take(n: number): Promise<void> {
    if (this.rate <= 0 || n === 0) return;
    const t = this.now();
    if (this.last >= 0) this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    this.tokens -= n;
    if (this.tokens < 0) {
      const wait = (-this.tokens / this.rate) * 1000;
      await this.sleep(wait);
      this.tokens = 0;
      this.last = t + wait;
    }
  }
}
