export const PROVISIONING_STATES = ['Pending', 'Installing', 'Upgrading', 'Succeeded', 'Failed', 'Deleting'] as const;
export type ProvisioningState = (typeof PROVISIONING_STATES)[number];

/** How long an extension may wait for an unreachable cluster before it is reported Failed. */
export const DEFAULT_PENDING_TIMEOUT_MS = 48 * 60 * 60 * 1000;

/**
 * Where one reconcile left the extension, in status terms: `ready` (settled as desired),
 * `progressing` (work continues: a retry, a locked release, an action still to come), `stalled`
 * (nothing more will happen until someone changes something), `unreachable` (the cluster could not
 * be read), `deleting` (the Extension left git and its release is being removed).
 */
export type OutcomePhase = 'ready' | 'progressing' | 'stalled' | 'unreachable' | 'deleting';

export interface ProvisioningInput {
  phase: OutcomePhase;
  /** A revision of the release has been deployed at some point (there is an installed version). */
  everDeployed: boolean;
  /** Consecutive failed attempts for the current desired configuration. */
  failures: number;
  /** The desired configuration is what the release last deployed successfully. */
  desiredApplied: boolean;
  previous?: { provisioningState: ProvisioningState; pendingSince?: string };
  now: Date;
  pendingTimeoutMs: number;
  /** A helm operation is about to start: the state says which, whatever came before. */
  operation?: 'install' | 'upgrade' | 'rollback' | 'uninstall';
}

const OPERATION_STATES: Record<NonNullable<ProvisioningInput['operation']>, ProvisioningState> = {
  install: 'Installing',
  upgrade: 'Upgrading',
  // Remediating a failed upgrade changes the running version again.
  rollback: 'Upgrading',
  uninstall: 'Deleting',
};

export interface ProvisioningResult {
  state: ProvisioningState;
  /** When the extension started waiting for its cluster; kept across reconciles while Pending. */
  pendingSince?: string;
  /** The pending timeout has passed: the caller reports `PendingTimeout` as stalled. */
  pendingTimedOut: boolean;
}

/**
 * The `provisioningState` of an Extension. An unreachable cluster leaves a settled extension
 * Succeeded (nothing was asked of it that it has not done); anything else waiting for the cluster
 * is Pending, and Failed once it has waited longer than the pending timeout.
 */
export function deriveProvisioningState(input: ProvisioningInput): ProvisioningResult {
  if (input.operation) return { state: OPERATION_STATES[input.operation], pendingTimedOut: false };
  switch (input.phase) {
    case 'deleting':
      return { state: 'Deleting', pendingTimedOut: false };
    case 'ready':
      return { state: 'Succeeded', pendingTimedOut: false };
    case 'stalled':
      return { state: 'Failed', pendingTimedOut: false };
    case 'progressing':
      if (input.failures > 0) return { state: 'Failed', pendingTimedOut: false };
      return { state: input.everDeployed ? 'Upgrading' : 'Installing', pendingTimedOut: false };
    case 'unreachable': {
      if (input.previous?.provisioningState === 'Succeeded' && input.desiredApplied) {
        return { state: 'Succeeded', pendingTimedOut: false };
      }
      const pendingSince = input.previous?.pendingSince ?? input.now.toISOString();
      const waited = input.now.getTime() - Date.parse(pendingSince);
      if (waited >= input.pendingTimeoutMs) return { state: 'Failed', pendingSince, pendingTimedOut: true };
      return { state: 'Pending', pendingSince, pendingTimedOut: false };
    }
  }
}
