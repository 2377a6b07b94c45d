import type { HelmPort } from '../reconcile/release-ports.js';
import type { Logger } from './logger.js';

/**
 * The helm port with a debug stage mark when each operation starts and returns (and how long it
 * took, the rollout wait included), on the logger of the release it acts on. It only observes:
 * the operation, its arguments and its outcome are the inner port's.
 */
export function stageMarkedHelm(helm: HelmPort, logger: Logger): HelmPort {
  const marked =
    <R>(operation: string, call: (req: R) => Promise<void>) =>
    async (req: R): Promise<void> => {
      const started = Date.now();
      logger.debug({ stage: 'helm-started', operation }, 'helm operation started');
      let ok = false;
      try {
        await call(req);
        ok = true;
      } finally {
        logger.debug({ stage: 'helm-returned', operation, ok, durationMs: Date.now() - started }, 'helm operation returned');
      }
    };
  return {
    upgradeInstall: marked('upgrade', (req) => helm.upgradeInstall(req)),
    rollback: marked('rollback', (req) => helm.rollback(req)),
    uninstall: marked('uninstall', (req) => helm.uninstall(req)),
  };
}
