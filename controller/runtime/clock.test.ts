import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';

describe('systemClock.sleep', () => {
  it('leaves no abort listener behind once a sleep is over, however many sleeps share one signal', async () => {
    const abort = new AbortController();
    for (let i = 0; i < 12; i++) await systemClock.sleep(1, abort.signal);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('ends at once when the signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const sleeping = systemClock.sleep(60_000, abort.signal);
    abort.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
