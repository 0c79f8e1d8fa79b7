/**
 * Store and Redis URLs for messages. The WHATWG URL parser does the work; when a URL does not
 * parse (a password with an unencoded `/`, `#` or `?`), everything between `://` and the last
 * `@` is hidden, because that is where a password would be.
 */

/** `url` with any password replaced by `***`, safe for logs, errors and job payloads. */
export function redactUrl(url: string): string {
  const parsed = tryParse(url);
  if (!parsed || !credentialsParsed(url, parsed)) return hideUserInfo(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}

/** Parses `url`, or undefined when the URL parser rejects it. */
export function tryParse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** `scheme://***@rest` for a URL with credentials that the parser cannot read. */
function hideUserInfo(url: string): string {
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start === -1 || at < start) return url;
  return `${url.slice(0, start + 3)}***@${url.slice(at + 1)}`;
}

/**
 * False when `url` holds an `@` after `://` but the parser found no credentials: an unencoded
 * `/`, `?` or `#` in the password moved the rest into the path, query or fragment.
 */
export function credentialsParsed(url: string, parsed: URL): boolean {
  const start = url.indexOf('://');
  const hasAt = start !== -1 && url.indexOf('@', start) !== -1;
  return !hasAt || parsed.username !== '' || parsed.password !== '';
}
