import { describe, expect, it } from 'vitest';
import { describePointer, parseJsonPointer, toJsonPointer } from './json-pointer.js';

describe('JSON Pointer', () => {
  it('escapes ~ and / and round-trips', () => {
    const segments = ['spec', 'configurationSettings', 'a/b~c', '0'];
    expect(toJsonPointer(segments)).toBe('/spec/configurationSettings/a~1b~0c/0');
    expect(parseJsonPointer(toJsonPointer(segments))).toEqual(segments);
    expect(parseJsonPointer('')).toEqual([]);
  });

  it('describes a pointer as a path people read', () => {
    expect(describePointer('/spec/releaseTrains/stable/name')).toBe('spec.releaseTrains.stable.name');
    expect(describePointer('/spec/scopes/1')).toBe('spec.scopes[1]');
    expect(describePointer('/metadata/labels/app.kubernetes.io~1name')).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(describePointer('')).toBe('the document');
  });
});
