import semver from 'semver';

/**
 * Strict SemVer 2.0.0 (DESIGN.md §1): exactly the grammar of semver.org, nothing trimmed or
 * coerced. npm `semver` even in strict mode accepts a `v` prefix and surrounding spaces, so the
 * grammar is checked here by hand; the regular expression below is the one semver.org publishes and
 * is what the CRD schemas use as `pattern` (a test proves the two agree).
 */
export const STRICT_SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)' +
  '(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?' +
  '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

export type SemverCheck = { ok: true } | { ok: false; reason: string; suggestion?: string };

/**
 * The one relaxation of strict SemVer, opted into per ExtensionType (`spec.versionPrefix: v`): some
 * chart repositories (cert-manager's, for one) publish every version as `v1.15.1`. With it, a chart
 * version may be exactly a lower-case `v` followed by a strict SemVer version; everything else about
 * the version stays strict (`v1.0.029903` is still rejected).
 */
export type VersionPrefix = 'v';
export const VERSION_PREFIXES: readonly VersionPrefix[] = ['v'];

/**
 * The schema pattern of an Extension's `spec.version`: strict SemVer with an optional `v`. Whether
 * the `v` is allowed depends on the ExtensionType, which a schema cannot see; the fleet rules check
 * that with `checkChartVersion`.
 */
export const PREFIXABLE_SEMVER_PATTERN = `^v?${STRICT_SEMVER_PATTERN.slice(1)}`;

/**
 * A chart version as an ExtensionType with `prefix` (or none) reads it: strict SemVer, or with
 * prefix `v` also exactly `v` followed by strict SemVer. The one check behind index versions,
 * pinned versions and the schema message.
 */
export function checkChartVersion(version: string, prefix: VersionPrefix | undefined): SemverCheck {
  if (prefix === undefined || !version.startsWith(prefix)) return checkStrictSemver(version);
  const rest = checkStrictSemver(version.slice(prefix.length));
  if (rest.ok) return rest;
  // The suggestion keeps the prefix the type accepts: v1.0.029903 → v1.0.29903.
  if (rest.suggestion === undefined) return { ok: false, reason: `after its "${prefix}" prefix, ${rest.reason}` };
  const suggestion = `${prefix}${rest.suggestion}`;
  return { ok: false, reason: `after its "${prefix}" prefix, ${rest.reason.replace(`did you mean ${rest.suggestion}?`, `did you mean ${suggestion}?`)}`, suggestion };
}

/** Whether `version` is `v` followed by a strict SemVer version, the form `versionPrefix: v` accepts. */
export function hasVersionPrefix(version: string): boolean {
  return version.startsWith('v') && checkStrictSemver(version.slice(1)).ok;
}

const CORE_PARTS = ['major', 'minor', 'patch'] as const;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;
const DIGITS = /^\d+$/;

export function checkStrictSemver(version: string): SemverCheck {
  const reason = findProblem(version);
  if (reason === undefined) return { ok: true };
  const suggestion = suggestFix(version);
  return suggestion !== undefined && suggestion !== version && findProblem(suggestion) === undefined
    ? { ok: false, reason: `${reason}; did you mean ${suggestion}?`, suggestion }
    : { ok: false, reason };
}

/**
 * Whether a strict SemVer version can also be compared: SemVer sets no limit on a numeric part,
 * but version comparison here (npm `semver`) and in Helm (64-bit integers) does, so a part above
 * 2^53 − 1 (e.g. `99999999999999999999.0.0`) cannot be ordered against other versions. Such a
 * version is reported, never compared (comparing it throws).
 */
export function checkComparableSemver(version: string): SemverCheck {
  const { core } = splitVersion(version.replace(/^v/, ''));
  for (const [i, part] of core.split('.').entries()) {
    if (DIGITS.test(part) && !Number.isSafeInteger(Number(part))) {
      return { ok: false, reason: `${CORE_PARTS[i] ?? 'part'} ${part} is larger than ${Number.MAX_SAFE_INTEGER}, the largest version number clusterext and Helm can compare` };
    }
  }
  return { ok: true };
}

/**
 * A whole sentence for diagnostics and ignored chart versions:
 * `spec.version "1.0.029903" is not a strict SemVer 2.0.0 version: patch "029903" has a leading zero; did you mean 1.0.29903?`
 */
export function describeSemverProblem(subject: string, version: string, check: Extract<SemverCheck, { ok: false }>): string {
  const end = /[.?]$/.test(check.reason) ? '' : '.';
  return `${subject} ${JSON.stringify(version)} is not a strict SemVer 2.0.0 version: ${check.reason}${end}`;
}

/** The first thing wrong with `version`, or undefined when it is exactly SemVer 2.0.0. */
function findProblem(version: string): string | undefined {
  if (version.length === 0) return 'it is empty';
  if (version.trim() !== version) return 'it has surrounding whitespace';
  if (/\s/.test(version)) return 'it contains whitespace';
  if (/^[vV]/.test(version)) return `it has a "${version[0]}" prefix`;
  const { core, prerelease, build } = splitVersion(version);
  const parts = core.split('.');
  if (parts.length !== 3) {
    return `it has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'} before any "-" or "+"; SemVer needs exactly three (major.minor.patch)`;
  }
  for (const [i, part] of parts.entries()) {
    const name = CORE_PARTS[i] ?? 'part';
    if (part === '') return `${name} is empty`;
    if (!DIGITS.test(part)) return `${name} ${JSON.stringify(part)} is not a number`;
    if (part.length > 1 && part.startsWith('0')) return `${name} ${JSON.stringify(part)} has a leading zero`;
  }
  if (prerelease !== undefined) {
    const problem = identifierProblem('prerelease', prerelease, true);
    if (problem) return problem;
  }
  if (build !== undefined) {
    const problem = identifierProblem('build metadata', build, false);
    if (problem) return problem;
  }
  return undefined;
}

function identifierProblem(what: string, text: string, numericMustNotHaveLeadingZero: boolean): string | undefined {
  if (text === '') return `${what} is empty`;
  for (const id of text.split('.')) {
    if (id === '') return `${what} ${JSON.stringify(text)} has an empty identifier`;
    if (!IDENTIFIER.test(id)) return `${what} identifier ${JSON.stringify(id)} has characters other than 0-9, A-Z, a-z and "-"`;
    if (numericMustNotHaveLeadingZero && DIGITS.test(id) && id.length > 1 && id.startsWith('0')) {
      return `${what} identifier ${JSON.stringify(id)} is numeric with a leading zero`;
    }
  }
  return undefined;
}

/** core, then `-prerelease` up to the first `+`, then `+build`. A `-` inside build metadata stays there. */
function splitVersion(version: string): { core: string; prerelease?: string; build?: string } {
  const plus = version.indexOf('+');
  const beforeBuild = plus === -1 ? version : version.slice(0, plus);
  const build = plus === -1 ? undefined : version.slice(plus + 1);
  const dash = beforeBuild.indexOf('-');
  const core = dash === -1 ? beforeBuild : beforeBuild.slice(0, dash);
  const prerelease = dash === -1 ? undefined : beforeBuild.slice(dash + 1);
  return { core, ...(prerelease !== undefined ? { prerelease } : {}), ...(build !== undefined ? { build } : {}) };
}

/**
 * The version the user most likely meant: trimmed, without `v`, leading zeros dropped, missing
 * minor/patch filled with 0. Only offered when the result is itself valid.
 */
function suggestFix(version: string): string | undefined {
  const trimmed = version.trim().replace(/^[vV](?=\d)/, '');
  const { core, prerelease, build } = splitVersion(trimmed);
  const parts = core.split('.');
  if (parts.length < 1 || parts.length > 3 || !parts.every((p) => DIGITS.test(p))) return undefined;
  while (parts.length < 3) parts.push('0');
  let fixed = parts.map(stripLeadingZeros).join('.');
  if (prerelease !== undefined) {
    fixed += '-' + prerelease.split('.').map((id) => (DIGITS.test(id) ? stripLeadingZeros(id) : id)).join('.');
  }
  if (build !== undefined) fixed += '+' + build;
  return fixed;
}

function stripLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}

/**
 * A semver range such as `>=1.27.0 <1.32.0` (npm syntax), for `requirements.kubernetesVersion`.
 * Empty or blank ranges are rejected: npm reads them as `*`, which is never what a requirement meant.
 */
export function checkSemverRange(range: string): SemverCheck {
  if (range.trim() === '') return { ok: false, reason: 'it is empty; omit kubernetesVersion to allow every version' };
  if (semver.validRange(range) === null) {
    return { ok: false, reason: 'it is not a semver range (examples: ">=1.27.0", ">=1.27.0 <1.32.0", "1.30.x", "^1.29.0")' };
  }
  return { ok: true };
}
