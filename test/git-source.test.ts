import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../controller/local/git-server.js';
import { projectRoot } from '../controller/local/project-root.js';
import { fetchGitSource } from '../controller/source/git-source.js';

// A password with the characters that end userinfo early in naive parsers.
const PASSWORD = 'p@ss/w:rd-canary-5521';

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

describe('fetching a git repository whose URL carries credentials', () => {
  let git: GitServer;
  let work: string;
  beforeAll(async () => {
    git = await startGitServer({ auth: { username: 'robot', password: PASSWORD } });
    await git.createRepository('fleet', join(projectRoot(), 'samples', 'fleet'));
    work = mkdtempSync(join(tmpdir(), 'git-source-test-'));
  });
  afterAll(async () => {
    await git?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const withUserinfo = (password: string) => git.repositoryUrl('fleet').replace('http://', `http://robot:${encodeURIComponent(password)}@`);

  it('fetches with them and stores none of them in the cache', async () => {
    const cacheDir = join(work, 'good');
    const result = await fetchGitSource({ url: withUserinfo(PASSWORD), branch: 'main', cacheDir });
    expect(result.commit).toBe(await git.headOf('fleet'));
    const config = readFileSync(join(cacheDir, '.git', 'config'), 'utf8');
    expect(config).toContain(git.repositoryUrl('fleet'));
    const stored = allText(cacheDir);
    expect(stored).not.toContain('canary-5521');
    expect(stored).not.toContain(encodeURIComponent(PASSWORD));
    expect(stored).not.toContain('robot:');
  });

  it('names the URL without them when the server refuses them', async () => {
    const wrong = 'wr@ng/pass-canary-9034';
    const error = (await fetchGitSource({ url: withUserinfo(wrong), branch: 'main', cacheDir: join(work, 'bad') }).catch((e: unknown) => e)) as Error & { code: string; data: unknown };
    expect(error.code).toBe('GitAuthFailed');
    expect(error.message).toContain(git.repositoryUrl('fleet'));
    const shown = `${error.message} ${JSON.stringify(error.data)}`;
    expect(shown).not.toContain('canary-9034');
    expect(shown).not.toContain(encodeURIComponent(wrong));
    expect(shown).not.toContain('robot');
    expect(allText(join(work, 'bad'))).not.toContain('canary-9034');
  });
});
