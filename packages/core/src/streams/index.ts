export { toReadableStream } from './readable-stream';
export { parseSSEStream } from './sse-client';
export {
  type SSEDoneEvent,
  type SSEErrorEvent,
  formatSSEMessage,
  sseContentType,
} from './sse-format';
export { type SSEOptions, toSSEResponse, toSSEStream } from './sse-response';
export { type StreamEventLike, textStream } from './text-stream';
