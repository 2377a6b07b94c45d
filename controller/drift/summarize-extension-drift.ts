import type { ExtensionDrift, ObjectDrift } from './drift-report.js';

/** How many object paths a summary names before it says "and N more". */
export const SUMMARY_PATHS = 5;

/**
 * A one-line summary of one release's drift for the Drifted condition and its event: counts, then
 * the first few objects with their JSON Pointer paths, enough to act on without logs. Paths only,
 * never values (they can be protected). Pure.
 */
export function summarizeExtensionDrift(drift: Pick<ExtensionDrift, 'release' | 'objects'>, maxPaths = SUMMARY_PATHS): string {
  const changed = drift.objects.filter((o) => o.state === 'changed').length;
  const missing = drift.objects.filter((o) => o.state === 'missing').length;
  const counts = [
    ...(changed > 0 ? [`${changed} object${changed === 1 ? '' : 's'} changed`] : []),
    ...(missing > 0 ? [`${missing} object${missing === 1 ? '' : 's'} missing`] : []),
    ...drift.release.map((r) => r.reason),
  ];
  const items: string[] = [];
  let shown = 0;
  let hidden = 0;
  for (const o of drift.objects) {
    const paths = o.state === 'missing' ? [] : o.fields.map((f) => f.path);
    const room = Math.max(0, maxPaths - shown);
    if (room === 0) {
      hidden += Math.max(1, paths.length);
      continue;
    }
    const listed = paths.slice(0, room);
    hidden += paths.length - listed.length;
    shown += Math.max(1, listed.length);
    items.push(o.state === 'missing' ? `${describeObject(o)} is missing` : `${describeObject(o)} ${listed.join(', ')}`);
  }
  const more = hidden > 0 ? `; and ${hidden} more` : '';
  return `${counts.join(', ') || 'no differences'}${items.length > 0 ? `: ${items.join('; ')}${more}` : ''}.`;
}

export function describeObject(o: Pick<ObjectDrift, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind} "${o.namespace ? `${o.namespace}/` : ''}${o.name}"`;
}
