/**
 * The demo, step by step: a JSON-file registry, the model registered with its provenance, a
 * training config built and validated from a template, then a streamed tool-use chat.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  configBuilder,
  estimateMemory,
  serializeConfig,
  type ToolDefinition as ConfigToolDefinition,
} from '@tinyllm/config-builder';
import {
  type ChatModel,
  type ChatResponse,
  type Message,
  streamTools,
  toToolDefinition,
  withHooks,
} from '@tinyllm/core';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import { createModelManager } from '@tinyllm/providers/transformers';
import {
  type ModelRecord,
  type RegisterModelInput,
  type Registry,
  createRegistry,
} from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import type { DemoOptions, ModelSource } from './args';
import { createModelForRecord } from '@tinyllm/example-tools';
import {
  type Output,
  createLoadProgressPrinter,
  formatUsage,
  summarizeUsage,
} from '@tinyllm/example-tools';
import { tinyModelRegistration } from './tiny-model';

/** What the demo did, for callers and tests. */
export interface DemoResult {
  registryPath: string;
  configPath: string;
  model: ModelRecord;
  answers: Array<{ prompt: string; text: string; toolCalls: string[] }>;
}

/** Registry names allow letters, digits, `.`, `_` and `-`. */
function toRecordName(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
}

/** The registry entry for the chosen model. */
export function registrationFor(source: ModelSource, modelDir: string): RegisterModelInput {
  switch (source.kind) {
    case 'tiny':
      return tinyModelRegistration(modelDir);
    case 'hub':
      return {
        name: toRecordName(source.repoId),
        provider: 'transformers',
        modelId: source.repoId,
        supportsFunctions: true,
        tags: ['hub', 'local'],
        options: { allowRemoteModels: true, ...(source.dtype ? { dtype: source.dtype } : {}) },
      };
    case 'ollama':
      return {
        name: toRecordName(`ollama-${source.model}`),
        provider: 'ollama',
        modelId: source.model,
        baseUrl: source.baseURL ?? null,
        tags: ['ollama'],
      };
    case 'openai-compatible':
      return {
        name: toRecordName(`openai-${source.model}`),
        provider: 'openai-compatible',
        modelId: source.model,
        baseUrl: source.baseURL,
        tags: ['openai-compatible'],
      };
  }
}

/** Registers `input`, or updates the record of the same name (so the demo can run again). */
export async function upsertModel(
  registry: Registry,
  input: RegisterModelInput,
): Promise<{ record: ModelRecord; created: boolean }> {
  const existing = await registry.models.find(input.name);
  if (existing === undefined)
    return { record: await registry.models.register(input), created: true };
  const { id: _id, ownerId: _ownerId, ...changes } = input;
  const record = await registry.models.update(existing.id, {
    ...changes,
    revision: existing.revision,
  });
  return { record, created: false };
}

function describeRecord(record: ModelRecord): string {
  const provenance = record.provenance;
  const parts = [`${record.provider}:${record.modelId}`];
  if (provenance?.trainingMethod) parts.push(`method ${provenance.trainingMethod}`);
  if (provenance?.trainingDataset) parts.push(`dataset ${provenance.trainingDataset}`);
  // The single-turn accuracies and the multi-turn headline (the per-kind ones stay in the record).
  const metrics = Object.entries(provenance?.evaluation ?? {})
    .filter(
      ([key]) =>
        key.endsWith('accuracy') &&
        (!key.startsWith('multiturn_') || key === 'multiturn_turn_accuracy'),
    )
    .map(([key, value]) => `${key} ${value}`);
  if (metrics.length > 0) parts.push(metrics.join(', '));
  return parts.join(' · ');
}

/** Builds and validates a LoRA SFT config that teaches Qwen3-0.6B the demo's tools. */
export async function buildTrainingConfig() {
  const tools: ConfigToolDefinition[] = await Promise.all(
    tinyTools.map(async (entry) => {
      const definition = await toToolDefinition(entry);
      return {
        type: 'function' as const,
        name: definition.name,
        description: definition.description ?? '',
        parameters: definition.parameters,
      };
    }),
  );
  // The template's batch of 4 × 2048 tokens needs ~24 GB; batch 1 × 1024 with 16 accumulation
  // steps keeps the effective batch and fits an 8 GB GPU.
  const builder = configBuilder('sft_toolbench')
    .training({
      lora_r: 16,
      lora_alpha: 32,
      learning_rate: 1e-4,
      batch_size: 1,
      gradient_accumulation_steps: 16,
      warmup_steps: 10,
      max_length: 1024,
    })
    .data({ max_samples: 4000 })
    .tools(tools);
  const validation = builder.validate();
  // build() throws a ConfigError listing every error when the config is invalid.
  const config = builder.build();
  return { config, validation, memory: estimateMemory(config) };
}

async function chat(
  model: ChatModel,
  prompt: string,
  maxOutputTokens: number,
  output: Output,
  signal: AbortSignal,
): Promise<{ text: string; toolCalls: string[] }> {
  const messages: Message[] = [{ role: 'user', content: prompt }];
  output.write(`\nyou> ${prompt}\n`);
  // The prefix is written with the first text of each step, so tool calls get their own lines.
  let prefixed = false;
  const responses: ChatResponse[] = [];
  const toolCalls: string[] = [];
  const events = streamTools(
    model,
    { messages, maxOutputTokens, temperature: 0 },
    { tools: tinyTools, maxSteps: 3, signal },
  );
  let text = '';
  for await (const event of events) {
    switch (event.type) {
      case 'text-delta':
        if (!prefixed) output.write('assistant> ');
        prefixed = true;
        output.write(event.text);
        text += event.text;
        break;
      case 'tool-call': {
        const call = `${event.toolCall.name}(${JSON.stringify(event.toolCall.arguments)})`;
        toolCalls.push(call);
        output.write(`${prefixed ? '\n' : ''}  [tool call] ${call}\n`);
        prefixed = false;
        break;
      }
      case 'tool-result':
        output.write(
          `  [tool result] ${event.toolResult.content}${event.toolResult.isError ? ' (error)' : ''}\n`,
        );
        text = '';
        break;
      case 'step-finish':
        responses.push(event.stepResult.response);
        break;
    }
  }
  output.write(`${prefixed ? '\n' : ''}${formatUsage(summarizeUsage(responses))}\n`);
  return { text: text.trim(), toolCalls };
}

/** Runs the whole demo. `modelDir` is the shipped tiny model's folder. */
export async function runDemo(
  options: DemoOptions,
  output: Output,
  init: { modelDir?: string; signal?: AbortSignal; apiKey?: string } = {},
): Promise<DemoResult> {
  const signal = init.signal ?? new AbortController().signal;
  const show = (path: string) => relative(process.cwd(), path) || path;
  mkdirSync(options.dataDir, { recursive: true });

  // 1. A registry in a JSON file: no database to install.
  const registryPath = join(options.dataDir, 'registry.json');
  const registry = createRegistry({ storage: createJsonFileStorage({ path: registryPath }) });
  const manager = createModelManager({ onEvent: createLoadProgressPrinter(output) });
  try {
    output.write(`1. registry   ${show(registryPath)}\n`);
    const { record, created } = await upsertModel(
      registry,
      registrationFor(options.source, init.modelDir ?? tinyModelDir),
    );
    output.write(
      `   ${created ? 'registered' : 'updated'} ${record.name}: ${describeRecord(record)}\n`,
    );

    // 2. A training config from a template, validated, with its memory estimate.
    const { config, validation, memory } = await buildTrainingConfig();
    const configPath = join(options.dataDir, 'training-config.json');
    writeFileSync(configPath, serializeConfig(config));
    await registry.configs.save({
      name: 'demo-sft-tools',
      templateType: 'sft_toolbench',
      config,
      replace: true,
    });
    output.write(
      `2. config     ${show(configPath)} (sft_toolbench, LoRA r=16, lr 1e-4): valid, ${validation.warnings.length} warning(s)\n`,
    );
    for (const warning of validation.warnings)
      output.write(`   warning ${warning.path}: ${warning.message}\n`);
    if (memory) {
      output.write(
        `   memory estimate ${memory.totalGb.toFixed(1)} GB on a ${memory.gpuMemoryGb} GB GPU (${memory.fits ? 'fits' : 'does not fit'})\n`,
      );
    }

    // 3. Chat: stream tokens, show tool calls as they happen, run the tools, answer.
    output.write(`3. chat       ${record.name}\n`);
    const base = await createModelForRecord(record, manager, init.apiKey);
    // Local models load up front, so the progress bar shows before the first question.
    if ('load' in base && typeof base.load === 'function') await base.load({ signal });
    // Usage hooks record every request (tokens, latency) in the registry.
    const model = withHooks(base, registry.usageHooks(record), { modelName: record.name });
    const answers: DemoResult['answers'] = [];
    for (const prompt of options.prompts) {
      answers.push({
        prompt,
        ...(await chat(model, prompt, options.maxOutputTokens, output, signal)),
      });
    }
    await registry.flush();
    const stats = await registry.usage.stats(record.id);
    output.write(
      `\nregistry usage for ${record.name}: ${stats.requests} requests, ${stats.tokens.input} input tokens (${stats.tokens.cachedInput} cached), ${stats.tokens.output} output tokens, p50 latency ${Math.round(stats.latencyMs.p50 ?? 0)} ms\n`,
    );
    return { registryPath, configPath, model: record, answers };
  } finally {
    await manager.dispose();
    await registry.close();
  }
}
