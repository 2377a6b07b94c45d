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
