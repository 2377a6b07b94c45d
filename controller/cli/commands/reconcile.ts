import type { Command } from 'commander';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { systemClock } from '../../runtime/clock.js';
import { REQUESTED_AT_ANNOTATION } from '../../runtime/controller-manager.js';
import type { ExtensionRepositoryStatus } from '../../runtime/repository-status.js';
import { formatDuration, parseDuration } from '../../runtime/duration.js';
import { describeRepositoryOutcome } from '../../render/describe-repository-outcome.js';
import { addHubOptions, connectHub, type HubConnection, type HubOptions } from '../hub-options.js';

interface ReconcileOptions extends HubOptions {
  wait: boolean;
  timeout: string;
}

const POLL_MS = 1_000;

/**
 * `clusterext reconcile repository NAME`: asks the controller for a fetch now, through the
 * `clusterext.io/requested-at` annotation it watches (so whichever replica leads acts on it), and
 * waits until the controller records that it handled that very request, then prints the outcome.
 */
export function registerReconcileCommand(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('ask the controller to act now instead of at its next interval, and wait for the outcome');

  const repository = reconcile
    .command('repository')
    .alias('repo')
    .description('fetch an ExtensionRepository now and wait until its new revision is applied or rejected')
    .argument('<name>', 'the ExtensionRepository')
    .option('--wait', 'wait until the controller has acted on the request (the default)', true)
    .option('--no-wait', 'return once the request is recorded')
    .option('--timeout <duration>', 'how long to wait for the controller', '5m');
  addHubOptions(repository)
    .addHelpText(
      'after',
      `
The request is the annotation ${REQUESTED_AT_ANNOTATION}=<now> on the ExtensionRepository; the
controller (any replica: the one holding the Lease acts) fetches at once and records the value it
handled in status.lastHandledReconcileAt. Exit 0 when the revision was applied, 1 when it was
rejected (its diagnostics are printed), could not be fetched, is held by the blast-radius guard,
or the controller did not act within --timeout.

Examples:
  clusterext reconcile repository fleet --kubeconfig hub.yaml
  clusterext reconcile repo fleet --timeout 30s
  git push && clusterext reconcile repository fleet    apply a push without waiting for the interval`,
    )
    .action(async (name: string, options: ReconcileOptions) => {
      const hub = connectHub(options);
      try {
        await reconcileRepository(hub, name, options);
      } finally {
        hub.close();
      }
    });
}

async function reconcileRepository(hub: HubConnection, name: string, options: ReconcileOptions): Promise<void> {
  const timeoutMs = parseDuration(options.timeout, '--timeout');
  const before = await hub.store.get<unknown, ExtensionRepositoryStatus>('ExtensionRepository', name);
  if (!before) {
    throw new ClusterextError('NotFound', `ExtensionRepository "${name}" does not exist in namespace "${hub.namespace}" on the hub ${hub.server}; run "clusterext get repositories" to list them.`, { name });
  }
  const requestedAt = new Date(systemClock.now()).toISOString();
  await hub.store.annotate('ExtensionRepository', name, { [REQUESTED_AT_ANNOTATION]: requestedAt });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`► asked ExtensionRepository "${name}" to fetch now (${REQUESTED_AT_ANNOTATION}=${requestedAt})`);
  if (!options.wait) return;
  say(`◎ waiting for the controller to act (at most ${formatDuration(timeoutMs)})`);
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    const repo = await hub.store.get<unknown, ExtensionRepositoryStatus>('ExtensionRepository', name);
    if (!repo) throw new ClusterextError('NotFound', `ExtensionRepository "${name}" was deleted while waiting for it.`, { name });
    if (repo.status?.lastHandledReconcileAt === requestedAt) {
      const outcome = describeRepositoryOutcome(name, before.status?.lastAppliedRevision, repo.status);
      if (!outcome.ok) throw new ExitError(1, outcome.text, { name });
      process.stdout.write(`${outcome.text}\n`);
      return;
    }
    if (systemClock.now() >= deadline) {
      throw new ExitError(
        1,
        `✗ The controller did not act on the request for ExtensionRepository "${name}" within ${formatDuration(timeoutMs)}; check that it is running ("clusterext get repositories" shows what it last recorded) or wait longer with --timeout.`,
        { name },
      );
    }
    await systemClock.sleep(POLL_MS);
  }
}
