import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterextError, ExitError } from '../errors/clusterext-error.js';
import { redactUrl } from '../errors/redact-url.js';
import type { Fleet } from '../manifest/fleet.js';
import type { FleetFile } from '../manifest/fleet-file.js';
import { validateFleetFiles } from '../manifest/load-fleet.js';
import type { ValidationLimits } from '../manifest/validation-limits.js';
import { computePlan } from '../plan/compute-plan.js';
import { renderDiagnostics } from '../render/diagnostics.js';
import { terminalText } from '../render/escape-output.js';
import { renderPlanHuman } from '../render/render-plan-human.js';
import { PROTECTED_SETTINGS_LABEL } from '../runtime/protected-settings-secret.js';
import { withHub, type HubOptions } from './hub-options.js';
import { deleteProtectedSettingsSecret, writeProtectedSettingsSecret, type RestoreSecret } from './write-protected-settings-secret.js';

/** One edit of one manifest file by `extension create|update|delete`, and what to do with it. */
export interface FleetEdit {
  repoDir: string;
  /** The files as read, and their validated fleet. */
  files: readonly FleetFile[];
  before: Fleet;
  /** The file that changes (relative to repoDir): its new content, or null to delete it. */
  file: { path: string; content: string | null };
  /** `with prod-eu/events`: the head of the printed plan. */
  headLabel: string;
  /** A sentence for when the edited fleet does not validate: `Extension "x" on cluster "y" would not validate`. */
  invalid: string;
  /** The commit message, naming the change. */
  message: string;
  commit: boolean;
  push: boolean;
  /** Protected settings for a Secret on the hub: the complete set. */
  protectedSettings?: { hub: HubOptions; secretName: string; settings: Record<string, string> };
  /** A protected-settings Secret on the hub to delete with the change (`extension delete`). */
  removeProtectedSettings?: { hub: HubOptions; secretName: string };
  color: boolean;
  /** What the edited fleet is validated with, as `before` was; default DEFAULT_VALIDATION_LIMITS. */
  limits?: ValidationLimits;
}

/**
 * The steps every imperative command shares, in an order that leaves nothing half-done: the edited
 * fleet is validated as `validate` would and its plan printed; with --commit or --push the git
 * working tree is checked before anything is written; then the protected settings go to the hub
 * (or their Secret is deleted from it), the file is written, committed and pushed. When committing
 * or pushing fails (a rejected push), the commit is undone, the file and the Secret are put back as
 * they were, and the error says why.
 */
export async function applyFleetEdit(edit: FleetEdit): Promise<void> {
  const original = edit.files.find((f) => f.path === edit.file.path);
  const edited = original ? edit.files.flatMap((f) => (f.path !== edit.file.path ? [f] : edit.file.content === null ? [] : [{ ...f, content: edit.file.content }])) : [...edit.files, { path: edit.file.path, content: edit.file.content ?? '' }];
  const after = validateFleetFiles(edited, edit.limits ? { limits: edit.limits } : {});
  if (!after.fleet) {
    process.stdout.write(renderDiagnostics(after.diagnostics, 'human', { color: edit.color, pathPrefix: pathPrefix(edit.repoDir) }));
    throw new ExitError(1, `${edit.invalid} (see above); nothing was written.`);
  }
  const plan = computePlan({ base: edit.before, head: after.fleet, baseRevision: 'working tree', headRevision: edit.headLabel });
  process.stdout.write(renderPlanHuman(plan, { color: edit.color }));

  const changesFile = original?.content !== edit.file.content;
  const git = edit.commit || edit.push ? gitIn(edit.repoDir) : undefined;
  if (git && changesFile) checkWorkingTree(git, edit);

  let restoreSecret: RestoreSecret | undefined;
  if (edit.protectedSettings) {
    const { hub: hubOptions, secretName, settings } = edit.protectedSettings;
    restoreSecret = await withHub(hubOptions, (hub) => writeProtectedSettingsSecret(hub.kube, hub.namespace, secretName, settings));
    const keys = Object.keys(settings);
    process.stderr.write(`Wrote ${keys.length} protected setting(s) (${keys.map((k) => `"${terminalText(k)}"`).join(', ') || 'none'}) to Secret "${secretName}" in namespace "${hubOptions.namespace}" on the hub; values are not shown.\n`);
  }
  if (edit.removeProtectedSettings) {
    const { hub: hubOptions, secretName } = edit.removeProtectedSettings;
    const removal = await withHub(hubOptions, (hub) => deleteProtectedSettingsSecret(hub.kube, hub.namespace, secretName));
    if (removal.deleted) restoreSecret = removal.restore;
    process.stderr.write(
      removal.deleted
        ? `Deleted the protected-settings Secret "${secretName}" in namespace "${hubOptions.namespace}" on the hub.\n`
        : removal.reason === 'absent'
          ? `The protected-settings Secret "${secretName}" does not exist in namespace "${hubOptions.namespace}" on the hub; there was nothing to delete.\n`
          : `The Secret "${secretName}" in namespace "${hubOptions.namespace}" is not marked for protected settings (label ${PROTECTED_SETTINGS_LABEL}=true), so it may hold something else; it was left as it is.\n`,
    );
  }
  if (!changesFile) {
    process.stderr.write('No manifest changes; nothing to commit.\n');
    return;
  }
  const file = path.join(edit.repoDir, edit.file.path);
  try {
    if (edit.file.content === null) rmSync(file);
    else {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, edit.file.content);
    }
    process.stderr.write(`${edit.file.content === null ? 'Deleted' : original ? 'Edited' : 'Created'} ${file}.\n`);
    if (git) commitAndPush(git, edit);
  } catch (err) {
    if (original) writeFileSync(file, original.content);
    else rmSync(file, { force: true });
    if (restoreSecret) await restoreSecret();
    throw err;
  }
}

type Git = (...args: string[]) => { status: number; stdout: string; stderr: string };

/** The git CLI in the repository, with the user's own configuration and credentials; never prompts. */
function gitIn(repoDir: string): Git {
  return (...args) => {
    const r = spawnSync('git', ['-C', repoDir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw new ClusterextError('GitNotFound', 'The git command could not be run; install git, or drop --commit and --push.', {});
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Refuses, before anything is written, what would make the commit or the push go wrong. */
function checkWorkingTree(git: Git, edit: FleetEdit): void {
  if (git('rev-parse', '--show-toplevel').status !== 0) {
    throw new ClusterextError('NotAGitRepository', `"${edit.repoDir}" is not inside a git repository, so --commit and --push cannot be used; drop them to only edit the file. Nothing was written.`, { repoDir: edit.repoDir });
  }
  if (git('status', '--porcelain', '--', edit.file.path).stdout.trim() !== '') {
    throw new ClusterextError(
      'UncommittedChanges',
      `"${path.join(edit.repoDir, edit.file.path)}" has uncommitted changes, which --commit would take into a commit that names only this change; commit or stash them first. Nothing was written.`,
      { file: edit.file.path },
    );
  }
  if (edit.push && git('rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}').status !== 0) {
    throw new ClusterextError(
      'NoUpstreamBranch',
      `The current branch of "${edit.repoDir}" has no upstream branch to push to; set one (git push --set-upstream origin <branch>) or drop --push. Nothing was written.`,
      { repoDir: edit.repoDir },
    );
  }
}

/** Commits only the edited file and pushes; on failure the commit is undone (the caller restores the file). */
function commitAndPush(git: Git, edit: FleetEdit): void {
  const head = git('rev-parse', '--verify', '-q', 'HEAD');
  const before = head.status === 0 ? head.stdout.trim() : undefined;
  const staged = git('add', '-A', '--', edit.file.path);
  const committed = staged.status === 0 ? git('commit', '-q', '-m', edit.message, '--', edit.file.path) : staged;
  if (committed.status !== 0) {
    if (before) git('reset', '-q', '--', edit.file.path);
    else git('rm', '-q', '--cached', '--ignore-unmatch', '--', edit.file.path);
    throw new ClusterextError('GitCommitFailed', `Committing the change failed (${gitProblem(committed.stderr)}); the file was put back and nothing was written.`, { file: edit.file.path });
  }
  process.stderr.write(`Committed: ${edit.message}.\n`);
  if (!edit.push) return;
  const pushed = git('push', '-q', '--porcelain');
  if (pushed.status === 0) {
    process.stderr.write('Pushed.\n');
    return;
  }
  // Undo the commit and its staging; the caller puts the file (and the Secret) back.
  if (before) {
    git('reset', '-q', '--soft', before);
    git('reset', '-q', before, '--', edit.file.path);
  } else {
    git('update-ref', '-d', 'HEAD');
    git('rm', '-q', '--cached', '--ignore-unmatch', '--', edit.file.path);
  }
  const output = `${pushed.stdout}\n${pushed.stderr}`;
  const rejected = /\[rejected\]|non-fast-forward|fetch first|\(stale info\)/.test(output);
  throw new ClusterextError(
    rejected ? 'PushRejected' : 'PushFailed',
    rejected
      ? `The push was rejected: the remote branch has commits this clone does not have (non-fast-forward). The commit was undone and the file${touchesSecret(edit) ? ' and the protected-settings Secret' : ''} put back, so nothing changed; run "git pull --rebase" in "${edit.repoDir}" and run the command again.`
      : `The push failed (${gitProblem(output)}). The commit was undone and the file${touchesSecret(edit) ? ' and the protected-settings Secret' : ''} put back, so nothing changed; check the remote and your git credentials, then run the command again.`,
    { repoDir: edit.repoDir },
  );
}

/**
 * git's own words, for the message: the `error:`/`fatal:` lines, one line, at most 300 characters,
 * URLs without their credentials and control characters made visible.
 */
function gitProblem(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => /^(error|fatal|remote):/i.test(l) || l.startsWith('!'));
  const text = redactUrl((lines.length > 0 ? lines : output.split('\n').filter((l) => l.trim() !== '')).join(' ').replace(/\s+/g, ' ').trim());
  const short = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return terminalText(short || 'git gave no reason');
}

/** The edit writes or deletes a protected-settings Secret (which a failed push puts back). */
function touchesSecret(edit: FleetEdit): boolean {
  return edit.protectedSettings !== undefined || edit.removeProtectedSettings !== undefined;
}

function pathPrefix(repoDir: string): string {
  const normalized = path.normalize(repoDir).split(path.sep).join('/');
  return normalized === '.' ? '' : normalized.endsWith('/') ? normalized : `${normalized}/`;
}
