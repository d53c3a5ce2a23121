import { createTransformers } from './src/transformers/index';
import { fixtureTools, modelsDir } from './src/transformers/test-fixture';
const t = createTransformers({ modelsDir });
const m = t('tiny-tool-qwen');
const tools = fixtureTools();
const schema = { type: 'object', properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 }, tags: { type: 'array', items: { enum: ['a', 'bb'] }, maxItems: 3 } }, required: ['name', 'age', 'tags'], additionalProperties: false };
for (const rf of [undefined, { type: 'json' as const, schema }, { type: 'json' as const }]) {
  const s = performance.now();
  const r = await m.chat({ messages: [{ role: 'user', content: 'Give me a JSON object with a name and age' }], temperature: 0, maxOutputTokens: 60, ...(rf ? { responseFormat: rf } : {}) });
  console.log(JSON.stringify(r.text), r.finishReason, r.usage.outputTokens, (performance.now() - s).toFixed(0), r.timings.tokensPerSecond?.toFixed(0));
}
for (const choice of ['required', { type: 'tool', name: 'convert_units' }] as const) {
  const r = await m.chat({ messages: [{ role: 'user', content: 'hello there' }], tools, toolChoice: choice, temperature: 0 });
  console.log(JSON.stringify(r.toolCalls), JSON.stringify(r.text), r.finishReason);
}
for (const q of ["what's the weather in Paris?", 'What is 12 * 7?', 'convert 5 km to mi']) {
  const r = await m.chat({ messages: [{ role: 'user', content: q }], tools, temperature: 0 });
  console.log(JSON.stringify(r.toolCalls), JSON.stringify(r.text));
}
await t.dispose();
