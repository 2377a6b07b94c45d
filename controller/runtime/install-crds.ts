import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { Clock } from './clock.js';
import { expectOk, type KubeRest } from './kube-rest.js';
import { FIELD_MANAGER } from './cr-store.js';

interface Crd {
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * Applies every CustomResourceDefinition in `dir` (manifests/crds) with server-side apply and waits
 * until each is Established, so the controller never writes a CR the API server cannot store yet.
 */
export async function installCrds(kube: KubeRest, dir: string, clock: Clock, timeoutMs = 30_000): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as Crd | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const res = await kube.request({
        method: 'PATCH',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`,
        body: crd,
        contentType: 'application/apply-patch+yaml',
      });
      expectOk(res, `Installing CRD "${crd.metadata.name}" from ${file}`);
      names.push(crd.metadata.name);
    }
  }
  const deadline = clock.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = expectOk(await kube.request<Crd>({ method: 'GET', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}` }), `Reading CRD "${name}"`);
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (clock.now() > deadline) {
        throw new ClusterextError('CrdNotEstablished', `CRD "${name}" was not Established within ${timeoutMs / 1000}s; check the API server's logs.`, { crd: name });
      }
      await clock.sleep(100);
    }
  }
  return names;
}
