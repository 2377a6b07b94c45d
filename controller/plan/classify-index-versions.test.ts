import { describe, expect, it } from 'vitest';
import { chartKey } from './chart-catalog.js';
import { classifyIndexVersions } from './classify-index-versions.js';

describe('classifyIndexVersions', () => {
  it('keeps strict versions newest first and lists invalid ones as ignored with the reason', () => {
    const index = {
      entries: {
        agent: [{ version: '1.2.0' }, { version: '1.0.029903' }, { version: '1.10.0' }, { version: 'v2.0.0' }, { version: '2.0.0-rc.1' }, { version: '1.2.0' }],
        other: [{ version: '9.9.9' }],
      },
    };
    const result = classifyIndexVersions(index, 'agent');
    expect(result.versions).toEqual(['2.0.0-rc.1', '1.10.0', '1.2.0']);
    expect(result.ignored.map((i) => i.version)).toEqual(['1.0.029903', 'v2.0.0']);
    expect(result.ignored[0]!.reason).toContain('patch "029903" has a leading zero');
    expect(result.ignored[0]!.reason).toContain('1.0.29903');
    expect(result.ignored[1]!.reason).toContain('prefix');
    expect(result.unavailableReason).toBeUndefined();
  });

  it('names the opt-in when it ignores a "v"-prefixed version, and accepts such versions with versionPrefix: v', () => {
    const index = { entries: { certs: [{ version: 'v1.15.1' }, { version: 'v1.9.0' }, { version: '1.16.0-rc.1' }, { version: 'v1.0.029903' }, { version: 'V1.2.0' }] } };
    const strict = classifyIndexVersions(index, 'certs');
    expect(strict.versions).toEqual(['1.16.0-rc.1']);
    expect(strict.ignored.find((i) => i.version === 'v1.15.1')?.reason).toBe('It is not a strict SemVer 2.0.0 version: it has a "v" prefix; set versionPrefix: v on the ExtensionType to accept such versions.');
    // Not "v" and strict SemVer: no hint that the opt-in would help.
    expect(strict.ignored.find((i) => i.version === 'v1.0.029903')?.reason).not.toContain('versionPrefix');

    const prefixed = classifyIndexVersions(index, 'certs', 'v');
    expect(prefixed.versions).toEqual(['1.16.0-rc.1', 'v1.15.1', 'v1.9.0']);
    expect(prefixed.ignored).toEqual([
      { version: 'V1.2.0', reason: expect.stringContaining('it has a "V" prefix') },
      { version: 'v1.0.029903', reason: 'It is not a strict SemVer 2.0.0 version: after its "v" prefix, patch "029903" has a leading zero; did you mean v1.0.29903?' },
    ]);
  });

  it('keys the versions of a chart read with versionPrefix: v apart from the same chart read strictly', () => {
    expect(chartKey({ repository: 'https://charts.example.com/', name: 'certs' })).toBe('https://charts.example.com#certs');
    expect(chartKey({ repository: 'https://charts.example.com', name: 'certs', versionPrefix: 'v' })).toBe('https://charts.example.com#certs#v');
  });

  it('lists a strict version too large to compare as ignored, with the reason, instead of throwing', () => {
    const index = { entries: { agent: [{ version: '99999999999999999999.0.0' }, { version: '1.2.0' }, { version: '1.9007199254740993.0' }, { version: '9007199254740991.0.0' }] } };
    const result = classifyIndexVersions(index, 'agent');
    expect(result.versions).toEqual(['9007199254740991.0.0', '1.2.0']);
    expect(result.ignored).toEqual([
      { version: '1.9007199254740993.0', reason: expect.stringMatching(/^It cannot be compared with other versions: minor 9007199254740993 is larger than 9007199254740991/) },
      { version: '99999999999999999999.0.0', reason: expect.stringMatching(/major 99999999999999999999 is larger than 9007199254740991.*\.$/) },
    ]);
  });

  it('lists entries without a version string as ignored', () => {
    const result = classifyIndexVersions({ entries: { agent: [{ version: 3 }, {}, { version: '1.0.0' }] } }, 'agent');
    expect(result.versions).toEqual(['1.0.0']);
    expect(result.ignored.map((i) => i.version).sort()).toEqual(['(missing)', '3']);
  });

  it('says so when the chart is not in the index', () => {
    const result = classifyIndexVersions({ entries: { other: [{ version: '1.0.0' }] } }, 'agent');
    expect(result.versions).toEqual([]);
    expect(result.unavailableReason).toContain('"agent"');
    expect(classifyIndexVersions({}, 'constructor').unavailableReason).toContain('"constructor"');
  });
});

describe('chartKey', () => {
  it('ignores trailing slashes on the repository', () => {
    expect(chartKey({ repository: 'https://charts.example/', name: 'a' })).toBe(chartKey({ repository: 'https://charts.example', name: 'a' }));
    expect(chartKey({ repository: 'https://charts.example', name: 'a' })).not.toBe(chartKey({ repository: 'https://charts.example', name: 'b' }));
  });
});
