export {
  type HermesEvent,
  type HermesParseResult,
  type HermesParserOptions,
  HermesToolCallParser,
  createToolCallId,
  normalizeToolCallPayload,
  parseHermesText,
} from './hermes';
