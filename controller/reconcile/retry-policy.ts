/** How failed installs and upgrades are retried. */
export interface RetryPolicy {
  /** Failed attempts after which the release is Stalled until its desired configuration changes. */
  maxRetries: number;
  /** Delay before the first retry; doubles with every further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000 };

/** Consecutive failures for the current desired configuration. */
export interface RetryState {
  failures: number;
  /** RFC 3339. */
  lastFailureTime?: string;
  /** The last failure's message (already free of secrets), for the Stalled condition. */
  lastFailureMessage?: string;
}

/** Exponential backoff with a cap: base, 2·base, 4·base, … ≤ max. `failures` ≥ 1. */
export function backoffDelayMs(failures: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, failures - 1);
  // 2 ** 31 would overflow nothing in JS, but keep the arithmetic finite for absurd counts.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/**
 * The retry state that applies to `configDigest`: failures recorded for another configuration do
 * not count, so changing the Extension (or its protected settings) always earns a fresh set of
 * attempts — the only way out of Stalled besides fixing the cluster.
 */
export function retryStateFor(
  recorded: { failures?: number; lastFailureTime?: string; lastFailureMessage?: string; lastAttemptedConfigDigest?: string } | undefined,
  configDigest: string,
): RetryState {
  if (!recorded || recorded.lastAttemptedConfigDigest !== configDigest || !recorded.failures) return { failures: 0 };
  return {
    failures: recorded.failures,
    ...(recorded.lastFailureTime ? { lastFailureTime: recorded.lastFailureTime } : {}),
    ...(recorded.lastFailureMessage ? { lastFailureMessage: recorded.lastFailureMessage } : {}),
  };
}
