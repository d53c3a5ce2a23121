/**
 * @tinyllm/core: the provider-agnostic contract of tinyllm.
 *
 * @packageDocumentation
 */
export {
  type ErrorCode,
  type TinyLLMErrorOptions,
  TinyLLMError,
  abortedError,
  errorCodes,
  isAbortError,
  redactSecrets,
  throwIfAborted,
  toTinyLLMError,
} from './errors';
export { redactKnownSecrets, redactedPlaceholder } from './redact-known-secret';
export {
  type AssistantMessage,
  type ChatRequest,
  type ChatResponse,
  type FinishReason,
  type InvalidToolCall,
  type JsonSchema,
  type JsonValue,
  type Message,
  type ResponseFormat,
  type SamplingOptions,
  type SystemMessage,
  type Timings,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
  type ToolMessage,
  type Usage,
  type UserMessage,
  addUsage,
  responseToMessage,
} from './messages';
export type {
  CallOptions,
  ChatModel,
  ChatStream,
  ChatStreamEvent,
  ModelCapabilities,
  ProviderStreamEvent,
} from './model';
export {
  type ChatModelSpec,
  createChatStream,
  defineChatModel,
  parseChatRequest,
} from './define-model';
export {
  type AnyTool,
  type Tool,
  type ToolExecutionContext,
  type ToolOptions,
  tool,
  toToolDefinition,
  validateToolArguments,
} from './tools';
export {
  type TokenCounter,
  estimatePromptTokens,
  estimateTokens,
  estimatingTokenCounter,
} from './tokens';
export type { FirstTokenEvent, ModelHooks, RequestStartEvent, UsageEvent } from './hooks-types';
export { type ModelSettings, type ProviderId, providerIds } from './model-settings';
export {
  type InferSchema,
  type JsonSchemaInput,
  type JsonSchemaOptions,
  type SchemaInput,
  type SchemaIssue,
  type StandardSchemaV1,
  jsonSchema,
  toJsonSchema,
  validateWithSchema,
} from './any-schema';
export {
  type ToolLoopEvent,
  type ToolLoopOptions,
  type ToolLoopResult,
  type ToolLoopStep,
  type ToolResult,
  runTools,
  streamTools,
} from './tool-loop';
export {
  type HermesEvent,
  type HermesParseResult,
  type HermesParserOptions,
  HermesToolCallParser,
  createToolCallId,
  normalizeToolCallPayload,
  parseHermesText,
} from './parser';
export { type HookName, type WithHooksOptions, withHooks } from './hooks';
export {
  type CooldownOptions,
  type ModelSource,
  type Router,
  type RouterAttempt,
  type RouterCallOptions,
  type RouterFallbackEvent,
  type RouterOptions,
  type RouterRetryEvent,
  createRouter,
  defaultFallbackCodes,
} from './router/router';
export type { ModelResolver } from './router/model-resolver';
export {
  type RetryOptions,
  type SleepFunction,
  computeRetryDelay,
  defaultRetryOptions,
} from './router/backoff';
export {
  type DeepPartial,
  type GenerateObjectOptions,
  type GenerateObjectResult,
  type ObjectOptions,
  type StreamObjectResult,
  extractJsonText,
  generateObject,
  streamObject,
} from './structured';
export {
  type SSEDoneEvent,
  type SSEErrorEvent,
  type SSEOptions,
  type StreamEventLike,
  formatSSEMessage,
  parseSSEStream,
  sseContentType,
  textStream,
  toReadableStream,
  toSSEResponse,
  toSSEStream,
} from './streams';
export {
  type OpenAIChatMessage,
  type OpenAIContent,
  type OpenAIOtherPart,
  type OpenAITextPart,
  type FromOpenAIMessagesOptions,
  type OpenAIToolCall,
  type ToOpenAIMessagesOptions,
  fromOpenAIMessages,
  toOpenAIMessages,
} from './openai';
