/**
 * `@tinyllm/core/schemas`: the zod schemas of tinyllm's contract (messages, requests,
 * responses, stream events, usage events, model settings), for apps and packages that validate
 * payloads with zod. They live behind this subpath so that `import '@tinyllm/core'` does not
 * load zod; the TypeScript types are exported from `@tinyllm/core` too.
 *
 * @packageDocumentation
 */
export {
  type ResponseFormat,
  assistantMessageSchema,
  chatRequestSchema,
  chatResponseSchema,
  finishReasonSchema,
  invalidToolCallSchema,
  jsonSchemaSchema,
  messageSchema,
  responseFormatSchema,
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
export { chatStreamEventSchema, modelCapabilitiesSchema } from './model';
export { modelSettingsSchema, providerIdSchema } from './model-settings';
export { usageEventSchema } from './usage-event';
