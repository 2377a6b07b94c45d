import { describe, expect, it } from 'vitest';
import { checkRequirements, formatUnmetRequirements, type RequirementsInput } from './check-requirements.js';

const cluster = { reachable: true as const, kubernetesVersion: 'v1.30.2-eks-1552ad0', architectures: ['arm64'], nodeCount: 3 };
const input = (overrides: Partial<RequirementsInput> = {}): RequirementsInput => ({
  extensionType: 'policy-engine',
  spec: { requirements: {}, conflictsWith: [] },
  cluster,
  installed: [],
  ...overrides,
});

describe('checkRequirements', () => {
  it('is met when the type asks for nothing', () => {
    expect(checkRequirements(input())).toEqual({ met: true });
  });

  it('compares the server version without its v prefix and vendor suffix', () => {
    expect(checkRequirements(input({ spec: { requirements: { kubernetesVersion: '>=1.30.0' }, conflictsWith: [] } }))).toEqual({ met: true });
    expect(checkRequirements(input({ spec: { requirements: { kubernetesVersion: '>=1.31.0' }, conflictsWith: [] } }))).toEqual({
      met: false,
      unmet: [{ kind: 'kubernetesVersion', required: '>=1.31.0', actual: 'v1.30.2-eks-1552ad0' }],
    });
  });

  it('needs one node of an allowed architecture; a cluster without nodes has none', () => {
    const spec = { requirements: { architectures: ['amd64', 'arm64'] }, conflictsWith: [] };
    expect(checkRequirements(input({ spec }))).toEqual({ met: true });
    const amd64Only = { requirements: { architectures: ['amd64'] }, conflictsWith: [] };
    expect(checkRequirements(input({ spec: amd64Only }))).toMatchObject({ met: false, unmet: [{ kind: 'architectures', actual: ['arm64'] }] });
    const empty = checkRequirements(input({ spec: amd64Only, cluster: { ...cluster, architectures: [], nodeCount: 0 } }));
    expect(empty.met).toBe(false);
    expect(!empty.met && formatUnmetRequirements(empty.unmet)).toMatch(/no nodes/);
  });

  it('finds conflicts declared on either side and reports every unmet requirement', () => {
    const result = checkRequirements(
      input({
        spec: { requirements: { kubernetesVersion: '>=2.0.0' }, conflictsWith: ['gatekeeper'] },
        installed: [
          { extension: 'gk', extensionType: 'gatekeeper', conflictsWith: [] },
          { extension: 'kv', extensionType: 'kyverno', conflictsWith: ['policy-engine'] },
          { extension: 'mon', extensionType: 'monitoring', conflictsWith: [] },
        ],
      }),
    );
    expect(result.met === false && result.unmet.map((u) => (u.kind === 'conflict' ? u.conflictingExtension : u.kind))).toEqual(['kubernetesVersion', 'gk', 'kv']);
  });
});
