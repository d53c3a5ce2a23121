/**
 * `@tinyllm/core/eval`: evaluate tool-use models with the real tool loop.
 *
 * @packageDocumentation
 */
export { evaluateArithmetic } from './arithmetic';
export {
  type ConversationCase,
  type ConversationMetrics,
  type ConversationTurnResult,
  type EvaluateConversationsOptions,
  type TurnKindMetrics,
  conversationCaseSchema,
  conversationTurnSchema,
  evaluateConversations,
  formatConversationMetrics,
  parseConversationCases,
} from './conversation';
export {
  type ArgumentMatch,
  type EvaluateToolUseOptions,
  type ToolUseCase,
  type ToolUseCaseResult,
  type ToolUseMetrics,
  argumentMatchSchema,
  evaluateToolUse,
  formatToolUseMetrics,
  parseToolUseCases,
  toolUseCaseSchema,
} from './evaluate';
