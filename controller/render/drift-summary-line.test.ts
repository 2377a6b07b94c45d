import { describe, expect, it } from 'vitest';
import { driftExitCode } from '../drift/drift-report.js';
import { cleanDriftReport, sampleDriftReport, summarize } from '../../test/support/sample-drift-report.js';
import { driftSummaryLine } from './drift-summary-line.js';

describe('driftSummaryLine and the exit code', () => {
  it('says in words that nothing drifted, and exits 0', () => {
    const report = cleanDriftReport();
    expect(driftSummaryLine(report)).toBe('No drift: all 1 release on 1 cluster are as git wants them.');
    expect(driftExitCode(report)).toBe(0);
  });

  it('counts what differs by state and the drifted objects, and names the failed checks and unreachable clusters', () => {
    const report = sampleDriftReport();
    expect(driftSummaryLine(report)).toBe(
      'Drift: 6 of 8 releases differ from git (1 failed, 1 missing, 1 foreign, 1 orphaned, 2 drifted); 4 objects drifted; the check of 1 release failed; 1 of 3 clusters could not be reached (not checked).',
    );
    // A check that failed anywhere wins over drift: the report is incomplete.
    expect(driftExitCode(report)).toBe(1);
  });

  it('exits 2 on drift when every cluster was checked', () => {
    const report = sampleDriftReport();
    const checked = summarize(report.source, report.clusters.filter((c) => c.reachable).map((c) => ({ ...c, extensions: c.extensions.filter((e) => e.state !== 'error') })));
    expect(driftExitCode(checked)).toBe(2);
    expect(driftSummaryLine(checked)).toMatch(/^Drift: 6 of 7 releases differ from git .*; 4 objects drifted\.$/);
  });

  it('does not call an unreachable cluster clean', () => {
    const report = summarize({ kind: 'hub', ref: 'https://127.0.0.1:6443' }, [{ cluster: 'prod-us', reachable: false, message: 'down', extensions: [], policies: [] }]);
    expect(driftSummaryLine(report)).toBe('No drift found in the 0 releases checked; 1 of 1 cluster could not be reached (not checked).');
    expect(driftExitCode(report)).toBe(1);
  });
});
