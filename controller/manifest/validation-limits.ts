/**
 * Limits that validation enforces on what users write, so that a revision which passes
 * `validate` can also be planned and applied without exhausting the stack or memory. `validate`,
 * `plan` and the controller take the same flags with the same defaults; give them the same values
 * so that they agree on which revisions are valid.
 */
export interface ValidationLimits {
  /** Path segments in one `configurationSettings` key (`a.b.c` has 3). Flag `--max-setting-depth`. */
  maxSettingDepth: number;
}

/** Deeper than any chart's values we know of, far below what a recursive encoder cannot handle. */
export const DEFAULT_VALIDATION_LIMITS: Readonly<ValidationLimits> = { maxSettingDepth: 32 };

/** The largest `--max-setting-depth` accepted: JSON and YAML encoders of the values recurse per level. */
export const MAX_SETTING_DEPTH_CEILING = 1000;
