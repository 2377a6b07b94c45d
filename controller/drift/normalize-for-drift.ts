/**
 * What is never drift, removed from both sides before they are compared: fields the API server
 * and the cluster's controllers write (status, server metadata), `caBundle`s that certificate
 * managers or a chart's own hook Job inject, and the replicas of a workload an HPA scales.
 */
export interface NormalizeContext {
  /** The object's replicas are set by a HorizontalPodAutoscaler, not by its manifest. */
  hpaTargeted: boolean;
}

/** Metadata the server writes on every object. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'] as const;

/** Annotations controllers write on objects helm applied (deployment revision, kubectl's client-side apply record). */
export const SERVER_ANNOTATIONS = ['deployment.kubernetes.io/revision', 'kubectl.kubernetes.io/last-applied-configuration', 'kubectl.kubernetes.io/restartedAt'] as const;

/** Kinds whose spec.replicas an HPA (or anything through the scale subresource) owns when targeted. */
export const SCALABLE_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'] as const;

/** Returns a copy of `object` without the fields that are never drift. Pure. */
export function normalizeForDrift(object: Record<string, unknown>, context: NormalizeContext): Record<string, unknown> {
  const copy = structuredClone(object);
  delete copy.status;
  const metadata = asRecord(copy.metadata);
  if (metadata) {
    for (const field of SERVER_METADATA) delete metadata[field];
    const annotations = asRecord(metadata.annotations);
    if (annotations) {
      for (const a of SERVER_ANNOTATIONS) delete annotations[a];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
  }
  const kind = copy.kind;
  const spec = asRecord(copy.spec);
  if ((kind === 'ValidatingWebhookConfiguration' || kind === 'MutatingWebhookConfiguration') && Array.isArray(copy.webhooks)) {
    for (const webhook of copy.webhooks) deleteCaBundle(asRecord(asRecord(webhook)?.clientConfig));
  }
  if (kind === 'CustomResourceDefinition') deleteCaBundle(asRecord(asRecord(asRecord(spec?.conversion)?.webhook)?.clientConfig));
  if (kind === 'APIService') deleteCaBundle(spec);
  if (context.hpaTargeted && spec && (SCALABLE_KINDS as readonly unknown[]).includes(kind)) delete spec.replicas;
  return copy;
}

function deleteCaBundle(holder: Record<string, unknown> | undefined): void {
  if (holder) delete holder.caBundle;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
