/** Where the webhook tokens come from: the ExtensionRepositories of the namespace and their Secrets. */
export interface WebhookTokenSource {
  /** Every ExtensionRepository of the controller's namespace, with the Secret its spec.webhookSecretRef names. */
  listRepositories(): Promise<readonly RepositoryWebhookRef[]>;
  /** The `token` of a Secret, or undefined when the Secret or the key is missing. */
  readToken(secretName: string): Promise<string | undefined>;
}

export interface RepositoryWebhookRef {
  name: string;
  webhookSecret: string | undefined;
}

export interface WebhookTokenCacheOptions {
  /** How long a list of repositories and a token are used before they are read again. */
  ttlMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** Long enough that a flood costs a read per half minute at most, short enough for a rotated token. */
export const DEFAULT_WEBHOOK_TOKEN_TTL_MS = 30_000;

/**
 * The webhook token of each repository, read from the API server at most once per `ttlMs` (and
 * once at a time, however many requests wait for it), so a flood of forged requests, to known or
 * unknown repositories, costs the API server nothing beyond that. A repository not in the list
 * has no token without a request of its own. The controller's passes hand in the list they read
 * anyway (`observeRepositories`), so while they run, the list is never read for the webhook.
 */
export class WebhookTokenCache {
  private repositories: { at: number; secrets: ReadonlyMap<string, string | undefined> } | undefined;
  private listing: Promise<ReadonlyMap<string, string | undefined>> | undefined;
  private readonly tokens = new Map<string, { at: number; token: Promise<string | undefined> }>();

  constructor(
    private readonly source: WebhookTokenSource,
    private readonly options: WebhookTokenCacheOptions,
  ) {}

  /** The token of `repository`'s webhook Secret, or undefined when it has none (or does not exist). */
  async tokenFor(repository: string): Promise<string | undefined> {
    const secret = (await this.secrets()).get(repository);
    if (secret === undefined) return undefined;
    const now = this.options.now();
    const cached = this.tokens.get(secret);
    if (cached && now - cached.at < this.options.ttlMs) return cached.token;
    const token = this.source.readToken(secret);
    this.tokens.set(secret, { at: now, token });
    // A failed read is not remembered: the next request tries again.
    token.catch(() => {
      if (this.tokens.get(secret)?.token === token) this.tokens.delete(secret);
    });
    return token;
  }

  /** The repositories as a pass just listed them: the list is fresh again, and tokens of Secrets no longer named are dropped. */
  observeRepositories(list: readonly RepositoryWebhookRef[]): void {
    this.repositories = { at: this.options.now(), secrets: toMap(list) };
    const named = new Set(list.map((r) => r.webhookSecret));
    for (const secret of this.tokens.keys()) if (!named.has(secret)) this.tokens.delete(secret);
  }

  private async secrets(): Promise<ReadonlyMap<string, string | undefined>> {
    const known = this.repositories;
    if (known && this.options.now() - known.at < this.options.ttlMs) return known.secrets;
    this.listing ??= this.source
      .listRepositories()
      .then((list) => {
        this.observeRepositories(list);
        return this.repositories!.secrets;
      })
      .finally(() => {
        this.listing = undefined;
      });
    return this.listing;
  }
}

function toMap(list: readonly RepositoryWebhookRef[]): ReadonlyMap<string, string | undefined> {
  return new Map(list.map((r) => [r.name, r.webhookSecret]));
}
