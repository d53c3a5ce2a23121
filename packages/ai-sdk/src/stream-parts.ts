/**
 * A tinyllm chat stream → the spec's stream parts: text and reasoning as start/delta/end blocks,
 * each tool call as tool-input-start/delta/end then `tool-call` (what `ai` executes), and one
 * `finish` with usage. Tool calls the provider parsed from `<tool_call>` text arrive here as
 * ordinary tool-call events, so they map the same way.
 */
import type { ChatResponse, ChatStreamEvent, Timings, Usage } from '@tinyllm/core';

/** Stream parts shared by V2 and V3 (finish carries the version's own reason and usage). */
export type StreamPart<F, U> =
  | { type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end'; id: string }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; delta: string }
  | { type: 'tool-input-start'; id: string; toolName: string }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-input-end'; id: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
  | {
      type: 'finish';
      finishReason: F;
      usage: U;
      providerMetadata: { tinyllm: Record<string, string | number | boolean> };
    };

/** What `providerMetadata.tinyllm` reports: the model behind the call, timings, estimates. */
export function tinyllmMetadata(
  source: { provider: string; modelId: string },
  usage: Usage,
  timings?: Timings,
): Record<string, string | number | boolean> {
  const metadata: Record<string, string | number | boolean> = {
    provider: source.provider,
    modelId: source.modelId,
    usageEstimated: usage.estimated,
  };
  if (timings?.timeToFirstTokenMs !== undefined) {
    metadata['timeToFirstTokenMs'] = timings.timeToFirstTokenMs;
  }
  if (timings?.tokensPerSecond !== undefined) metadata['tokensPerSecond'] = timings.tokensPerSecond;
  if (timings) metadata['totalMs'] = timings.totalMs;
  return metadata;
}

/** Turns events into parts, keeping track of the open text or reasoning block. */
export class PartWriter<F, U> {
  private open: { kind: 'text' | 'reasoning'; id: string } | undefined;
  private blocks = 0;

  constructor(
    private readonly source: { provider: string; modelId: string },
    private readonly mapping: {
      finishReason(reason: ChatResponse['finishReason']): F;
      usage(usage: Usage): U;
    },
  ) {}

  private close(parts: Array<StreamPart<F, U>>): void {
    if (!this.open) return;
    parts.push({ type: `${this.open.kind}-end`, id: this.open.id });
    this.open = undefined;
  }

  private block(kind: 'text' | 'reasoning', parts: Array<StreamPart<F, U>>): string {
    if (this.open?.kind === kind) return this.open.id;
    this.close(parts);
    this.open = { kind, id: `${kind}-${this.blocks++}` };
    parts.push({ type: `${kind}-start`, id: this.open.id });
    return this.open.id;
  }

  /** The parts of one event (none for events the spec has no part for). */
  write(event: ChatStreamEvent): Array<StreamPart<F, U>> {
    const parts: Array<StreamPart<F, U>> = [];
    switch (event.type) {
      case 'text-delta':
        if (event.text !== '') {
          parts.push({ type: 'text-delta', id: this.block('text', parts), delta: event.text });
        }
        break;
      case 'reasoning-delta':
        if (event.text !== '') {
          parts.push({
            type: 'reasoning-delta',
            id: this.block('reasoning', parts),
            delta: event.text,
          });
        }
        break;
      case 'tool-call': {
        this.close(parts);
        const { id, name } = event.toolCall;
        const input = JSON.stringify(event.toolCall.arguments);
        parts.push(
          { type: 'tool-input-start', id, toolName: name },
          { type: 'tool-input-delta', id, delta: input },
          { type: 'tool-input-end', id },
          { type: 'tool-call', toolCallId: id, toolName: name, input },
        );
        break;
      }
      case 'tool-call-error': {
        // A call the parser could not read: handed to `ai` as written, so its own repair and
        // invalid-input handling (`tool-error` parts, `experimental_repairToolCall`) apply.
        const { name, raw } = event.invalidToolCall;
        if (name !== undefined) {
          this.close(parts);
          parts.push({
            type: 'tool-call',
            toolCallId: `invalid_${this.blocks++}`,
            toolName: name,
            input: raw,
          });
        }
        break;
      }
      case 'finish':
        this.close(parts);
        parts.push({
          type: 'finish',
          finishReason: this.mapping.finishReason(event.finishReason),
          usage: this.mapping.usage(event.usage),
          providerMetadata: { tinyllm: tinyllmMetadata(this.source, event.usage, event.timings) },
        });
        break;
      default:
        break;
    }
    return parts;
  }
}
