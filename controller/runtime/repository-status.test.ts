import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../manifest/diagnostic.js';
import { buildRepositoryStatus, STATUS_DIAGNOSTIC_TEXT_LIMIT } from './repository-status.js';

const base = { previous: undefined, generation: 1, now: new Date('2026-01-01T00:00:00Z'), lastFetchedRevision: 'b'.repeat(40), fetchError: undefined, held: undefined };

describe('buildRepositoryStatus', () => {
  it('bounds the pointer and message of each diagnostic, so huge keys cannot make the status unstorable', () => {
    const key = 'k.'.repeat(500_000);
    const diagnostic: Diagnostic = { severity: 'error', code: 'SettingTooDeep', message: `Setting ${key}`, file: 'fleet.yaml', line: 24, column: 5, pointer: `/spec/configurationSettings/${key}` };
    const status = buildRepositoryStatus({ ...base, appliedRevision: undefined, rejected: { commit: 'b'.repeat(40), diagnostics: [diagnostic, diagnostic] } });
    expect(status.errorCount).toBe(2);
    for (const d of status.diagnostics!) {
      expect(d).toMatchObject({ code: 'SettingTooDeep', file: 'fleet.yaml', line: 24, column: 5 });
      expect(d.pointer.length).toBeLessThanOrEqual(STATUS_DIAGNOSTIC_TEXT_LIMIT + 1);
      expect(d.message.length).toBeLessThanOrEqual(STATUS_DIAGNOSTIC_TEXT_LIMIT + 1);
    }
    expect(JSON.stringify(status).length).toBeLessThan(20_000);
  });

  it('makes a failed sync Stalled with reason SyncFailed, keeping the applied revision', () => {
    const previous = buildRepositoryStatus({ ...base, appliedRevision: 'a'.repeat(40), rejected: undefined });
    const status = buildRepositoryStatus({ ...base, previous, appliedRevision: undefined, rejected: undefined, syncError: { revision: 'b'.repeat(40), message: 'The API server closed the connection.' } });
    expect(status.lastAppliedRevision).toBe('a'.repeat(40));
    const ready = status.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'SyncFailed' });
    expect(ready?.message).toBe(`Revision ${'b'.repeat(12)} was not applied: The API server closed the connection. Nothing was uninstalled because of it and revision ${'a'.repeat(12)} stays in force; it is retried at the next pass.`);
  });
});
