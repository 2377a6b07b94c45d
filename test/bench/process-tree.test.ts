import { describe, expect, it } from 'vitest';
import { descendantsOf, parseProcStat, treeCpuMs } from './process-tree.js';

// A real line's shape (proc(5)): pid (comm) state ppid … utime(14) stime(15) cutime(16) cstime(17) …
const line = (pid: number, comm: string, ppid: number, times: [number, number, number, number]) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${times.join(' ')} 20 0 8 0 1234 1000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0`;

describe('process tree figures', () => {
  it('reads own and children CPU in ms from ticks, even with spaces and parentheses in the command', () => {
    expect(parseProcStat(line(42, 'node (worker) x', 7, [150, 50, 300, 20]))).toEqual({ pid: 42, ppid: 7, ownCpuMs: 2000, childrenCpuMs: 3200 });
  });

  it('sums a tree: each process once, live children by their own times, waited-for ones through the parent', () => {
    const stats = [parseProcStat(line(10, 'controller', 1, [100, 0, 40, 0])), parseProcStat(line(11, 'helm', 10, [30, 0, 0, 0]))];
    expect(treeCpuMs(stats)).toBe(1000 + 400 + 300);
  });

  it('finds every descendant of the roots and nothing else', () => {
    const all = [
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 11 },
      { pid: 20, ppid: 1 },
      { pid: 21, ppid: 20 },
    ];
    expect(descendantsOf([10], all).sort()).toEqual([10, 11, 12]);
    expect(descendantsOf([10, 20], all).sort()).toEqual([10, 11, 12, 20, 21]);
  });
});
