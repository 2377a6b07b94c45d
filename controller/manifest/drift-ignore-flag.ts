import type { DriftIgnoreRule } from './fleet.js';
import { driftIgnoreRuleProblems } from './schema-validation.js';
import { MAX_DRIFT_IGNORE_RULES } from './schemas.js';

/** How a `--drift-ignore` rule is written, for help texts and messages. */
export const DRIFT_IGNORE_FLAG_SYNTAX = '[KIND[/NAME]:]POINTER';

/**
 * The rules of `--drift-ignore` values, each `[KIND[/NAME]:]POINTER`: `/spec/replicas` (every
 * object), `Deployment:/spec/replicas` (Deployments), `Deployment/web:/spec/replicas` (the
 * Deployment "web"); a KIND of `*` is any kind, for a rule by name alone. The selector
 * ends at the first ":/" (a name cannot hold "/", so a name like "system:auth" still parses), else
 * at the first ":". Each rule is then checked by the schema of `spec.driftIgnore[]`, with the
 * manifest's wording; every problem is added to `problems`, naming the value it is in.
 */
export function parseDriftIgnoreFlag(values: readonly string[], problems: string[], flag = '--drift-ignore'): DriftIgnoreRule[] {
  const rules: DriftIgnoreRule[] = [];
  for (const value of values) {
    const at = `${flag} ${JSON.stringify(value)}`;
    const split = value.startsWith('/') ? -1 : value.includes(':/') ? value.indexOf(':/') : value.indexOf(':');
    const selector = split < 0 ? undefined : value.slice(0, split);
    const path = split < 0 ? value : value.slice(split + 1);
    const rule: DriftIgnoreRule = { path };
    if (selector !== undefined) {
      const slash = selector.indexOf('/');
      const kind = slash < 0 ? selector : selector.slice(0, slash);
      const name = slash < 0 ? undefined : selector.slice(slash + 1);
      if (kind === '') {
        problems.push(`${at}: the selector before ":" has no kind; write ${DRIFT_IGNORE_FLAG_SYNTAX}, with * for any kind (e.g. "*/${name || 'web'}:${path}").`);
        continue;
      }
      if (name === '') {
        problems.push(`${at}: "${selector}" has no name after "/"; write ${kind}/NAME:${path}, or ${kind}:${path} for every ${kind}.`);
        continue;
      }
      if (kind !== '*') rule.kind = kind;
      if (name !== undefined) rule.name = name;
    }
    const wrong = driftIgnoreRuleProblems(rule);
    if (wrong.length > 0) {
      problems.push(...wrong.map((p) => `${at}: ${p}`));
      continue;
    }
    if (!rules.some((r) => r.path === rule.path && r.kind === rule.kind && r.name === rule.name)) rules.push(rule);
  }
  if (rules.length > MAX_DRIFT_IGNORE_RULES) problems.push(`${flag} gives ${rules.length} rules; an Extension may have at most ${MAX_DRIFT_IGNORE_RULES} (cover more with a shorter path or a "*" segment).`);
  return rules;
}

/** A rule as `--drift-ignore` takes it (parseDriftIgnoreFlag reads it back to the same rule). */
export function formatDriftIgnoreRule(rule: DriftIgnoreRule): string {
  if (rule.kind === undefined && rule.name === undefined) return rule.path;
  return `${rule.kind ?? '*'}${rule.name !== undefined ? `/${rule.name}` : ''}:${rule.path}`;
}
