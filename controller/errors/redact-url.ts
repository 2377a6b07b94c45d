/**
 * Removes the userinfo (`user:password@`) of every URL in `text`, so a URL, or a message that
 * quotes one, can appear in messages, logs, status, plans and reports. The userinfo runs to the
 * LAST `@` before the path, query or fragment, as URL parsers read it: a password holding `@`
 * (`https://user:p@ss@host/`) is removed whole. The one function for this everywhere.
 */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\\\s]*@/gi, '$1');
}

/**
 * A URL without its userinfo, and the credentials that were in it (percent-decoded), for callers
 * that must keep the credentials out of anything they store (a git remote in `.git/config`).
 */
export function splitUrlCredentials(url: string): { url: string; username?: string; password?: string } {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\\\s]*)@/i.exec(url);
  if (!match) return { url };
  const userinfo = match[2]!;
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    url: `${match[1]}${url.slice(match[0].length)}`,
    username: decode(colon < 0 ? userinfo : userinfo.slice(0, colon)),
    ...(colon < 0 ? {} : { password: decode(userinfo.slice(colon + 1)) }),
  };
}
