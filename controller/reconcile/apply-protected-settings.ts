import { ClusterextError } from '../errors/clusterext-error.js';
import { computeConfigDigest } from '../plan/config-digest.js';
import type { DesiredRelease } from '../plan/desired-release.js';
import { nestSettings, splitSettingKey } from '../plan/nest-settings.js';
import { versionLabel } from '../plan/resolve-version.js';
import { computeProtectedDigest } from './protected-digest.js';

export interface ProtectedSettings {
  /** The desired release with a configDigest that covers the protected settings too. */
  desired: DesiredRelease;
  /** Nested like `values`; for helm only (UpgradeInstallRequest.protectedValues). */
  protectedValues: Record<string, unknown>;
  /** HMAC of the Secret's data; the only form of it that may be recorded. */
  protectedDigest: string;
  /** Where the protected values sit in the release's values, for `readLatestRelease({redactPaths})`. */
  redactPaths: string[][];
}

/**
 * Folds a protected-settings Secret into a desired release from the plan stage (which cannot read
 * Secrets): the Secret's keys are settings keys (dots nest, `\.` is a literal dot) and its values
 * are strings. The configDigest is recomputed with the protected digest, so a change of a protected
 * value alone makes the release out of sync. Throws `ProtectedSettingsInvalid` naming the keys — never
 * the values — when they cannot be nested.
 */
export function applyProtectedSettings(desired: DesiredRelease, secretData: Readonly<Record<string, string>>, hmacKey: string | Uint8Array): ProtectedSettings {
  const nested = nestSettings(secretData);
  if (nested.problems.length > 0) {
    const secret = desired.protectedSettingsRef?.secretName ?? '';
    throw new ClusterextError(
      'ProtectedSettingsInvalid',
      `The protected settings Secret "${secret}" of Extension "${desired.extension}" has unusable keys: ${nested.problems.map((p) => p.message).join(' ')}`,
      { secret, keys: nested.problems.map((p) => p.key) },
    );
  }
  const protectedDigest = computeProtectedDigest(secretData, hmacKey);
  const configDigest = computeConfigDigest({ chart: desired.chart, version: versionLabel(desired.version), values: desired.values, protectedDigest });
  return {
    desired: { ...desired, configDigest },
    protectedValues: nested.values,
    protectedDigest,
    redactPaths: Object.keys(secretData).sort().map(splitSettingKey),
  };
}
