import type { KubeRest, KubeRestRequest } from '../../controller/runtime/kube-rest.js';

/**
 * A KubeRest answered from memory by `answer` (which may throw, as a failed connection does), with
 * every request recorded in order: for the unit tests of what the cluster adapters read and send.
 */
export function fakeKubeRest(answer: (req: KubeRestRequest) => { status: number; body: unknown }): KubeRest & { requests: KubeRestRequest[] } {
  const requests: KubeRestRequest[] = [];
  return {
    requests,
    server: 'https://fake',
    requestCount: 0,
    close: () => undefined,
    request: async <T>(req: KubeRestRequest) => {
      requests.push(req);
      return answer(req) as { status: number; body: T };
    },
  };
}
