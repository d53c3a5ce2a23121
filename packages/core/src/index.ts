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
  assistantMessageSchema,
  chatRequestSchema,
  chatResponseSchema,
  finishReasonSchema,
  invalidToolCallSchema,
  jsonSchemaSchema,
  messageSchema,
  responseFormatSchema,
  responseToMessage,
  samplingOptionsSchema,
  systemMessageSchema,
  timingsSchema,
  toolCallSchema,
  toolChoiceSchema,
  toolDefinitionSchema,
  toolMessageSchema,
  usageSchema,
  userMessageSchema,
} from './messages';
export {
  type CallOptions,
  type ChatModel,
  type ChatStream,
  type ChatStreamEvent,
  type ModelCapabilities,
  type ProviderStreamEvent,
  chatStreamEventSchema,
  modelCapabilitiesSchema,
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
  jsonSchemaToZod,
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
export {
  type FirstTokenEvent,
  type ModelHooks,
  type RequestStartEvent,
  type UsageEvent,
  usageEventSchema,
} from './hooks-types';
export {
  type ModelSettings,
  type ProviderId,
  modelSettingsSchema,
  providerIdSchema,
  providerIds,
} from './model-settings';
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
export {
  type RetryOptions,
  type SleepFunction,
  computeRetryDelay,
  defaultRetryOptions,
} from './router/backoff';
