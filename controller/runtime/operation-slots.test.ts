import { describe, expect, it } from 'vitest';
import { OperationSlots } from './operation-slots.js';

/** Settles every promise that can settle now. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('OperationSlots', () => {
  it('holds at most perCluster on one cluster and total in all, first come first served', async () => {
    const slots = new OperationSlots(3, 2);
    const got: string[] = [];
    const give = new Map<string, () => void>();
    const ask = (cluster: string, label: string) => void slots.take(cluster).then((g) => (got.push(label), give.set(label, g)));
    ask('a', 'a1');
    ask('a', 'a2');
    ask('a', 'a3');
    ask('b', 'b1');
    ask('b', 'b2');
    await settle();
    // a3 waits for its cluster; b2 waits for a global slot.
    expect(got).toEqual(['a1', 'a2', 'b1']);
    give.get('a1')!();
    await settle();
    // The freed global slot goes to a3 (its cluster slot freed too) or b2, whichever asked first for it: b2.
    expect(got).toEqual(['a1', 'a2', 'b1', 'b2']);
    give.get('b1')!();
    await settle();
    expect(got).toEqual(['a1', 'a2', 'b1', 'b2', 'a3']);
  });

  it('gives a slot back once, however often the giver is called', async () => {
    const slots = new OperationSlots(1, 1);
    const first = await slots.take('a');
    first();
    first();
    const second = await slots.take('a');
    let third = false;
    void slots.take('a').then(() => (third = true));
    await settle();
    // A second call of `first` must not have freed a second slot.
    expect(third).toBe(false);
    second();
    await settle();
    expect(third).toBe(true);
  });

  it('refuses a limit below 1', () => {
    expect(() => new OperationSlots(0, 1)).toThrow(/at least 1/);
  });
});
