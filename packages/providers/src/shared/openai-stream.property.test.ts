/**
 * Property tests of the SSE chat-stream reader: any split of the bytes gives the same result,
 * and arbitrary input ends with a result or a typed error, never a crash or a hang.
 */
import { type ProviderStreamEvent, TinyLLMError } from '@tinyllm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChatStream } from './openai-chat-stream';

function bodyOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

type Outcome = { events: ProviderStreamEvent[] } | { code: string };

async function read(pieces: Uint8Array[]): Promise<Outcome> {
  const events: ProviderStreamEvent[] = [];
  try {
    for await (const event of readChatStream(bodyOf(pieces), {
      provider: 'p',
      modelId: 'm',
      parseTextToolCalls: true,
    }))
      events.push(event);
    return { events };
  } catch (error) {
    expect(TinyLLMError.isInstance(error)).toBe(true);
    return { code: (error as TinyLLMError).code };
  }
}

/** Tool-call ids are generated when absent: compare everything else. */
function comparable(outcome: Outcome): unknown {
  if ('code' in outcome) return outcome;
  const text = outcome.events
    .filter((e) => e.type === 'text-delta')
    .map((e) => e.text)
    .join('');
  const reasoning = outcome.events
    .filter((e) => e.type === 'reasoning-delta')
    .map((e) => e.text)
    .join('');
  const calls = outcome.events.flatMap((e) =>
    e.type === 'tool-call' ? [[e.toolCall.name, e.toolCall.arguments]] : [],
  );
  const finish = outcome.events.at(-1);
  return { text, reasoning, calls, finish };
}

const frame = (value: unknown, prefix: string) => `${prefix}${JSON.stringify(value)}\n\n`;

const streamArbitrary = fc
  .record({
    texts: fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 8 }),
    call: fc.option(fc.record({ city: fc.string({ maxLength: 10 }), n: fc.integer() }), {
      nil: undefined,
    }),
    prefix: fc.constantFrom('data: ', 'data:'),
    newline: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ texts, call, prefix, newline }) => {
    let body = texts
      .map((content) => frame({ choices: [{ index: 0, delta: { content } }] }, prefix))
      .join('');
    if (call) {
      const json = JSON.stringify(call);
      body += frame(
        {
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index: 0, id: 'c', function: { name: 'f', arguments: json.slice(0, 5) } },
                ],
              },
            },
          ],
        },
        prefix,
      );
      body += frame(
        {
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: json.slice(5) } }] },
            },
          ],
        },
        prefix,
      );
    }
    body += frame(
      {
        choices: [{ index: 0, delta: {}, finish_reason: call ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 2 },
      },
      prefix,
    );
    body += `${prefix}[DONE]\n\n`;
    return { body: body.replaceAll('\n', newline), texts, call };
  });

describe('readChatStream properties', () => {
  it('any split of the bytes gives the same events as one piece', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamArbitrary,
        fc.array(fc.nat(), { maxLength: 12 }),
        async ({ body, texts, call }, cuts) => {
          const bytes = new TextEncoder().encode(body);
          const whole = await read([bytes]);
          const pieces = await read(split(bytes, cuts));
          expect(comparable(pieces)).toEqual(comparable(whole));
          if ('events' in whole && !texts.join('').includes('<')) {
            expect((comparable(whole) as { text: string }).text).toBe(texts.join(''));
            expect((comparable(whole) as { calls: unknown[] }).calls).toEqual(
              call ? [['f', call]] : [],
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('arbitrary bytes end with events or a typed error, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .string({ maxLength: 300 })
            .map((text) => new TextEncoder().encode(`data: ${text}\n\n`)),
          fc
            .jsonValue()
            .map((value) =>
              new TextEncoder().encode(`data: ${JSON.stringify(value)}\n\ndata: [DONE]\n\n`),
            ),
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (bytes, cuts) => {
          const outcome = await read(split(bytes, cuts));
          if ('events' in outcome) expect(outcome.events.at(-1)?.type).toBe('finish');
        },
      ),
      { numRuns: 200 },
    );
  });
});
