import { describe, expect, it } from 'vitest';
import { chartKey, type ChartCatalog, type ChartVersions } from './chart-catalog.js';
import { classifyIndexVersions } from './classify-index-versions.js';
import { resolveVersion } from './resolve-version.js';

const chart = { repository: 'https://charts.example', name: 'agent' };
const stable = { includePrereleases: false };
const preview = { includePrereleases: true };
const auto = { autoUpgradeMinorVersion: true, releaseTrain: 'stable' };

function catalogOf(versions: ChartVersions): ChartCatalog {
  return new Map([[chartKey(chart), versions]]);
}

const catalog = catalogOf(
  classifyIndexVersions({ entries: { agent: ['1.2.0', '1.10.0', '1.11.0-rc.1', '2.0.0', '2.1.0', '3.0.0-beta.1', '1.0.029903'].map((version) => ({ version })) } }, 'agent'),
);

describe('resolveVersion', () => {
  it('returns the pinned version as written, even offline', () => {
    const template = { autoUpgradeMinorVersion: false, releaseTrain: 'stable', version: '1.2.0' };
    expect(resolveVersion({ template, train: stable, chart, catalog })).toEqual({ kind: 'pinned', version: '1.2.0' });
    expect(resolveVersion({ template, train: stable, chart })).toEqual({ kind: 'pinned', version: '1.2.0' });
  });

  it('takes the newest release of the train on a fresh install, skipping prereleases on stable', () => {
    expect(resolveVersion({ template: auto, train: stable, chart, catalog })).toEqual({ kind: 'resolved', version: '2.1.0', train: 'stable', constraint: '*' });
  });

  it('lets prereleases in only where the train allows them', () => {
    const template = { ...auto, releaseTrain: 'preview' };
    expect(resolveVersion({ template, train: preview, chart, catalog })).toMatchObject({ kind: 'resolved', version: '3.0.0-beta.1', train: 'preview' });
    expect(resolveVersion({ template, train: preview, chart, catalog, installedVersion: '1.2.0' })).toMatchObject({ version: '1.11.0-rc.1' });
    expect(resolveVersion({ template: auto, train: stable, chart, catalog, installedVersion: '1.2.0' })).toMatchObject({ version: '1.10.0' });
  });

  it('stays within the installed major', () => {
    expect(resolveVersion({ template: auto, train: stable, chart, catalog, installedVersion: '1.2.0' })).toEqual({ kind: 'resolved', version: '1.10.0', train: 'stable', constraint: '1.x' });
    expect(resolveVersion({ template: auto, train: stable, chart, catalog, installedVersion: '2.0.0' })).toMatchObject({ version: '2.1.0', constraint: '2.x' });
  });

  it('never picks an ignored (invalid) version, however new it looks', () => {
    const withInvalid = catalogOf(classifyIndexVersions({ entries: { agent: [{ version: '1.0.1' }, { version: '1.0.029903' }] } }, 'agent'));
    expect(resolveVersion({ template: auto, train: stable, chart, catalog: withInvalid, installedVersion: '1.0.0' })).toMatchObject({ kind: 'resolved', version: '1.0.1' });
  });

  it('is unresolved with a reason when nothing in the major matches', () => {
    const result = resolveVersion({ template: auto, train: stable, chart, catalog, installedVersion: '4.0.0' });
    expect(result).toMatchObject({ kind: 'unresolved', cause: 'no-match', constraint: '4.x' });
    expect(result.kind === 'unresolved' && result.reason).toContain('within 4.x');
    const onlyPre = catalogOf({ versions: ['1.0.0-rc.1'], ignored: [] });
    const pre = resolveVersion({ template: auto, train: stable, chart, catalog: onlyPre });
    expect(pre).toMatchObject({ kind: 'unresolved', cause: 'no-match' });
    expect(pre.kind === 'unresolved' && pre.reason).toContain('prereleases are excluded');
  });

  it('shows the train and constraint offline', () => {
    expect(resolveVersion({ template: auto, train: stable, chart, installedVersion: '1.2.0' })).toMatchObject({ kind: 'unresolved', cause: 'offline', train: 'stable', constraint: '1.x' });
    expect(resolveVersion({ template: auto, train: stable, chart })).toMatchObject({ kind: 'unresolved', cause: 'offline', constraint: '*' });
  });

  it('carries the reason when the chart versions are unavailable', () => {
    const down = catalogOf({ versions: [], ignored: [], unavailableReason: 'The chart index "https://charts.example/index.yaml" is unreachable.' });
    expect(resolveVersion({ template: auto, train: stable, chart, catalog: down })).toMatchObject({ kind: 'unresolved', cause: 'unavailable', reason: 'The chart index "https://charts.example/index.yaml" is unreachable.' });
    expect(resolveVersion({ template: auto, train: stable, chart, catalog: new Map() })).toMatchObject({ kind: 'unresolved', cause: 'unavailable' });
  });

  it('resolves "v"-prefixed versions for a type with versionPrefix: v, within the major, as the index writes them', () => {
    const vchart = { ...chart, versionPrefix: 'v' as const };
    const index = { entries: { agent: ['v1.14.0', 'v1.15.1', 'v1.16.0-rc.1', 'v2.0.0'].map((version) => ({ version })) } };
    const prefixed: ChartCatalog = new Map([[chartKey(vchart), classifyIndexVersions(index, 'agent', 'v')]]);
    expect(resolveVersion({ template: auto, train: stable, chart: vchart, catalog: prefixed })).toMatchObject({ kind: 'resolved', version: 'v2.0.0' });
    expect(resolveVersion({ template: auto, train: stable, chart: vchart, catalog: prefixed, installedVersion: 'v1.14.0' })).toMatchObject({ kind: 'resolved', version: 'v1.15.1', constraint: '1.x' });
    expect(resolveVersion({ template: { autoUpgradeMinorVersion: false, releaseTrain: 'stable', version: 'v1.15.1' }, train: stable, chart: vchart, catalog: prefixed })).toEqual({ kind: 'pinned', version: 'v1.15.1' });
    // A pin without the "v" is not what the index lists: it says which string to pin.
    expect(resolveVersion({ template: { autoUpgradeMinorVersion: false, releaseTrain: 'stable', version: '1.15.1' }, train: stable, chart: vchart, catalog: prefixed })).toMatchObject({
      kind: 'unresolved',
      cause: 'not-listed',
      reason: expect.stringContaining('The index lists "v1.15.1"; pin exactly that.'),
    });
    // The same index read strictly: nothing valid, and the pin's message names the opt-in.
    const strict = catalogOf(classifyIndexVersions(index, 'agent'));
    expect(resolveVersion({ template: { autoUpgradeMinorVersion: false, releaseTrain: 'stable', version: '1.15.1' }, train: stable, chart, catalog: strict })).toMatchObject({
      kind: 'unresolved',
      reason: expect.stringContaining('set versionPrefix: v on the ExtensionType and pin the "v" form'),
    });
  });
});
