/**
 * Limits that validation enforces on what users write, so that a revision which passes
 * `validate` can also be planned and applied without exhausting the stack or memory, and the one
 * fact about the deployment the rules depend on (the controller's namespace). `validate`, `plan`
 * and the controller take the same flags with the same defaults; give them the same values so
 * that they agree on which revisions are valid.
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
  /**
   * Diagnostics shown for one file; the rest are one `MoreDiagnostics` line naming how many. A
   * generated or broken file can hold a problem per line, and each costs memory, output and status.
   * Flag `--max-diagnostics-per-file`.
   */
  maxDiagnosticsPerFile: number;
  /** Diagnostics shown in all; the files past it get one `MoreDiagnostics` line. Flag `--max-diagnostics`. */
  maxDiagnostics: number;
  /**
   * The namespace the controller runs in: a system namespace no namespace-scoped Extension may
   * target (it holds kubeconfigs, protected settings and the digest key). `validate` and `plan`
   * take it as `--controller-namespace`; the controller uses the namespace it runs in (`-n`).
   */
  controllerNamespace: string;
}

/** The namespace the controller runs in unless told otherwise (`controller -n`, `--controller-namespace`). */
export const DEFAULT_CONTROLLER_NAMESPACE = 'clusterext-system';

/**
 * Setting depth: deeper than any chart's values we know of, far below what a recursive encoder
 * cannot handle. Expanded size: 8 MiB, far above any real manifest (the largest settings we know
 * of, dashboards as JSON, are hundreds of KiB), far below the controller's 512 MiB memory limit.
 * Diagnostics: 100 per file and 1,000 in all are more than anyone fixes in one go, and keep the
 * output of a file with a million broken lines (and its status) small.
 */
export const DEFAULT_VALIDATION_LIMITS: Readonly<ValidationLimits> = {
  maxSettingDepth: 32,
  maxExpandedSize: 8 * 1024 * 1024,
  maxDiagnosticsPerFile: 100,
  maxDiagnostics: 1000,
  controllerNamespace: DEFAULT_CONTROLLER_NAMESPACE,
};

/** The largest `--max-setting-depth` accepted: JSON and YAML encoders of the values recurse per level. */
export const MAX_SETTING_DEPTH_CEILING = 1000;
