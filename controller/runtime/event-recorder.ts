import type { CustomResource } from './cr-store.js';
import type { KubeRest } from './kube-rest.js';

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Records Kubernetes Events about clusterext CRs. Messages must already be free of secrets. */
export interface EventRecorder {
  record(object: Pick<CustomResource, 'apiVersion' | 'kind' | 'metadata'>, event: RecordedEvent): Promise<void>;
}

/**
 * Writes core/v1 Events in the hub namespace, like controller-runtime's recorder, so
 * `kubectl describe extension …` and `kubectl get events` show what the controller did. A failed
 * event write is not an error of the reconcile: it is dropped.
 */
export function createEventRecorder(kube: KubeRest, now: () => Date): EventRecorder {
  let sequence = 0;
  return {
    async record(object, event) {
      const time = now().toISOString();
      sequence += 1;
      const namespace = object.metadata.namespace;
      await kube
        .request({
          method: 'POST',
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: `${object.metadata.name}.${Date.parse(time).toString(16)}${sequence.toString(16)}`.slice(0, 253), namespace },
            involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, namespace, ...(object.metadata.uid ? { uid: object.metadata.uid } : {}) },
            type: event.type,
            reason: event.reason,
            message: event.message.slice(0, 1024),
            firstTimestamp: time,
            lastTimestamp: time,
            count: 1,
            source: { component: 'clusterext-controller' },
            reportingComponent: 'clusterext.io/controller',
          },
        })
        .catch(() => undefined);
    },
  };
}
