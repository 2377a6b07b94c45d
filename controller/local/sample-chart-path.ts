import { join } from 'node:path';
import { projectRoot } from './project-root.js';

export type SampleChartName = 'web-app' | 'config-values' | 'crd-operator' | 'namespaced-app';

/** The folder of one of the sample charts in samples/charts (see its README). */
export function sampleChartPath(name: SampleChartName): string {
  return join(projectRoot(), 'samples', 'charts', name);
}
