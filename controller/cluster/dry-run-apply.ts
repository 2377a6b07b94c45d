import { ClusterextError } from '../errors/clusterext-error.js';
import type { KubeRest } from '../runtime/kube-rest.js';

/**
 * The field manager helm 4 applies with (server-side apply, `apply_method: ssa` on the release;
 * releases installed by client-side apply record manager `helm` too, as an Update). A dry run
 * under the same manager, with `force`, answers exactly "what would re-applying the release
 * change": the fields helm set come back to the manifest's values, fields it never set stay as they
 * are, and the server fills in its defaults on both sides alike.
 */
export const HELM_FIELD_MANAGER = 'helm';

/** The live object at `path`, or undefined when it does not exist. */
export async function readLiveObject(kube: KubeRest, path: string, describe: string): Promise<Record<string, unknown> | undefined> {
  const res = await kube.request<Record<string, unknown>>({ method: 'GET', path });
  if (res.status === 404) return undefined;
  if (res.status >= 300) throw apiError(res, `Reading ${describe}`);
  return res.body;
}

/**
 * What a server-side apply of `body` (sent unchanged, as helm rendered it) would make of the object
 * at `path`, without changing anything (`dryRun=All`).
 */
export async function dryRunApply(kube: KubeRest, path: string, body: Record<string, unknown>, describe: string, fieldManager = HELM_FIELD_MANAGER): Promise<Record<string, unknown>> {
  const res = await kube.request<Record<string, unknown>>({
    method: 'PATCH',
    path: `${path}?dryRun=All&force=true&fieldManager=${encodeURIComponent(fieldManager)}`,
    body,
    contentType: 'application/apply-patch+yaml',
  });
  if (res.status >= 300) throw apiError(res, `The server-side apply dry run of ${describe}`);
  return res.body;
}

/**
 * Re-applies `body` for real with helm's field manager: drift correction of exactly the objects
 * that drifted, as helm itself would apply them.
 */
export async function applyObject(kube: KubeRest, path: string, body: Record<string, unknown>, describe: string, fieldManager = HELM_FIELD_MANAGER): Promise<void> {
  const res = await kube.request({ method: 'PATCH', path: `${path}?force=true&fieldManager=${encodeURIComponent(fieldManager)}`, body, contentType: 'application/apply-patch+yaml' });
  if (res.status >= 300) throw apiError(res, `Re-applying ${describe}`);
}

function apiError(res: { status: number; body: unknown }, what: string): ClusterextError {
  const message = (res.body as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
  return new ClusterextError('KubeApiError', `${what} failed: ${message}`, { status: res.status });
}
