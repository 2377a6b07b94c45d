import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { customLabels, decodeReleaseSecret, encodeReleaseData, toReleaseStatus, type ReleaseRecord } from './release-record.js';

const record: ReleaseRecord = { name: 'r', namespace: 'ns', version: 2, info: { status: 'deployed' }, chart: { metadata: { name: 'c', version: '1.0.0' } }, config: { a: 1 } };

describe('decodeReleaseSecret', () => {
  it('reads base64 (API) of base64 (helm) of gzip of JSON', () => {
    const apiData = Buffer.from(gzipSync(JSON.stringify(record)).toString('base64')).toString('base64');
    expect(decodeReleaseSecret({ metadata: { name: 's' }, data: { release: apiData } })).toEqual(record);
  });

  it('also reads an uncompressed payload, as helm does', () => {
    const apiData = Buffer.from(Buffer.from(JSON.stringify(record)).toString('base64')).toString('base64');
    expect(decodeReleaseSecret({ metadata: { name: 's' }, data: { release: apiData } })).toEqual(record);
  });

  it('round-trips through encodeReleaseData', () => {
    expect(decodeReleaseSecret({ metadata: { name: 's' }, data: { release: encodeReleaseData(record) } })).toEqual(record);
  });

  it('rejects a Secret that holds no release', () => {
    expect(() => decodeReleaseSecret({ metadata: { name: 's' }, data: {} })).toThrow(/no "release" key/);
    expect(() => decodeReleaseSecret({ metadata: { name: 's' }, data: { release: Buffer.from('bm90IGpzb24=').toString('base64') } })).toThrow(/readable release/);
  });
});

describe('customLabels and toReleaseStatus', () => {
  it('drops Helm storage labels and maps unknown statuses to unknown', () => {
    expect(customLabels({ owner: 'helm', name: 'r', status: 'deployed', version: '2', modifiedAt: '1', createdAt: '1', 'clusterext.io/managed-by': 'clusterext' })).toEqual({ 'clusterext.io/managed-by': 'clusterext' });
    expect(toReleaseStatus('pending-upgrade')).toBe('pending-upgrade');
    expect(toReleaseStatus('weird')).toBe('unknown');
  });
});
