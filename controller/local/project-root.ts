import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The clusterext project folder (the one holding its package.json). The same code runs from the
 * source tree (controller/local/*.ts under vitest) and from dist/ (`npm run bench`, the CLI), so the
 * root is found by walking up rather than by a fixed number of `..`.
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'clusterext') {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No clusterext package.json above ${fileURLToPath(import.meta.url)}.`);
    dir = parent;
  }
}
