/**
 * Server API keys: `Authorization: Bearer <key>`, compared in constant time (Hono's
 * `timingSafeEqual` hashes both sides first) against every configured key, so neither the
 * position of a match nor the length of a key leaks through timing. Keys are never logged.
 */
import { timingSafeEqual } from 'hono/utils/buffer';

/** The bearer token of an `Authorization` header, or `undefined`. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Creates the check of a presented key against `keys` (every key is compared, every time). */
export function createKeyCheck(
  keys: readonly string[],
): (presented: string | undefined) => Promise<boolean> {
  const accepted = [...keys];
  return async (presented) => {
    if (presented === undefined) return false;
    const results = await Promise.all(accepted.map((key) => timingSafeEqual(key, presented)));
    return results.includes(true);
  };
}
