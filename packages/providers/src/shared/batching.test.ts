import type { ProviderStreamEvent } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import { bufferedBatches, coalesceDeltas, countLines, countSseEvents } from './batching';

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

describe('counters', () => {
  it('count NDJSON lines and SSE data events across split pieces', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const lines = countLines();
    expect(lines(bytes('{"a":1}\n{"b"'))).toBe(1);
    expect(lines(bytes(':2}\n'))).toBe(1);
    const events = countSseEvents();
    expect(events(bytes('data: {"a":1}\n\n: comment\n\nevent: x\nda'))).toBe(1);
    expect(events(bytes('ta: [DONE]\n'))).toBe(0);
    expect(events(bytes('\n'))).toBe(1);
    expect(events(bytes('data:a\r\n\r\ndata:b\r\n\r\n'))).toBe(2);
  });
});

describe('bufferedBatches', () => {
  it('takes more items only when the counter says they have arrived', async () => {
    const counter = { available: 0 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* source() {
      counter.available = 7;
      for (let index = 0; index < 7; index++) yield index;
      await gate; // the network: nothing more has arrived
      counter.available = 8;
      yield 7;
    }
    const batches: number[][] = [];
    const consumer = (async () => {
      for await (const batch of bufferedBatches(source(), counter)) batches.push(batch);
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Growing batches (1, 2, 4) and nothing held back while the source waits.
    expect(batches).toEqual([[0], [1, 2], [3, 4, 5, 6]]);
    release();
    await consumer;
    expect(batches.at(-1)).toEqual([7]);
  });

  it('yields what it has before raising the source error', async () => {
    const counter = { available: 10 };
    async function* source() {
      yield 1;
      yield 2;
      yield 3;
      throw new Error('dropped');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of bufferedBatches(source(), counter)) seen.push(...batch);
      })(),
    ).rejects.toThrow('dropped');
    expect(seen).toEqual([1, 2, 3]);
  });
});
