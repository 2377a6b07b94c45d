/**
 * The only way the reconcile and status stages learn the time. Entry points pass
 * `{ now: () => new Date() }`; tests pass a fixed or stepping clock.
 */
export interface Clock {
  now(): Date;
  /** Waits `ms` or until `signal` aborts; without it nothing is looked at while an operation runs. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
}
