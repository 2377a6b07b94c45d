import { describe, expect, it } from 'vitest';
import { checkBlastRadius } from './blast-radius.js';

const rev = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

describe('checkBlastRadius', () => {
  it('holds a revision that uninstalls more than the allowed share, and says how to allow it', () => {
    const verdict = checkBlastRadius({ uninstalls: 6, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: undefined });
    expect(verdict.held).toBe(true);
    if (verdict.held) {
      expect(verdict.message).toContain('6 of 10 releases (60%)');
      expect(verdict.message).toContain(`clusterext.io/allow-uninstall-revision=${rev}`);
    }
  });

  it('lets through a share at or under the limit', () => {
    expect(checkBlastRadius({ uninstalls: 5, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: undefined }).held).toBe(false);
  });

  it('never holds a single uninstall', () => {
    expect(checkBlastRadius({ uninstalls: 1, managed: 1, maxShare: 0.1, revision: rev, allowedRevision: undefined }).held).toBe(false);
  });

  it('lets the exact allowed revision through, by full or abbreviated sha, but not another revision', () => {
    expect(checkBlastRadius({ uninstalls: 9, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: rev }).held).toBe(false);
    expect(checkBlastRadius({ uninstalls: 9, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: rev.slice(0, 8) }).held).toBe(false);
    expect(checkBlastRadius({ uninstalls: 9, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: 'ffffffff' }).held).toBe(true);
    expect(checkBlastRadius({ uninstalls: 9, managed: 10, maxShare: 0.5, revision: rev, allowedRevision: 'a1b' }).held).toBe(true);
  });
});
