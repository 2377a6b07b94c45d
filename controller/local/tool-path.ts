import { delimiter, join } from 'node:path';
import { ClusterextError } from '../errors/clusterext-error.js';
import { isExecutable } from './is-executable.js';
import { projectRoot } from './project-root.js';

export type ToolName = 'helm' | 'kubectl';

const overrideVariable: Record<ToolName, string> = { helm: 'CLUSTEREXT_HELM', kubectl: 'CLUSTEREXT_KUBECTL' };

/**
 * Where the pinned helm or kubectl binary is: `$CLUSTEREXT_HELM` / `$CLUSTEREXT_KUBECTL` when set,
 * else `<project>/.tools/bin/<name>` (extracted by `npm ci`), else the first one on PATH (the
 * controller image ships helm there).
 */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[overrideVariable[name]];
  if (override) {
    if (isExecutable(override)) return override;
    throw new ClusterextError(
      'ToolMissing',
      `${overrideVariable[name]} points to "${override}", which is not an executable file; fix the variable or unset it to use the pinned ${name}.`,
      { tool: name, path: override },
    );
  }
  const pinned = join(projectRoot(), '.tools', 'bin', name);
  if (isExecutable(pinned)) return pinned;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  throw new ClusterextError(
    'ToolMissing',
    `The "${name}" binary was not found in "${pinned}" nor on PATH; run "npm ci" in "${projectRoot()}" to extract the pinned ${name}, or set ${overrideVariable[name]}.`,
    { tool: name, searched: pinned },
  );
}

