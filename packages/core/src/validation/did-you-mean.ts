/**
 * "Did you mean …?" for unknown keys. Hand-written (a dozen lines) rather than a dependency:
 * the candidate lists are a handful of keys, and core's import path stays free of packages.
 */

/** Names apps bring from other APIs (OpenAI, the AI SDK) that normalise to nothing we know. */
const aliases: Readonly<Record<string, string>> = {
  maxtokens: 'maxOutputTokens',
  maxcompletiontokens: 'maxOutputTokens',
  numpredict: 'maxOutputTokens',
  stopsequences: 'stop',
  format: 'responseFormat',
  functions: 'tools',
  functioncall: 'toolCalls',
  toolcallid: 'toolCallId',
};

/** Lower case without `_` and `-`, so `tool_calls`, `ToolCalls` and `toolCalls` compare equal. */
function normalize(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest of `candidates` to `key`, or undefined when none is close enough to suggest. */
export function didYouMean(key: string, candidates: readonly string[]): string | undefined {
  const normalized = normalize(key);
  const alias = aliases[normalized];
  if (alias !== undefined && candidates.includes(alias)) return alias;
  // `jsonSchema` for `schema`, `toolCallIdentifier` for `toolCallId`: one name inside the other.
  const containing = candidates.find((candidate) => {
    const other = normalize(candidate);
    return other.length >= 4 && (normalized.includes(other) || other.includes(normalized));
  });
  if (containing !== undefined && normalized.length >= 4) return containing;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(normalized.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(normalized, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
