import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../controller/local/project-root.js';

/**
 * The CI recipes of the README ("Plans in CI"), run as written: the YAML blocks are taken out of
 * README.md and every shell step runs in bash, as the runners run them, in a clone of a real git
 * repository with a pull-request branch. Only the install step is left out (the built CLI stands
 * in for the installed one), and `gh` and `curl` are recorders, so nothing leaves the machine.
 */
const cli = join(projectRoot(), 'dist', 'controller', 'cli', 'main.js');
const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');

/** The ```yaml block of the README whose first line is `# <name>`. */
function recipe(name: string): Record<string, unknown> {
  const block = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).find((b) => b.startsWith(`# ${name}\n`));
  expect(block, `README.md has no yaml block starting with "# ${name}"`).toBeDefined();
  return parse(block!) as Record<string, unknown>;
}

interface Step {
  name?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  run?: string;
}

interface Outcome {
  code: number;
  output: string;
}

/** The sample fleet's chart repository (127.0.0.1:8879) is not running here: versions stay unresolved, which the plan flags. */
describe('the CI recipes of the README', () => {
  let dir: string;
  let clone: string;
  let bin: string;
  let records: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });

  beforeAll(() => {
    expect(existsSync(cli), `${cli} is missing; run "npm run build" first`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'clusterext-ci-recipe-'));
    // The shared repository: main holds samples/fleet under fleet/.
    const seed = join(dir, 'seed');
    cpSync(join(projectRoot(), 'samples', 'fleet'), join(seed, 'fleet'), { recursive: true });
    git(seed, 'init', '-q', '-b', 'main');
    git(seed, 'add', '-A');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'fleet');
    execFileSync('git', ['clone', '-q', '--bare', seed, join(dir, 'origin.git')]);
    // The runner's checkout: a clone, on the branch of the pull request.
    clone = join(dir, 'checkout');
    execFileSync('git', ['clone', '-q', join(dir, 'origin.git'), clone]);
    git(clone, 'checkout', '-q', '-b', 'add-events');
    writeFileSync(
      join(clone, 'fleet', 'extensions', 'prod-us.yaml'),
      `${readFileSync(join(clone, 'fleet', 'extensions', 'prod-us.yaml'), 'utf8')}---\napiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata:\n  name: events\nspec:\n  clusterName: prod-us\n  extensionType: event-grid\n  scope: cluster\n`,
    );
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-am', 'add events to prod-us');
    // `clusterext` is the built CLI; `gh` and `curl` write down how they were called and the body they were given.
    bin = join(dir, 'bin');
    records = join(dir, 'records');
    mkdirSync(bin);
    mkdirSync(records);
    const script = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    script('clusterext', `exec "${process.execPath}" "${cli}" "$@"`);
    script('gh', `printf '%s\\n' "$@" > "${records}/gh-args"\nwhile [ $# -gt 0 ]; do if [ "$1" = --body-file ]; then cp "$2" "${records}/gh-body"; fi; shift; done`);
    script('curl', `printf '%s\\n' "$@" > "${records}/curl-args"\nfor a in "$@"; do case "$a" in body@*) cp "\${a#body@}" "${records}/curl-body";; esac; done`);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bash = (script: string, env: Record<string, string>, flags: string[]): Outcome => {
    const r = spawnSync('bash', [...flags, '-c', script], { cwd: clone, encoding: 'utf8', env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
  };

  /** Runs the workflow's steps as the Actions runner would for `event`, stopping at the first that fails. */
  function runGithubWorkflow(event: 'push' | 'pull_request', expressions: Record<string, string>): { steps: string[]; code: number; output: string; summary: string } {
    const workflow = recipe('.github/workflows/clusterext.yml') as { jobs: Record<string, { steps: Step[] }> };
    const [job] = Object.values(workflow.jobs);
    const summary = join(dir, `summary-${event}.md`);
    writeFileSync(summary, '');
    const ran: string[] = [];
    let output = '';
    for (const step of job!.steps) {
      if (step.uses || step.name === 'Install clusterext') continue;
      if (step.if !== undefined) {
        // The one condition the recipe uses; another one would need teaching here.
        expect(step.if).toBe("github.event_name == 'pull_request'");
        if (event !== 'pull_request') continue;
      }
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, v.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => expressions[e] ?? `<unknown ${e}>`)]));
      const outcome = bash(step.run!, { ...env, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' }, ['--noprofile', '--norc', '-eo', 'pipefail']);
      ran.push(step.name ?? '(unnamed)');
      output += outcome.output;
      if (outcome.code !== 0) return { steps: ran, code: outcome.code, output, summary: readFileSync(summary, 'utf8') };
    }
    return { steps: ran, code: 0, output, summary: readFileSync(summary, 'utf8') };
  }

  const pr = { 'github.base_ref': 'main', 'github.event.pull_request.number': '17', 'github.token': 'not-a-real-token' };

  it('GitHub Actions, on a pull request: validates, annotates the changed manifest line, writes the job summary and comments the markdown plan', () => {
    rmSync(join(records, 'gh-body'), { force: true });
    const run = runGithubWorkflow('pull_request', pr);
    expect(run.code, run.output).toBe(0);
    expect(run.steps).toEqual(['Validate', 'Plan']);
    const annotated = /^::(?:notice|warning) file=fleet\/extensions\/prod-us\.yaml,line=(\d+),title=prod-us\/events%3A install[^:]*::/m.exec(run.output);
    expect(annotated, run.output).not.toBeNull();
    // The line is where the new Extension's document starts.
    const lines = readFileSync(join(clone, 'fleet', 'extensions', 'prod-us.yaml'), 'utf8').split('\n');
    expect(lines.slice(Number(annotated![1]) - 1, Number(annotated![1]) + 3).join('\n')).toContain('name: events');
    expect(run.output).toMatch(/^::notice title=clusterext plan::Plan: 1 to install, /m);
    expect(run.summary).toMatch(/^## clusterext plan /m);
    expect(run.summary).toMatch(/\| (?:🟢|⚠️) \| install[^|]* \| `events` \|/);
    expect(readFileSync(join(records, 'gh-args'), 'utf8').split('\n').slice(0, 4)).toEqual(['pr', 'comment', '17', '--body-file']);
    expect(readFileSync(join(records, 'gh-body'), 'utf8')).toBe(run.summary);
  });

  it('GitHub Actions, on a push: validates only', () => {
    const run = runGithubWorkflow('push', pr);
    expect(run.code, run.output).toBe(0);
    expect(run.steps).toEqual(['Validate']);
  });

  it('GitHub Actions: a pull request that changes nothing gets no comment, and an invalid one fails the job with ::error annotations', () => {
    rmSync(join(records, 'gh-args'), { force: true });
    git(clone, 'checkout', '-q', 'main');
    const same = runGithubWorkflow('pull_request', pr);
    git(clone, 'checkout', '-q', 'add-events');
    expect(same.code, same.output).toBe(0);
    expect(same.output).toMatch(/^::notice title=clusterext plan::No changes\./m);
    expect(existsSync(join(records, 'gh-args'))).toBe(false);

    git(clone, 'checkout', '-q', '-b', 'broken');
    const file = join(clone, 'fleet', 'extensions', 'prod-us.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  extensionType: event-grid\n', '  extensionType: event-grid\n  autoUpgradeMinorVersion: false\n  version: 1.0.029903\n'));
    git(clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-am', 'broken');
    const broken = runGithubWorkflow('pull_request', pr);
    git(clone, 'checkout', '-q', 'add-events');
    expect(broken.code).not.toBe(0);
    expect(broken.steps).toEqual(['Validate']);
    expect(broken.output).toMatch(/^::error file=fleet\/extensions\/prod-us\.yaml,line=\d+,col=\d+,title=InvalidSemver::/m);
    expect(existsSync(join(records, 'gh-args'))).toBe(false);
  });

  it('GitLab CI, on a merge request: validates, fetches the target branch and posts the markdown plan as a note', () => {
    const job = (recipe('.gitlab-ci.yml') as Record<string, { script: string[]; before_script?: string[] }>).clusterext!;
    expect(job.before_script).toEqual(['npm install --global clusterext']);
    const env = {
      CI_MERGE_REQUEST_IID: '17',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_API_V4_URL: 'https://gitlab.example/api/v4',
      CI_PROJECT_ID: '42',
      CLUSTEREXT_NOTE_TOKEN: 'not-a-real-token',
    };
    // GitLab runs the script lines in one bash with errexit and pipefail.
    const run = bash(job.script.join('\n'), env, ['--noprofile', '--norc', '-eo', 'pipefail']);
    expect(run.code, run.output).toBe(0);
    const args = readFileSync(join(records, 'curl-args'), 'utf8').split('\n');
    expect(args).toContain('PRIVATE-TOKEN: not-a-real-token');
    expect(args).toContain('https://gitlab.example/api/v4/projects/42/merge_requests/17/notes');
    const body = readFileSync(join(records, 'curl-body'), 'utf8');
    expect(body).toMatch(/^## clusterext plan `origin\/main \(\w+\)` → `HEAD \(\w+\)`/);
    expect(body).toMatch(/\| (?:🟢|⚠️) \| install[^|]* \| `events` \|/);
    // Outside a merge request, only validate runs.
    rmSync(join(records, 'curl-args'));
    const push = bash(job.script.join('\n'), {}, ['--noprofile', '--norc', '-eo', 'pipefail']);
    expect(push.code, push.output).toBe(0);
    expect(existsSync(join(records, 'curl-args'))).toBe(false);
  });
});
