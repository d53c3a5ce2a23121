/**
 * `@tinyllm/ai-sdk`: tinyllm models in the Vercel AI SDK (`streamText`, `generateText`,
 * `generateObject`, `useChat` through `toUIMessageStreamResponse`).
 *
 * @packageDocumentation
 */
export { type ToLanguageModelOptions, toLanguageModel } from './language-model';
export { type ResponseFormat, toChatRequest } from './call-options';
export { toMessages } from './prompt';
