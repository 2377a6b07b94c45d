import { expectOk, type KubeRest } from '../runtime/kube-rest.js';

/**
 * The workloads that HorizontalPodAutoscalers of one namespace scale, as `<Kind>/<name>`, with one
 * list request. Their replicas are the HPA's to set, so a difference there is not drift.
 */
export async function listHpaTargets(kube: KubeRest, namespace: string): Promise<Set<string>> {
  const res = await kube.request<{ items?: { spec?: { scaleTargetRef?: { kind?: string; name?: string } } }[] }>({
    method: 'GET',
    path: `/apis/autoscaling/v2/namespaces/${encodeURIComponent(namespace)}/horizontalpodautoscalers`,
  });
  // A cluster without autoscaling/v2 has no HPAs to respect.
  if (res.status === 404) return new Set();
  const list = expectOk(res, `Listing the HorizontalPodAutoscalers of namespace "${namespace}"`);
  const targets = new Set<string>();
  for (const hpa of list.items ?? []) {
    const ref = hpa.spec?.scaleTargetRef;
    if (ref?.kind && ref.name) targets.add(`${ref.kind}/${ref.name}`);
  }
  return targets;
}
