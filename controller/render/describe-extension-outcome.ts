import type { Condition } from '../status/condition.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import { terminalText } from './escape-output.js';

/**
 * What `clusterext reconcile extension` prints once the controller has handled its request: Ready
 * with the version running, or the condition that says why not (Stalled first, then Reconciling).
 * `ok` is true only when the Extension is Ready. Text from status is escaped for a terminal.
 */
export function describeExtensionOutcome(name: string, status: ExtensionStatus | undefined): { ok: boolean; text: string } {
  const conditions = status?.conditions ?? [];
  const ready = findCondition(conditions, 'Ready');
  const subject = `Extension "${terminalText(name)}"`;
  if (ready?.status === 'True') {
    const version = status?.installedVersion !== undefined ? ` at version ${terminalText(status.installedVersion)}` : '';
    return { ok: true, text: `✔ ${subject} is Ready${version}.${ready.message ? ` ${terminalText(ready.message)}` : ''}` };
  }
  const stalled = findCondition(conditions, 'Stalled');
  const reconciling = findCondition(conditions, 'Reconciling');
  const why = stalled?.status === 'True' ? stalled : reconciling?.status === 'True' ? reconciling : ready;
  if (!why) return { ok: false, text: `✗ ${subject} has no conditions yet (provisioning state ${status?.provisioningState ?? 'unknown'}).` };
  const state = status?.provisioningState !== undefined ? ` (${status.provisioningState})` : '';
  return { ok: false, text: `✗ ${subject} is not Ready${state}: ${why.reason}: ${terminalText(why.message)}` };
}

/** Whether the controller stopped its quick retries of this Extension (it then retries on a long backoff). */
export function hasExhaustedRetries(status: ExtensionStatus | undefined): boolean {
  const stalled = findCondition(status?.conditions ?? [], 'Stalled');
  return stalled?.status === 'True' && stalled.reason === 'RetriesExhausted';
}

function findCondition(conditions: readonly Condition[], type: Condition['type']): Condition | undefined {
  return conditions.find((c) => c.type === type);
}
