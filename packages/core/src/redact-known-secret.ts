/**
 * Removing a secret we know exactly (the API key an adapter just sent) from an error and
 * everything hanging off it. Pattern-based redaction (`redactSecrets`) only catches keys of a
 * known shape (`sk-…`, `hf_…`, `Bearer …`); a server that echoes a key of any other shape in a
 * 401 body would otherwise leak it into `message`, `stack`, the cause chain and serialized
 * output. The caller knows the exact string, so it is replaced wherever it appears.
 */

/** The placeholder a known secret is replaced with. */
export const redactedPlaceholder = '[REDACTED]';

/** Shorter strings are not treated as secrets: replacing them would garble ordinary words. */
const minimumSecretLength = 4;

/** How deep the walk goes into nested objects (cause chains are short; bodies can nest). */
const maximumDepth = 8;

/** The forms a secret takes in text: as sent, JSON-escaped (echoed in a JSON body), URL-encoded. */
function secretForms(secrets: readonly (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret.length < minimumSecretLength) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

function redactText(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(redactedPlaceholder);
  return out;
}

/**
 * Replaces every occurrence of `secrets` in a string, or in place in an error (or any object):
 * its `message`, `stack`, every string field, `details`, nested objects, arrays and the whole
 * `cause` chain. Returns `value` (the same object, redacted). Secrets shorter than 4
 * characters are ignored.
 *
 * @example
 * ```ts
 * try { await send(apiKey); }
 * catch (error) { throw redactKnownSecrets(error, [apiKey]); }
 * ```
 */
export function redactKnownSecrets<T>(value: T, secrets: readonly (string | undefined)[]): T {
  const forms = secretForms(secrets);
  if (forms.length === 0) return value;
  if (typeof value === 'string') return redactText(value, forms) as T;
  redactObject(value, forms, new WeakSet(), 0);
  return value;
}

function redactObject(
  value: unknown,
  forms: readonly string[],
  seen: WeakSet<object>,
  depth: number,
): void {
  if (typeof value !== 'object' || value === null || depth > maximumDepth) return;
  if (seen.has(value)) return;
  seen.add(value);
  if (value instanceof Headers) {
    // Headers of a recorded request (Authorization) must not print the key either.
    const changed: Array<[string, string]> = [];
    value.forEach((entry, name) => {
      const redacted = redactText(entry, forms);
      if (redacted !== entry) changed.push([name, redacted]);
    });
    for (const [name, redacted] of changed) value.set(name, redacted);
    return;
  }
  if (value instanceof Error) {
    // `message` and `stack` are own properties of an error; `cause` may be too (read below).
    rewrite(value, 'message', forms);
    rewrite(value, 'stack', forms);
    redactObject((value as { cause?: unknown }).cause, forms, seen, depth + 1);
  }
  for (const key of Object.keys(value)) {
    if (key === 'message' || key === 'stack') {
      rewrite(value, key, forms);
      continue;
    }
    const entry = (value as Record<string, unknown>)[key];
    if (typeof entry === 'string') rewrite(value, key, forms);
    else redactObject(entry, forms, seen, depth + 1);
  }
}

function rewrite(target: object, key: string, forms: readonly string[]): void {
  const current = (target as Record<string, unknown>)[key];
  if (typeof current !== 'string') return;
  const redacted = redactText(current, forms);
  if (redacted === current) return;
  try {
    (target as Record<string, unknown>)[key] = redacted;
  } catch {
    // A frozen or read-only field: define it over, if the object allows.
    try {
      Object.defineProperty(target, key, { value: redacted, configurable: true, writable: true });
    } catch {
      // not redactable; nothing more we can do without replacing the object
    }
  }
}
