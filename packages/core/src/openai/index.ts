export type {
  OpenAIChatMessage,
  OpenAIContent,
  OpenAIOtherPart,
  OpenAITextPart,
  OpenAIToolCall,
} from './message-types';
export {
  type FromOpenAIMessagesOptions,
  type ToOpenAIMessagesOptions,
  fromOpenAIMessages,
  toOpenAIMessages,
} from './messages';
