import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitServer } from '../../controller/local/git-server.js';

/**
 * Creates repository `name` on the test git server with `files` (path → content) as its first
 * commit, written out to `dir` first (it stays, for a test that also reads the files there); returns
 * the clone URL.
 */
export async function seedRepository(git: Pick<GitServer, 'createRepository'>, name: string, dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return git.createRepository(name, dir);
}
