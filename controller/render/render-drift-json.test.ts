import { describe, expect, it } from 'vitest';
import { DRIFT_REPORT_FORMAT_VERSION, type DriftReport } from '../drift/drift-report.js';
import { sampleDriftReport } from '../../test/support/sample-drift-report.js';
import { renderDriftJson } from './render-drift-json.js';

/** The same data with every object's keys inserted in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
}

function everyKeyListSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(everyKeyListSorted);
  if (value === null || typeof value !== 'object') return true;
  const keys = Object.keys(value);
  const rest = keys[0] === 'formatVersion' ? keys.slice(1) : keys;
  return rest.every((k, i) => i === 0 || rest[i - 1]! < k) && Object.values(value).every(everyKeyListSorted);
}

describe('renderDriftJson', () => {
  const report = sampleDriftReport();
  const text = renderDriftJson(report);

  it('holds the whole report, formatVersion first', () => {
    expect(JSON.parse(text)).toEqual(report);
    expect(text.startsWith(`{\n  "formatVersion": ${DRIFT_REPORT_FORMAT_VERSION},\n`)).toBe(true);
  });

  it('sorts the keys of every object, whatever order they were built in', () => {
    expect(everyKeyListSorted(JSON.parse(text))).toBe(true);
    expect(renderDriftJson(reversedKeys(report) as DriftReport)).toBe(text);
  });

  it('is byte-identical on a rerun and keeps the report order of clusters and objects', () => {
    expect(renderDriftJson(sampleDriftReport())).toBe(text);
    const parsed = JSON.parse(text) as DriftReport;
    expect(parsed.clusters.map((c) => c.cluster)).toEqual(['dev-eu', 'prod-eu', 'prod-us']);
    expect(parsed.clusters[0]!.extensions[2]!.objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'Service']);
  });

  it('drops undefined members instead of writing them', () => {
    const withUndefined = sampleDriftReport();
    withUndefined.clusters[0]!.extensions[0]!.message = undefined;
    expect(renderDriftJson(withUndefined)).toBe(text);
  });
});
