import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat the bench reads; times in ms. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime: CPU of the process itself. */
  ownCpuMs: number;
  /** cutime + cstime: CPU of its children that have exited and been waited for. */
  childrenCpuMs: number;
}

/** Parses /proc/<pid>/stat text (the command may hold spaces and parentheses: split after the last `)`). */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // After the command: state (field 3) first, so field n of proc(5) is at index n - 3.
  const f = text.slice(close + 2).trim().split(' ');
  const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / TICKS_PER_SECOND;
  return { pid, ppid: Number(f[1]), ownCpuMs: ms(f[11]) + ms(f[12]), childrenCpuMs: ms(f[13]) + ms(f[14]) };
}

/**
 * The CPU of a process tree from a snapshot of its processes: every process's own CPU plus what
 * its exited children left in cutime/cstime. A child is counted once: live, by its own times;
 * after its parent waited for it, in the parent's children's times.
 */
export function treeCpuMs(stats: readonly ProcStat[]): number {
  return stats.reduce((sum, s) => sum + s.ownCpuMs + s.childrenCpuMs, 0);
}

/** The pids of `roots` and all their live descendants, from the parent links of `all`. */
export function descendantsOf(roots: readonly number[], all: readonly Pick<ProcStat, 'pid' | 'ppid'>[]): number[] {
  const children = new Map<number, number[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const out: number[] = [];
  const queue = [...roots];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // exited between the listing and the read
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== undefined);
}

/** A field of /proc/<pid>/status in MiB (VmRSS: now; VmHWM: the kernel's peak), NaN when gone. */
export function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface ProcessTreeSnapshot {
  cpuMs: number;
  rssMiB: number;
  processes: number;
}

/** CPU and RSS of `roots` and every live descendant, now. */
export function snapshotProcessTree(roots: readonly number[]): ProcessTreeSnapshot {
  const all = allStats();
  const pids = new Set(descendantsOf(roots, all));
  const stats = all.filter((s) => pids.has(s.pid));
  return { cpuMs: treeCpuMs(stats), rssMiB: stats.reduce((sum, s) => sum + (statusMiB(s.pid, 'VmRSS') || 0), 0), processes: stats.length };
}

/**
 * Samples a process tree every `intervalMs` for its peak RSS (sum over the tree; a short-lived
 * child between two samples is missed, so this is a lower bound). `peak()` gives the largest sum
 * since the last `resetPeak()`.
 */
export function sampleProcessTree(roots: readonly number[], intervalMs = 250): { peakRssMiB(): number; resetPeak(): void; stop(): void } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, snapshotProcessTree(roots).rssMiB);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    peakRssMiB: () => peak,
    resetPeak: () => {
      peak = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}
