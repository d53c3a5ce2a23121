import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TinyLLMError } from '../errors';
import { createScriptedModel } from '../testing/index';
import { streamObject } from './stream-object';

const messages = [{ role: 'user' as const, content: 'List' }];
const schema = z.object({ title: z.string(), items: z.array(z.string()) });

describe('streamObject', () => {
  it('streams partial objects as the JSON grows, then the validated object', async () => {
    const model = createScriptedModel({
      script: [{ text: ['{"tit', 'le":"Sho', 'pping","items":["ap', 'ples","pears"', ']}'] }],
    });
    const result = streamObject(model, { messages, schema });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    expect(partials).toEqual([
      {},
      { title: 'Sho' },
      { title: 'Shopping', items: ['ap'] },
      { title: 'Shopping', items: ['apples', 'pears'] },
    ]);
    expect(await result.object).toEqual({ title: 'Shopping', items: ['apples', 'pears'] });
    expect((await result.response).text).toContain('pears');
    expect(model.calls[0]!.responseFormat).toMatchObject({ type: 'json', schema: { type: 'object' } });
  });

  it('gives the object without reading the partials', async () => {
    const model = createScriptedModel({ script: [{ text: '{"title":"t","items":[]}' }] });
    expect(await streamObject(model, { messages, schema }).object).toEqual({ title: 't', items: [] });
  });

  it('rejects the object with OUTPUT_INVALID while the partials end normally', async () => {
    const model = createScriptedModel({ script: [{ text: ['{"title":', '3}'] }] });
    const result = streamObject(model, { messages, schema });
    const partials: unknown[] = [];
    for await (const partial of result.partialObjectStream) partials.push(partial);
    expect(partials.at(-1)).toEqual({ title: 3 });
    const error = await result.object.catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'OUTPUT_INVALID')).toBe(true);
    expect((error as TinyLLMError).details?.text).toBe('{"title":3}');
  });

  it('ends the partial stream with the model error', async () => {
    const model = createScriptedModel({
      script: [{ text: ['{"title":"a'], error: { code: 'PROVIDER_UNAVAILABLE', message: 'gone' } }],
    });
    const result = streamObject(model, { messages, schema });
    const iterate = async () => {
      for await (const _ of result.partialObjectStream) {
        // drain
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await expect(result.object).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});
