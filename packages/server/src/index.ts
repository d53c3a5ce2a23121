/**
 * `@tinyllm/server`: serve tinyllm models over an OpenAI-compatible HTTP API. The handler is a
 * standard fetch function; `@tinyllm/server/node` runs it on Node, and `tinyllm-serve` is the
 * command line.
 *
 * @packageDocumentation
 */
export { type ServerOptions, type TinyLLMServer, createServer } from './server';
export {
  type CatalogEntry,
  type ModelCatalog,
  type ModelSources,
  createModelCatalog,
} from './model-catalog';
export { type HealthReport, healthReport } from './health';
export {
  type ParsedChatCompletion,
  type ResponseFormat,
  type ServerChatRequest,
  parseChatCompletionRequest,
} from './openai/to-chat-request';
export {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
} from './openai/request-schema';
export { errorResponse, errorStatusByCode } from './openai/errors';
