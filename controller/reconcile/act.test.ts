import { describe, expect, it } from 'vitest';
import { FakeReleaseWorld } from '../../test/support/fake-release-world.js';
import { desiredRelease } from '../../test/support/release-fixtures.js';
import { act, type ActRequest } from './act.js';
import type { ReleaseAction } from './decide-action.js';

const request: ActRequest = { desired: desiredRelease(), target: { kubeconfig: 'kc', kubeContext: 'ctx' }, timeoutMs: 30_000, wait: 'hookOnly' };
const action = (a: Partial<ReleaseAction> & Pick<ReleaseAction, 'action'>) => ({ reason: 'InSync', message: 'm', ...a }) as ReleaseAction;

describe('act', () => {
  it('runs exactly the helm operation it is given, with the target and timeouts', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    await act(action({ action: 'upgrade' }), request, { helm: world.helm, storage: world.storage });
    await act(action({ action: 'rollback', toRevision: 1 }), request, { helm: world.helm, storage: world.storage });
    await act(action({ action: 'uninstall' }), request, { helm: world.helm, storage: world.storage });
    expect(world.calls.map((c) => c.op)).toEqual(['upgradeInstall', 'rollback', 'uninstall']);
    for (const call of world.calls) {
      if (call.op === 'markFailed') continue;
      expect(call.req).toMatchObject({ kubeconfig: 'kc', kubeContext: 'ctx', release: 'monitor', namespace: 'monitoring', timeoutMs: 30_000, wait: 'hookOnly' });
    }
    expect(world.calls[1]).toMatchObject({ req: { toRevision: 1 } });
  });

  it('unlocks through the storage port, not helm', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    expect(await act(action({ action: 'unlock', revision: 4 }), request, { helm: world.helm, storage: world.storage })).toEqual({ performed: true });
    expect(world.calls).toEqual([{ op: 'markFailed', revision: 4 }]);
  });

  it('does nothing for wait and none', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    let asked = 0;
    const ports = { helm: world.helm, storage: world.storage, impersonation: async () => (asked++, 'u') };
    expect(await act(action({ action: 'wait', requeueAfterMs: 5 }), request, ports)).toEqual({ performed: false });
    expect(await act(action({ action: 'none' }), request, ports)).toEqual({ performed: false });
    expect(world.calls).toEqual([]);
    expect(asked).toBe(0);
  });

  it('refuses to install without a resolved version', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    const unresolved = { ...request, desired: desiredRelease({ version: { kind: 'unresolved', train: 'stable', constraint: '1.x', reason: 'offline' } }) };
    await expect(act(action({ action: 'install' }), unresolved, { helm: world.helm, storage: world.storage })).rejects.toMatchObject({ code: 'VersionUnresolved' });
    expect(world.calls).toEqual([]);
  });

  it('claims the namespace before the first install and removes it only after the Extension is uninstalled', async () => {
    const world = new FakeReleaseWorld('monitor', 'monitoring');
    const log: string[] = [];
    const namespace = { claim: async () => void log.push(`claim after ${world.calls.length}`), remove: async (ms: number) => (log.push(`remove ${ms} after ${world.calls.length}`), true) };
    const ports = { helm: world.helm, storage: world.storage, namespace };
    await act(action({ action: 'install' }), request, ports);
    await act(action({ action: 'upgrade' }), request, ports);
    await act(action({ action: 'uninstall', reason: 'RemediateFailedInstall' }), request, ports);
    await act(action({ action: 'uninstall', reason: 'ExtensionRemoved' }), request, ports);
    expect(log).toEqual(['claim after 0', 'remove 30000 after 4']);
  });
});
