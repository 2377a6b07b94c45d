/**
 * How failed installs and upgrades are retried: `maxRetries` attempts on a short backoff, then the
 * release is Stalled (RetriesExhausted) and still tried again on a long backoff, so an outage that
 * outlasts the short one (a chart repository down for five minutes) does not leave it Stalled for
 * good. With the defaults: 10 s, 20 s, 40 s, 80 s, 160 s, then 5 min, 10 min, 20 min, 40 min and
 * every hour after that, until an attempt succeeds, the configuration changes, or an operator asks
 * for an attempt now (the `clusterext.io/requested-at` annotation on the Extension).
 */
export interface RetryPolicy {
  /** Failed attempts after which the release is Stalled and retried on the long backoff only. */
  maxRetries: number;
  /** Delay before the first retry; doubles with every further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** First delay once the retries are exhausted (default 5 min); doubles with every further failure. */
  exhaustedBaseDelayMs?: number;
  /** Cap of the long backoff (default 1 h). */
  exhaustedMaxDelayMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 10_000, maxDelayMs: 5 * 60_000, exhaustedBaseDelayMs: 5 * 60_000, exhaustedMaxDelayMs: 60 * 60_000 };

/** Consecutive failures for the current desired configuration. */
export interface RetryState {
  failures: number;
  /** RFC 3339. */
  lastFailureTime?: string;
  /** The last failure's message (already free of secrets), for the Stalled condition. */
  lastFailureMessage?: string;
  /**
   * The failure recorded last was an install's or upgrade's, so remediating it cannot loop. When
   * unknown (false), a failed release past the retries is remediated on the long backoff only.
   */
  installOrUpgradeFailed?: boolean;
}

/** Exponential backoff with a cap: base, 2·base, 4·base, … ≤ max. `failures` ≥ 1. */
export function backoffDelayMs(failures: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const exponent = Math.max(0, failures - 1);
  // 2 ** 31 would overflow nothing in JS, but keep the arithmetic finite for absurd counts.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/**
 * The delay after `failures` once the retries are exhausted (`failures` ≥ maxRetries): the long
 * backoff, exhaustedBase, 2·exhaustedBase, … ≤ exhaustedMax.
 */
export function exhaustedDelayMs(failures: number, policy: RetryPolicy): number {
  const base = policy.exhaustedBaseDelayMs ?? DEFAULT_RETRY_POLICY.exhaustedBaseDelayMs!;
  const max = policy.exhaustedMaxDelayMs ?? DEFAULT_RETRY_POLICY.exhaustedMaxDelayMs!;
  const exponent = Math.max(0, failures - policy.maxRetries);
  return Math.min(max, base * 2 ** Math.min(exponent, 30));
}

/**
 * The retry state that applies to `configDigest`: failures recorded for another configuration do
 * not count, so changing the Extension (or its protected settings) always earns a fresh set of
 * attempts. `installOrUpgradeFailed` says whether the failure recorded last was an install's or upgrade's.
 */
export function retryStateFor(
  recorded: { failures?: number; lastFailureTime?: string; lastFailureMessage?: string; lastAttemptedConfigDigest?: string } | undefined,
  configDigest: string,
  installOrUpgradeFailed = false,
): RetryState {
  if (!recorded || recorded.lastAttemptedConfigDigest !== configDigest || !recorded.failures) return { failures: 0 };
  return {
    failures: recorded.failures,
    ...(recorded.lastFailureTime ? { lastFailureTime: recorded.lastFailureTime } : {}),
    ...(recorded.lastFailureMessage ? { lastFailureMessage: recorded.lastFailureMessage } : {}),
    ...(installOrUpgradeFailed ? { installOrUpgradeFailed } : {}),
  };
}
