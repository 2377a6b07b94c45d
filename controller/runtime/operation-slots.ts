/**
 * The controller's helm concurrency (`--concurrency`, `--cluster-concurrency`): at most `total`
 * helm operations at once, at most `perCluster` of them on one cluster. A release's reconcile
 * takes a slot before it starts and gives it back as soon as its helm operation has ended (or when
 * the reconcile ends without one): reading the outcome back, recording the status and a drift
 * check then no longer hold up the next release's operation.
 */
export class OperationSlots {
  private readonly all: Semaphore;
  private readonly clusters = new Map<string, Semaphore>();

  constructor(
    total: number,
    private readonly perCluster: number,
  ) {
    this.all = new Semaphore(total);
  }

  /** Waits for a slot on `cluster`; the function returned gives it back (calling it again does nothing). */
  async take(cluster: string): Promise<() => void> {
    let onCluster = this.clusters.get(cluster);
    if (!onCluster) this.clusters.set(cluster, (onCluster = new Semaphore(this.perCluster)));
    // Always the cluster's first, then the global one: a waiter never holds a global slot while
    // queued for its cluster, so one busy cluster cannot starve the others.
    await onCluster.take();
    await this.all.take();
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.all.give();
      onCluster.give();
    };
  }
}

/** A counting semaphore whose waiters are served first come, first served. */
class Semaphore {
  private readonly waiting: (() => void)[] = [];

  constructor(private free: number) {
    if (!Number.isInteger(free) || free < 1) throw new RangeError(`A concurrency limit must be a whole number of at least 1, not ${free}.`);
  }

  take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}
