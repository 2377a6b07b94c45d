import { describe, expect, it } from 'vitest';
import type { Condition } from '../status/condition.js';
import type { ExtensionStatus } from '../status/extension-status.js';
import { describeExtensionOutcome, hasExhaustedRetries } from './describe-extension-outcome.js';

const at = '2026-12-02T06:00:00Z';
function condition(type: Condition['type'], status: Condition['status'], reason: Condition['reason'], message: string): Condition {
  return { type, status, reason, message, observedGeneration: 1, lastTransitionTime: at };
}
function status(provisioningState: ExtensionStatus['provisioningState'], conditions: Condition[], extra: Partial<ExtensionStatus> = {}): ExtensionStatus {
  return { provisioningState, observedGeneration: 1, conditions, ...extra };
}

describe('describeExtensionOutcome', () => {
  it('says Ready with the installed version', () => {
    const out = describeExtensionOutcome('prod.monitor', status('Succeeded', [condition('Ready', 'True', 'InstallSucceeded', 'Installed release "monitor".')], { installedVersion: '1.4.0' }));
    expect(out).toEqual({ ok: true, text: '✔ Extension "prod.monitor" is Ready at version 1.4.0. Installed release "monitor".' });
  });

  it('names the Stalled reason before the Reconciling one', () => {
    const out = describeExtensionOutcome('prod.grab', status('Failed', [
      condition('Ready', 'False', 'RetriesExhausted', 'r'),
      condition('Reconciling', 'True', 'Progressing', 'still going'),
      condition('Stalled', 'True', 'RetriesExhausted', '2 attempts failed: forbidden.'),
    ]));
    expect(out.ok).toBe(false);
    expect(out.text).toBe('✗ Extension "prod.grab" is not Ready (Failed): RetriesExhausted: 2 attempts failed: forbidden.');
  });

  it('falls back to Reconciling, then to Ready=False, and says when there are no conditions', () => {
    expect(describeExtensionOutcome('a.b', status('Pending', [condition('Ready', 'False', 'ClusterUnreachable', 'x'), condition('Reconciling', 'True', 'ClusterUnreachable', 'cluster "a" is unreachable.')])).text).toContain(
      'ClusterUnreachable: cluster "a" is unreachable.',
    );
    expect(describeExtensionOutcome('a.b', status('Pending', [condition('Ready', 'False', 'Progressing', 'waiting.')])).text).toContain('Progressing: waiting.');
    expect(describeExtensionOutcome('a.b', undefined)).toEqual({ ok: false, text: '✗ Extension "a.b" has no conditions yet (provisioning state unknown).' });
  });

  it('escapes control characters that came from status', () => {
    const out = describeExtensionOutcome('a.b', status('Failed', [condition('Stalled', 'True', 'InstallFailed', 'bad\n::error::injected\u001b[31m')]));
    expect(out.text).not.toContain('\n');
    expect(out.text).not.toContain('\u001b');
  });
});

describe('hasExhaustedRetries', () => {
  it('is true only for Stalled=True with reason RetriesExhausted', () => {
    expect(hasExhaustedRetries(status('Failed', [condition('Stalled', 'True', 'RetriesExhausted', 'm')]))).toBe(true);
    expect(hasExhaustedRetries(status('Failed', [condition('Stalled', 'False', 'RetriesExhausted', 'm')]))).toBe(false);
    expect(hasExhaustedRetries(status('Failed', [condition('Stalled', 'True', 'VersionUnresolved', 'm')]))).toBe(false);
    expect(hasExhaustedRetries(undefined)).toBe(false);
  });
});
