import type { ProviderStreamEvent } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { coalesceDeltas } from './batching';

describe('coalesceDeltas', () => {
  it('merges runs of the same delta type and keeps every other event in place', () => {
    const events: ProviderStreamEvent[] = [
      { type: 'reasoning-delta', text: 'a' },
      { type: 'reasoning-delta', text: 'b' },
      { type: 'text-delta', text: 'c' },
      { type: 'text-delta', text: 'd' },
      { type: 'tool-call', toolCall: { id: 'x', name: 'f', arguments: {} } },
      { type: 'text-delta', text: 'e' },
    ];
    expect(coalesceDeltas(events)).toEqual([
      { type: 'reasoning-delta', text: 'ab' },
      { type: 'text-delta', text: 'cd' },
      { type: 'tool-call', toolCall: { id: 'x', name: 'f', arguments: {} } },
      { type: 'text-delta', text: 'e' },
    ]);
  });
});
