import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { renderCrdFiles } from '../../manifest/crds.js';

/**
 * `clusterext crds [--out DIR]`: the CustomResourceDefinitions, generated from the same schemas
 * `validate` uses. Without --out they go to stdout as one multi-document stream for `kubectl apply -f -`.
 */
export function registerCrdsCommand(program: Command): void {
  program
    .command('crds')
    .description('print the CustomResourceDefinitions (or write them and a kustomization.yaml to --out DIR)')
    .option('--out <dir>', 'write one file per CRD into this folder, e.g. manifests/crds')
    .action(async (options: { out?: string }) => {
      const files = renderCrdFiles();
      if (!options.out) {
        process.stdout.write(
          files
            .filter((f) => f.path !== 'kustomization.yaml')
            .map((f) => f.content)
            .join('---\n'),
        );
        return;
      }
      await mkdir(options.out, { recursive: true });
      for (const file of files) await writeFile(path.join(options.out, file.path), file.content);
      process.stdout.write(`Wrote ${files.length} files to ${options.out}.\n`);
    });
}
