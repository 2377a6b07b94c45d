import { computePlan } from '../../controller/plan/compute-plan.js';
import type { Plan } from '../../controller/plan/plan.js';
import { connectedCluster, extension, extensionType, fleet } from './fleet-builder.js';

/** Text a hostile manifest author could put in a name, a settings key or a version. */
export const HOSTILE_NAME = 'web\r\n::error file=x::pwned\u001b[2J<img src=x onerror=alert(1)>@security-team';
export const HOSTILE_KEY = 'k\r| injected | row |\n::stop-commands::t';
export const HOSTILE_VALUE = '[click](https://evil.example) **b** \u202ereversed';

/** A plan whose cluster, extension and settings key carry hostile text, with the settings diff to render. */
export function hostilePlan(): Plan {
  const types = [extensionType('monitor')];
  const clusters = [connectedCluster(HOSTILE_NAME)];
  const base = fleet({ extensionTypes: types, clusters, extensions: [extension(HOSTILE_NAME, HOSTILE_NAME, 'monitor')] });
  const head = fleet({ extensionTypes: types, clusters, extensions: [extension(HOSTILE_NAME, HOSTILE_NAME, 'monitor', { configurationSettings: { [HOSTILE_KEY]: HOSTILE_VALUE } })] });
  return computePlan({ base, head });
}
