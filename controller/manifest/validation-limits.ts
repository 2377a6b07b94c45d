/**
 * Limits that validation enforces on what users write, so that a revision which passes
 * `validate` can also be planned and applied without exhausting the stack or memory. `validate`,
 * `plan` and the controller take the same flags with the same defaults; give them the same values
 * so that they agree on which revisions are valid.
 */
export interface ValidationLimits {
  /** Path segments in one `configurationSettings` key (`a.b.c` has 3). Flag `--max-setting-depth`. */
  maxSettingDepth: number;
  /**
   * Characters one YAML document may hold with every alias (`*name`) expanded: an alias costs the
   * size of what it repeats wherever the values are encoded (the plan, the digest, Helm's values),
   * so a small file can stand for gigabytes. Flag `--max-expanded-size`.
   */
  maxExpandedSize: number;
}

/**
 * Setting depth: deeper than any chart's values we know of, far below what a recursive encoder
 * cannot handle. Expanded size: 8 MiB, far above any real manifest (the largest settings we know
 * of, dashboards as JSON, are hundreds of KiB), far below the controller's 512 MiB memory limit.
 */
export const DEFAULT_VALIDATION_LIMITS: Readonly<ValidationLimits> = { maxSettingDepth: 32, maxExpandedSize: 8 * 1024 * 1024 };

/** The largest `--max-setting-depth` accepted: JSON and YAML encoders of the values recurse per level. */
export const MAX_SETTING_DEPTH_CEILING = 1000;
