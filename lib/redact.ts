/**
 * `redactUrl`: the credentials of every URL in a text replaced, so connection
 * strings (REDIS_URL, MONGO_URL, ...) can be printed and logged. The one
 * helper for it: the logger's serializers (lib/logger.ts), the config's error
 * messages (lib/config.ts), `npm run config:check` and the CLIs use it.
 *
 *   redactUrl('redis://:s3cret@redis:6379/0')          // 'redis://:[redacted]@redis:6379/0'
 *   redactUrl('mongodb://app:s3cret@mongo/?authSource=x') // 'mongodb://app:[redacted]@mongo/?authSource=x'
 *   redactUrl('cannot reach redis://u:p@h:1 (ECONNREFUSED)') // 'cannot reach redis://u:[redacted]@h:1 (ECONNREFUSED)'
 *
 * The user name stays (it says which account), the password goes: everything
 * between the first `:` of the user info and its last `@`, so a password
 * holding an unencoded `@` is hidden whole. Query parameters named like a
 * secret (`password=`, `token=`, ...) are blanked too.
 */

const CENSOR = '[redacted]';

/**
 * scheme://user:password@ — the password is greedy up to the authority's last
 * `@`; the authority ends at `/ ? #`, and, in text, at a space or a quote
 * (a URL inside JSON or a message).
 */
const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@:"'`<>\\]*):([^\s/?#"'`<>\\]*)@/g;
const SECRET_QUERY = /([?&](?:password|passwd|pwd|pass|token|access_token|secret|api_key|apikey)=)[^&#\s]*/gi;

/** `text` (a URL, or any text with URLs in it) with every URL's password replaced. */
export function redactUrl(text: string): string {
  // Cheap checks first: most log strings hold no URL at all.
  if (!text.includes('://') && !text.includes('=')) return text;
  return text.replace(USERINFO, `$1$2:${CENSOR}@`).replace(SECRET_QUERY, `$1${CENSOR}`);
}

const MAX_DEPTH = 8;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `value` with `redactUrl` applied to every string in it (plain objects and
 * arrays, `MAX_DEPTH` levels deep). Returns the same object when nothing
 * changed, so a log line without URLs costs a walk and no copy.
 */
export function redactUrlsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactUrl(value) as T;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const redacted = redactUrlsDeep(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = redactUrlsDeep(item, depth + 1);
    if (redacted !== item) (copy ??= { ...value })[key] = redacted;
  }
  return (copy ?? value) as T;
}
