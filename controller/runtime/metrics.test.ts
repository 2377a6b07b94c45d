import { describe, expect, it } from 'vitest';
import { createControllerMetrics, recordFleetMetrics } from './metrics.js';

describe('recordFleetMetrics', () => {
  it('counts Ready Extensions per cluster and keeps only the revision in force per repository', async () => {
    const metrics = createControllerMetrics();
    recordFleetMetrics(metrics, {
      extensions: [
        { cluster: 'a', ready: true, provisioningState: 'Succeeded' },
        { cluster: 'a', ready: false, provisioningState: 'Failed' },
        { cluster: 'b', ready: false, provisioningState: 'Pending' },
      ],
      appliedRevisions: new Map([['fleet', 'rev-1']]),
    });
    recordFleetMetrics(metrics, {
      extensions: [
        { cluster: 'a', ready: true, provisioningState: 'Succeeded' },
        { cluster: 'a', ready: true, provisioningState: 'Succeeded' },
      ],
      appliedRevisions: new Map([['fleet', 'rev-2']]),
    });
    const ready = (await metrics.extensionsReady.get()).values.map((v) => [v.labels.cluster, v.value]);
    expect(ready).toEqual([['a', 2]]);
    const states = (await metrics.extensions.get()).values.map((v) => [v.labels.cluster, v.labels.state, v.value]);
    expect(states).toEqual([['a', 'Succeeded', 2]]);
    const info = (await metrics.repositoryRevision.get()).values.map((v) => [v.labels.repository, v.labels.revision, v.value]);
    expect(info).toEqual([['fleet', 'rev-2', 1]]);
  });
});
