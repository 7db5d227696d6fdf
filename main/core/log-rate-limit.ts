// Environment: any (plain TypeScript).

/** What one key may log: a burst, then a steady rate (a token bucket). */
export interface RateLimit {
  burst: number;
  perMinute: number;
}

export type Admission =
  | { admitted: true; /** Events of this key dropped since the last admitted one. */ droppedBefore: number }
  | {
      admitted: false;
      /** The first drop since the last admitted event: worth one notice. */ firstDrop: boolean;
    };

interface Bucket {
  tokens: number;
  at: number;
  dropped: number;
}

/** Keys tracked at once (a paired phone has a few dozen event types; more keys come from a flood). */
const MAX_KEYS = 1024;

/**
 * Per-key token buckets for the event log: a paired phone (or a LAN host naming itself as one) that fires the
 * same event thousands of times gets a burst and a trickle logged, and the drops counted, instead of rotating
 * away everything else. The clock is passed in, so tests need no timers.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  admit(key: string): Admission {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.makeRoom();
      bucket = { tokens: this.limit.burst, at: now, dropped: 0 };
      this.buckets.set(key, bucket);
    }
    this.refill(bucket, now);
    if (bucket.tokens < 1) {
      bucket.dropped++;
      return { admitted: false, firstDrop: bucket.dropped === 1 };
    }
    bucket.tokens -= 1;
    const droppedBefore = bucket.dropped;
    bucket.dropped = 0;
    return { admitted: true, droppedBefore };
  }

  /** Keys with drops no admitted event has reported yet, and how many; they count as reported after this. */
  takePendingDrops(): Array<[key: string, dropped: number]> {
    const pending: Array<[string, number]> = [];
    for (const [key, bucket] of this.buckets) {
      if (bucket.dropped === 0) continue;
      pending.push([key, bucket.dropped]);
      bucket.dropped = 0;
    }
    return pending;
  }

  private refill(bucket: Bucket, now: number): void {
    const earned = ((now - bucket.at) / 60_000) * this.limit.perMinute;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + earned);
    bucket.at = now;
  }

  /** At MAX_KEYS the oldest quarter of the keys goes at once: amortised O(1) under a flood of new keys. */
  private makeRoom(): void {
    if (this.buckets.size < MAX_KEYS) return;
    let evict = MAX_KEYS / 4;
    for (const key of this.buckets.keys()) {
      if (evict-- === 0) break;
      this.buckets.delete(key);
    }
  }
}
