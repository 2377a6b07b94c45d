import { ClusterextError } from '../errors/clusterext-error.js';
import { closestMatch } from '../manifest/closest-match.js';
import type { CrTableKind } from '../render/render-cr-table.js';

/** The words `get` and `reconcile` take for each kind, kubectl-style: plural, singular, short, full. */
const KIND_WORDS: Record<CrTableKind, readonly string[]> = {
  Extension: ['extensions', 'extension', 'ext'],
  ExtensionRepository: ['repositories', 'repository', 'repo', 'repos', 'extensionrepositories', 'extensionrepository'],
  ExtensionType: ['types', 'type', 'extensiontypes', 'extensiontype'],
  ConnectedCluster: ['clusters', 'cluster', 'connectedclusters', 'connectedcluster'],
  ExtensionPolicy: ['policies', 'policy', 'extensionpolicies', 'extensionpolicy'],
};

/** The kind a command-line word names, among `allowed`; a clear error (with the likely typo fixed) otherwise. */
export function parseCrKindArgument(word: string, allowed: readonly CrTableKind[] = Object.keys(KIND_WORDS) as CrTableKind[]): CrTableKind {
  const lower = word.toLowerCase();
  const kind = allowed.find((k) => KIND_WORDS[k].includes(lower));
  if (kind) return kind;
  const words = allowed.map((k) => KIND_WORDS[k][0]!);
  const guess = closestMatch(lower, allowed.flatMap((k) => KIND_WORDS[k]));
  const guessKind = guess ? allowed.find((k) => KIND_WORDS[k].includes(guess)) : undefined;
  throw new ClusterextError(
    'UnknownKind',
    `"${word}" is not a kind this command knows; give one of ${words.join(', ')}${guessKind ? ` (did you mean "${KIND_WORDS[guessKind][0]}"?)` : ''}.`,
    { word, allowed: words },
  );
}
