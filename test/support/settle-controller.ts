import type { ControllerManager, PassSummary } from '../../controller/runtime/controller-manager.js';

/** Runs passes until one changes nothing (no helm action, no status write), at most `max`; returns them all. */
export async function settleController(manager: ControllerManager, max = 8): Promise<PassSummary[]> {
  const passes: PassSummary[] = [];
  for (let i = 0; i < max; i++) {
    const pass = await manager.runOnce();
    passes.push(pass);
    if (pass.helmActions === 0 && pass.statusWrites === 0) return passes;
  }
  return passes;
}
