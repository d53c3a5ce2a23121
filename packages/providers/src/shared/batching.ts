/**
 * Keeping per-token overhead low. A fast server (or a fast network read) delivers many tokens
 * at once; passing each through every async layer of the stream costs more than the parsing.
 * Deltas that are already here together are merged into one event: the app sees the same text,
 * in the same order, at the same moment, in fewer events. Deltas that arrive apart are never
 * held back.
 */
import type { ProviderStreamEvent } from '@tinyllm/core';

/** Merges consecutive text deltas (and consecutive reasoning deltas) of a batch. */
export function coalesceDeltas(events: ProviderStreamEvent[]): ProviderStreamEvent[] {
  if (events.length < 2) return events;
  const out: ProviderStreamEvent[] = [];
  let pendingType: 'text-delta' | 'reasoning-delta' | undefined;
  let pieces: string[] = [];
  const flush = (): void => {
    if (pendingType !== undefined && pieces.length > 0)
      out.push({ type: pendingType, text: pieces.length === 1 ? pieces[0]! : pieces.join('') });
    pendingType = undefined;
    pieces = [];
  };
  for (const event of events) {
    if (event.type === 'text-delta' || event.type === 'reasoning-delta') {
      if (pendingType !== event.type) flush();
      pendingType = event.type;
      pieces.push(event.text);
    } else {
      flush();
      out.push(event);
    }
  }
  flush();
  return out;
}
