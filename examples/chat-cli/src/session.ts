/**
 * A chat session, apart from the terminal: the registry, the current model, the conversation and
 * the usage so far. The terminal front end (index.ts) feeds it lines; tests can too.
 */
import { dirname } from 'node:path';
import {
  type AnyTool,
  type ChatModel,
  type ChatResponse,
  type Message,
  TinyLLMError,
  isAbortError,
  streamTools,
  withHooks,
} from '@tinyllm/core';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import type { ModelManager } from '@tinyllm/providers/transformers';
import type { ModelRecord, Registry } from '@tinyllm/registry';
import { type LoadableModel, createModelForRecord } from '@tinyllm/example-tools';
import { type Output, formatUsage, summarizeUsage } from '@tinyllm/example-tools';

export const helpText = `Commands:
  /model            list the registry's models
  /model <name>     switch model (the conversation is kept)
  /tools            list the tools the model can call
  /usage            tokens and timings of this session
  /clear            start a new conversation
  /help             this text
  /exit             quit (or Ctrl-D)
Ctrl-C stops the current reply.
`;

/** Registers the shipped tiny model when the registry has no model yet, so the CLI always starts. */
export async function ensureDefaultModel(registry: Registry): Promise<void> {
  const { total } = await registry.models.list({ limit: 1 });
  if (total > 0) return;
  await registry.models.register({
    name: 'tiny-tool-qwen',
    description: 'The shipped tiny tool-use model (local, offline).',
    provider: 'transformers',
    baseUrl: dirname(tinyModelDir),
    modelId: 'tiny-tool-qwen',
    maxOutputTokens: 96,
    tags: ['local'],
  });
}

interface SessionTotals {
  replies: number;
  aborted: number;
  inputTokens: number;
  outputTokens: number;
  firstTokenMs: number[];
}

export class ChatSession {
  readonly #registry: Registry;
  readonly #manager: ModelManager;
  readonly #output: Output;
  readonly #tools: readonly AnyTool[];
  readonly #createModel: (record: ModelRecord) => Promise<LoadableModel>;
  #record: ModelRecord | undefined;
  #model: ChatModel | undefined;
  #messages: Message[] = [];
  #totals: SessionTotals = {
    replies: 0,
    aborted: 0,
    inputTokens: 0,
    outputTokens: 0,
    firstTokenMs: [],
  };

  constructor(init: {
    registry: Registry;
    manager: ModelManager;
    output: Output;
    tools?: readonly AnyTool[];
    /** How a record becomes a model (default: its provider, with the shared manager). */
    createModel?: (record: ModelRecord) => Promise<LoadableModel>;
  }) {
    this.#registry = init.registry;
    this.#manager = init.manager;
    this.#output = init.output;
    this.#tools = init.tools ?? tinyTools;
    this.#createModel =
      init.createModel ?? ((record) => createModelForRecord(record, this.#manager));
  }

  get modelName(): string | undefined {
    return this.#record?.name;
  }

  async listModels(): Promise<ModelRecord[]> {
    return (await this.#registry.models.list({ enabled: true, limit: 1000 })).items;
  }

  /** Prints the models, numbered, marking the current one. */
  async printModels(): Promise<ModelRecord[]> {
    const models = await this.listModels();
    models.forEach((record, index) => {
      const mark = record.name === this.#record?.name ? '*' : ' ';
      this.#output.write(
        `${mark} ${index + 1}. ${record.name}  (${record.provider}: ${record.modelId})\n`,
      );
    });
    return models;
  }

  /** Switches to a model by registry name or list number, loading local models (progress bar). */
  async useModel(nameOrNumber: string, signal?: AbortSignal): Promise<void> {
    const models = await this.listModels();
    const byNumber = /^\d+$/.test(nameOrNumber) ? models[Number(nameOrNumber) - 1] : undefined;
    const record = byNumber ?? models.find((candidate) => candidate.name === nameOrNumber.trim());
    if (record === undefined) {
      throw new TinyLLMError({
        code: 'MODEL_NOT_FOUND',
        message: `No model "${nameOrNumber}" in the registry. /model lists them.`,
      });
    }
    const base = await this.#createModel(record);
    if ('load' in base && typeof base.load === 'function') await base.load({ signal });
    this.#record = record;
    this.#model = withHooks(base, this.#registry.usageHooks(record), { modelName: record.name });
    this.#output.write(`using ${record.name}\n`);
  }

  printTools(): void {
    for (const entry of this.#tools) {
      this.#output.write(`  ${entry.name}: ${entry.description ?? ''}\n`);
    }
  }

  printUsage(): void {
    const totals = this.#totals;
    const sorted = [...totals.firstTokenMs].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    this.#output.write(
      `session: ${totals.replies} replies (${totals.aborted} stopped), ${totals.inputTokens} in + ${totals.outputTokens} out tokens, median first token ${median === undefined ? 'n/a' : `${Math.round(median)} ms`}\n`,
    );
  }

  clear(): void {
    this.#messages = [];
    this.#output.write('conversation cleared\n');
  }

  /**
   * Sends a user message and streams the reply, tool calls and tool results. An abort ends the
   * reply (generation stops) and keeps the conversation as it was before the message.
   */
  async send(text: string, signal: AbortSignal): Promise<void> {
    const model = this.#model;
    if (model === undefined) {
      throw new TinyLLMError({ code: 'INVALID_REQUEST', message: 'Pick a model first: /model' });
    }
    const responses: ChatResponse[] = [];
    const write = (chunk: string) => this.#output.write(chunk);
    // The prefix is written with the first text of each step, so tool calls get their own lines.
    let prefixed = false;
    try {
      const events = streamTools(
        model,
        {
          messages: [...this.#messages, { role: 'user', content: text }],
          ...(this.#record?.maxOutputTokens
            ? { maxOutputTokens: this.#record.maxOutputTokens }
            : {}),
        },
        { tools: this.#tools, maxSteps: 4, signal },
      );
      let next = await events.next();
      while (!next.done) {
        const event = next.value;
        if (event.type === 'text-delta') {
          if (!prefixed) write('assistant> ');
          prefixed = true;
          write(event.text);
        } else if (event.type === 'tool-call') {
          const call = `${event.toolCall.name}(${JSON.stringify(event.toolCall.arguments)})`;
          write(`${prefixed ? '\n' : ''}  [tool call] ${call}\n`);
          prefixed = false;
        } else if (event.type === 'tool-result') {
          write(`  [tool result] ${event.toolResult.content}\n`);
        } else if (event.type === 'step-finish') responses.push(event.stepResult.response);
        next = await events.next();
      }
      this.#messages = next.value.messages;
      const usage = summarizeUsage(responses);
      this.#totals.replies++;
      this.#totals.inputTokens += usage.inputTokens;
      this.#totals.outputTokens += usage.outputTokens;
      if (usage.timeToFirstTokenMs !== undefined) {
        this.#totals.firstTokenMs.push(usage.timeToFirstTokenMs);
      }
      write(`${prefixed ? '\n' : ''}${formatUsage(usage)}\n`);
    } catch (error) {
      if (signal.aborted || isAbortError(error) || TinyLLMError.hasCode(error, 'ABORTED')) {
        this.#totals.aborted++;
        write(`${prefixed ? '\n' : ''}(stopped)\n`);
        return;
      }
      throw error;
    }
  }
}
