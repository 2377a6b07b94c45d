import { createHmac } from 'node:crypto';

/**
 * The HMAC-SHA256 (hex) of a protected-settings Secret's data, keyed with the controller's own key.
 * Only this digest is ever compared, recorded or hashed into a configDigest; a plain hash would let
 * anyone who can read a status guess short secrets offline.
 *
 * `data` is the Secret's data decoded to strings. The digest is over canonical JSON (keys sorted),
 * so it does not depend on the order the Secret lists them in; the Secret is the complete set, so a
 * removed key changes the digest.
 */
export function computeProtectedDigest(data: Readonly<Record<string, string>>, key: string | Uint8Array): string {
  const canonical = JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]));
  return createHmac('sha256', key).update(canonical, 'utf8').digest('hex');
}
