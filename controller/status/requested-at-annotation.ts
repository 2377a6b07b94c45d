/**
 * Set on an ExtensionRepository to ask for a fetch now (a webhook on any replica sets it too), or on
 * an Extension to ask for an attempt now, past any backoff, e.g. after its retries ran out:
 * `kubectl annotate extension local-1.cfg clusterext.io/requested-at="$(date -Is)" --overwrite`.
 * Each new value is acted on once; an Extension records the value it handled in
 * `status.lastHandledReconcileAt`, like Flux's `reconcile.fluxcd.io/requestedAt`.
 */
export const REQUESTED_AT_ANNOTATION = 'clusterext.io/requested-at';
