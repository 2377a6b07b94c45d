import { describe, expect, it } from 'vitest';
import { checkChartVersion, checkComparableSemver, checkSemverRange, checkStrictSemver, describeSemverProblem, PREFIXABLE_SEMVER_PATTERN, STRICT_SEMVER_PATTERN } from './strict-semver.js';

const VALID = [
  '0.0.0',
  '1.2.3',
  '10.20.30',
  '1.0.29903',
  '1.2.3-alpha',
  '1.2.3-alpha.1',
  '1.2.3-0.3.7',
  '1.2.3-x.7.z.92',
  '1.2.3-x-y-z.--',
  '1.2.3-0a',
  '1.2.3+001',
  '1.2.3+exp.sha.5114f85',
  '1.2.3-beta+exp.sha.5114f85',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12+788',
  '99999999999999999999999.999999999999999999.99999999999999999',
];

const INVALID: Array<[string, string, string | undefined]> = [
  ['1.0.029903', 'patch "029903" has a leading zero', '1.0.29903'],
  ['01.2.3', 'major "01" has a leading zero', '1.2.3'],
  ['1.02.3', 'minor "02" has a leading zero', '1.2.3'],
  ['v1.2.3', 'it has a "v" prefix', '1.2.3'],
  ['V1.2.3', 'it has a "V" prefix', '1.2.3'],
  [' 1.2.3', 'it has surrounding whitespace', '1.2.3'],
  ['1.2.3 ', 'it has surrounding whitespace', '1.2.3'],
  ['1.2. 3', 'it contains whitespace', undefined],
  ['1.2', 'it has 2 dot-separated parts before any "-" or "+"; SemVer needs exactly three (major.minor.patch)', '1.2.0'],
  ['1', 'it has 1 dot-separated part before any "-" or "+"; SemVer needs exactly three (major.minor.patch)', '1.0.0'],
  ['1.2.3.4', 'it has 4 dot-separated parts before any "-" or "+"; SemVer needs exactly three (major.minor.patch)', undefined],
  ['', 'it is empty', undefined],
  ['1..3', 'minor is empty', undefined],
  ['1.x.3', 'minor "x" is not a number', undefined],
  ['1.2.3-01', 'prerelease identifier "01" is numeric with a leading zero', '1.2.3-1'],
  ['1.2.3-alpha.007', 'prerelease identifier "007" is numeric with a leading zero', '1.2.3-alpha.7'],
  ['1.2.3-', 'prerelease is empty', undefined],
  ['1.2.3-alpha..1', 'prerelease "alpha..1" has an empty identifier', undefined],
  ['1.2.3-alpha_1', 'prerelease identifier "alpha_1" has characters other than 0-9, A-Z, a-z and "-"', undefined],
  ['1.2.3+', 'build metadata is empty', undefined],
  ['1.2.3+a..b', 'build metadata "a..b" has an empty identifier', undefined],
  ['1.2.3+a+b', 'build metadata identifier "a+b" has characters other than 0-9, A-Z, a-z and "-"', undefined],
];

describe('checkStrictSemver', () => {
  it.each(VALID)('accepts %s', (version) => {
    expect(checkStrictSemver(version)).toEqual({ ok: true });
  });

  it.each(INVALID)('rejects %j: %s', (version, reason, suggestion) => {
    const expected = suggestion === undefined ? { ok: false, reason } : { ok: false, reason: `${reason}; did you mean ${suggestion}?`, suggestion };
    expect(checkStrictSemver(version)).toEqual(expected);
  });

  it('agrees with the semver.org pattern used in the CRD schemas on every case', () => {
    const pattern = new RegExp(STRICT_SEMVER_PATTERN);
    for (const version of VALID) expect(pattern.test(version), version).toBe(true);
    for (const [version] of INVALID) expect(pattern.test(version), version).toBe(false);
  });
});

describe('checkChartVersion', () => {
  it('is strict SemVer without a prefix: a "v" is rejected as before', () => {
    expect(checkChartVersion('v1.15.1', undefined)).toEqual(checkStrictSemver('v1.15.1'));
    expect(checkChartVersion('1.15.1', undefined)).toEqual({ ok: true });
  });

  it('with prefix v accepts exactly "v" followed by strict SemVer, and still strict SemVer alone', () => {
    for (const version of ['v1.15.1', 'v0.0.0', 'v1.2.3-rc.1+build.5', '1.15.1']) expect(checkChartVersion(version, 'v'), version).toEqual({ ok: true });
  });

  it('with prefix v keeps everything after the "v" strict, and suggests the prefixed form', () => {
    expect(checkChartVersion('v1.0.029903', 'v')).toEqual({ ok: false, reason: 'after its "v" prefix, patch "029903" has a leading zero; did you mean v1.0.29903?', suggestion: 'v1.0.29903' });
    expect(checkChartVersion('vv1.2.3', 'v')).toMatchObject({ ok: false, reason: 'after its "v" prefix, it has a "v" prefix; did you mean v1.2.3?' });
    expect(checkChartVersion('V1.2.3', 'v')).toMatchObject({ ok: false, reason: 'it has a "V" prefix; did you mean 1.2.3?' });
    expect(checkChartVersion('v1.2', 'v')).toMatchObject({ ok: false, reason: expect.stringContaining('SemVer needs exactly three') });
    expect(checkChartVersion('v 1.2.3', 'v')).toMatchObject({ ok: false });
  });

  it('agrees with the pattern of spec.version, which allows the "v" for any type', () => {
    const pattern = new RegExp(PREFIXABLE_SEMVER_PATTERN);
    for (const version of [...VALID, ...VALID.map((v) => `v${v}`)]) expect(pattern.test(version), version).toBe(true);
    for (const [version] of INVALID.filter(([v]) => v !== 'v1.2.3')) expect(pattern.test(version), version).toBe(false);
  });

  it('compares the number after a "v" like any other', () => {
    expect(checkComparableSemver('v99999999999999999999.0.0')).toMatchObject({ ok: false, reason: expect.stringContaining('major 99999999999999999999') });
  });
});

describe('checkSemverRange', () => {
  it.each(['>=1.27.0', '>=1.27.0 <1.32.0', '1.30.x', '^1.29.0', '~1.28.3', '>=1.26.0 || >=2.0.0-0'])('accepts %s', (range) => {
    expect(checkSemverRange(range)).toEqual({ ok: true });
  });

  it.each(['>=1.27.0 <<1.32', 'one point two', 'x.y.z+'])('rejects %j', (range) => {
    expect(checkSemverRange(range)).toMatchObject({ ok: false, reason: expect.stringContaining('is not a semver range') });
  });

  it('rejects an empty range, which npm would read as "*"', () => {
    expect(checkSemverRange('  ')).toEqual({ ok: false, reason: 'it is empty; omit kubernetesVersion to allow every version' });
  });
});

describe('describeSemverProblem', () => {
  it('names the subject and the value and ends with the suggestion', () => {
    const check = checkStrictSemver('1.0.029903');
    if (check.ok) throw new Error('expected invalid');
    expect(describeSemverProblem('spec.version', '1.0.029903', check)).toBe(
      'spec.version "1.0.029903" is not a strict SemVer 2.0.0 version: patch "029903" has a leading zero; did you mean 1.0.29903?',
    );
    const noSuggestion = checkStrictSemver('1.2.3.4');
    if (noSuggestion.ok) throw new Error('expected invalid');
    expect(describeSemverProblem('Chart version', '1.2.3.4', noSuggestion)).toMatch(/^Chart version "1\.2\.3\.4" is not a strict SemVer 2\.0\.0 version: it has 4 .*\(major\.minor\.patch\)\.$/);
  });
});
