import type { Command } from 'commander';
import { ClusterextError, ExitError } from '../../errors/clusterext-error.js';
import { systemClock } from '../../runtime/clock.js';
import { REQUESTED_AT_ANNOTATION } from '../../runtime/controller-manager.js';
import type { ExtensionRepositoryStatus } from '../../runtime/repository-status.js';
import { formatDuration, parseDuration } from '../../runtime/duration.js';
import { describeExtensionOutcome, hasExhaustedRetries } from '../../render/describe-extension-outcome.js';
import { describeRepositoryOutcome } from '../../render/describe-repository-outcome.js';
import { REPOSITORY_LABEL } from '../../runtime/mirrored-resources.js';
import type { ExtensionStatus } from '../../status/extension-status.js';
import { addHubOptions, withHub, type HubConnection, type HubOptions } from '../hub-options.js';

interface ReconcileOptions extends HubOptions {
  wait: boolean;
  timeout: string;
}

interface ReconcileExtensionOptions extends ReconcileOptions {
  cluster?: string;
  force?: boolean;
}

/** Provisioning states of an operation still running: the request was seen, its outcome is not known yet. */
const IN_PROGRESS_STATES: ReadonlySet<string> = new Set(['Installing', 'Upgrading', 'Deleting']);

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
    .argument('<name>', 'the ExtensionRepository');
  addHubOptions(addWaitOptions(repository))
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
    .action((name: string, options: ReconcileOptions) => withHub(options, (hub) => reconcileRepository(hub, name, options)));

  const extension = reconcile
    .command('extension')
    .alias('ext')
    .description('reconcile one Extension now and wait until the controller has acted on it')
    .argument('<name>', 'the Extension CR, <cluster>.<extension> as "clusterext get extensions" lists it, or the extension name with --cluster')
    .option('--cluster <name>', 'the cluster of the Extension, when <name> is the extension name alone')
    .option('--force', 'retry now although the controller has used up its quick retries (RetriesExhausted)');
  addHubOptions(addWaitOptions(extension))
    .addHelpText(
      'after',
      `
The request is the annotation ${REQUESTED_AT_ANNOTATION}=<now> on the Extension, and the same on the
ExtensionRepository it came from so that the controller starts a pass within seconds. The
controller (the replica holding the Lease) reconciles the Extension with a fresh retry budget and
records the value it handled in status.lastHandledReconcileAt; the command waits for that and for
the operation it started to end, then prints the outcome. An Extension whose quick retries ran out
(Stalled, RetriesExhausted) is retried by the controller on a long backoff; asking for an attempt
now needs --force, so that a retry loop is a decision, not an accident. Exit 0 when the Extension
is Ready, 1 otherwise (the condition that says why is printed).

Examples:
  clusterext reconcile extension prod-eu.monitoring --kubeconfig hub.yaml
  clusterext reconcile ext monitoring --cluster prod-eu --force     retry after a chart repository outage`,
    )
    .action((name: string, options: ReconcileExtensionOptions) => withHub(options, (hub) => reconcileExtension(hub, options.cluster !== undefined ? `${options.cluster}.${name}` : name, options)));
}

/** --wait / --no-wait and --timeout, the same on both subcommands (ReconcileOptions). */
function addWaitOptions(command: Command): Command {
  return command
    .option('--wait', 'wait until the controller has acted on the request (the default)', true)
    .option('--no-wait', 'return once the request is recorded')
    .option('--timeout <duration>', 'how long to wait for the controller', '5m');
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
  await waitForOutcome({
    timeoutMs,
    read: async () => {
      const repo = await hub.store.get<unknown, ExtensionRepositoryStatus>('ExtensionRepository', name);
      if (!repo) throw new ClusterextError('NotFound', `ExtensionRepository "${name}" was deleted while waiting for it.`, { name });
      return repo.status?.lastHandledReconcileAt === requestedAt ? describeRepositoryOutcome(name, before.status?.lastAppliedRevision, repo.status) : undefined;
    },
    timeoutMessage: `✗ The controller did not act on the request for ExtensionRepository "${name}" within ${formatDuration(timeoutMs)}; check that it is running ("clusterext get repositories" shows what it last recorded) or wait longer with --timeout.`,
    name,
  });
}

async function reconcileExtension(hub: HubConnection, name: string, options: ReconcileExtensionOptions): Promise<void> {
  const timeoutMs = parseDuration(options.timeout, '--timeout');
  const before = await hub.store.get<unknown, ExtensionStatus>('Extension', name);
  if (!before) {
    throw new ClusterextError('NotFound', `Extension "${name}" does not exist in namespace "${hub.namespace}" on the hub ${hub.server}; run "clusterext get extensions" to list them (names are <cluster>.<extension>).`, { name });
  }
  if (hasExhaustedRetries(before.status) && !options.force) {
    throw new ExitError(
      1,
      `✗ Extension "${name}" has used up its quick retries (${describeExtensionOutcome(name, before.status).text.replace(/^✗ /, '')}); the controller retries it on a long backoff. Run again with --force to retry now.`,
      { name },
    );
  }
  const requestedAt = new Date(systemClock.now()).toISOString();
  await hub.store.annotate('Extension', name, { [REQUESTED_AT_ANNOTATION]: requestedAt });
  const repository = before.metadata.labels?.[REPOSITORY_LABEL];
  if (repository !== undefined && (await hub.store.get('ExtensionRepository', repository))) {
    await hub.store.annotate('ExtensionRepository', repository, { [REQUESTED_AT_ANNOTATION]: requestedAt });
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`► asked Extension "${name}" to reconcile now${options.force ? ' with a fresh retry budget' : ''} (${REQUESTED_AT_ANNOTATION}=${requestedAt})`);
  if (!options.wait) return;
  say(`◎ waiting for the controller to act (at most ${formatDuration(timeoutMs)})`);
  await waitForOutcome({
    timeoutMs,
    read: async () => {
      const cr = await hub.store.get<unknown, ExtensionStatus>('Extension', name);
      if (!cr) throw new ClusterextError('NotFound', `Extension "${name}" was deleted while waiting for it (its manifest left git, or its repository was deleted).`, { name });
      const done = cr.status?.lastHandledReconcileAt === requestedAt && !IN_PROGRESS_STATES.has(cr.status.provisioningState);
      return done ? describeExtensionOutcome(name, cr.status) : undefined;
    },
    timeoutMessage: `✗ The controller did not finish the request for Extension "${name}" within ${formatDuration(timeoutMs)}; check that it is running ("clusterext get extensions" shows what it last recorded) or wait longer with --timeout.`,
    name,
  });
}

/**
 * Polls `read` until it returns the outcome of the handled request, prints it (exit 1 unless ok) or
 * gives up after `timeoutMs` with `timeoutMessage`.
 */
async function waitForOutcome(input: { timeoutMs: number; read: () => Promise<{ ok: boolean; text: string } | undefined>; timeoutMessage: string; name: string }): Promise<void> {
  const deadline = systemClock.now() + input.timeoutMs;
  for (;;) {
    const outcome = await input.read();
    if (outcome) {
      if (!outcome.ok) throw new ExitError(1, outcome.text, { name: input.name });
      process.stdout.write(`${outcome.text}\n`);
      return;
    }
    if (systemClock.now() >= deadline) throw new ExitError(1, input.timeoutMessage, { name: input.name });
    await systemClock.sleep(POLL_MS);
  }
}
