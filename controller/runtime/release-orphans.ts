import type { CrKind, CrStore } from './cr-store.js';
import type { EventRecorder } from './event-recorder.js';
import { REPOSITORY_LABEL, UNINSTALL_FINALIZER } from './mirrored-resources.js';

const MIRRORED_KINDS: readonly CrKind[] = ['Extension', 'ExtensionType', 'ConnectedCluster', 'ExtensionPolicy'];

/**
 * A deleted ExtensionRepository lets go of what it managed: its mirrored CRs are deleted, the
 * Extensions' uninstall finalizers removed, and every Helm release is left in place, untouched.
 * Deleting the repository object is how one re-wires or renames a source; uninstalling a whole fleet
 * on one `kubectl delete` would be the largest blast radius there is. To uninstall, remove the
 * Extensions from git first. Returns how many CRs were let go.
 */
export async function releaseOrphans(input: { store: CrStore; events: EventRecorder; repositories: ReadonlySet<string> }): Promise<number> {
  let released = 0;
  for (const kind of MIRRORED_KINDS) {
    const crs = await input.store.list<{ clusterName?: string }, unknown>(kind, REPOSITORY_LABEL);
    for (const cr of crs) {
      const repository = cr.metadata.labels?.[REPOSITORY_LABEL];
      if (repository === undefined || input.repositories.has(repository)) continue;
      if (kind === 'Extension') {
        if ((cr.metadata.finalizers ?? []).includes(UNINSTALL_FINALIZER)) {
          await input.store.setFinalizers(kind, cr.metadata.name, (cr.metadata.finalizers ?? []).filter((f) => f !== UNINSTALL_FINALIZER));
        }
        await input.events.record(cr, {
          type: 'Normal',
          reason: 'RepositoryDeleted',
          message: `ExtensionRepository "${repository}" was deleted; the release of Extension "${cr.metadata.name}" on cluster "${cr.spec.clusterName ?? ''}" is left in place, untouched, and no longer managed.`,
        });
      }
      await input.store.delete(kind, cr.metadata.name);
      released += 1;
    }
  }
  return released;
}
