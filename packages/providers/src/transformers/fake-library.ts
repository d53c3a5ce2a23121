/**
 * A scripted stand-in for transformers.js, for the conformance suite's scripted mode: it plays
 * {@link ConformanceScenario}s token by token through the same streamer / stopping-criteria
 * interface as the real `generate`, so the suite can check the adapter's exact output.
 * Test-only: not exported from the package.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConformanceScenario } from '../testing/conformance';
import type { TransformersLibrary } from './load-model';
import { temporaryDirectory } from './test-fixture';

const eosTokenId = 0;
const contextLength = 4096;

/** A models folder with one (empty) model, `scripted`, so local resolution succeeds. */
export function scriptedModelsDir(): string {
  const root = temporaryDirectory('tinyllm-scripted-');
  mkdirSync(path.join(root, 'scripted'));
  writeFileSync(
    path.join(root, 'scripted', 'config.json'),
    JSON.stringify({ max_position_embeddings: contextLength }),
  );
  return root;
}

/** Observations of a scripted library. */
export interface ScriptedBackend {
  library: TransformersLibrary;
  /** Prompts rendered so far. */
  prompts: string[];
  /** Resolves with `performance.now()` when the current `endless` generation stops. */
  generationStopped(): Promise<number>;
  /** Options of each `generate` call (without the streamer and criteria). */
  generateCalls: Array<Record<string, unknown>>;
  /** Seeds passed to `random.seed`. */
  seeds: number[];
}

class FakeStoppingCriteria {
  interrupted = false;
  interrupt(): void {
    this.interrupted = true;
  }
  reset(): void {
    this.interrupted = false;
  }
}

/** Creates a fake library that serves `script`, one scenario per `generate` call. */
export function createScriptedBackend(
  script: ConformanceScenario[],
  options: { promptSuffix?: string } = {},
): ScriptedBackend {
  const generateCalls: Array<Record<string, unknown>> = [];
  const seeds: number[] = [];
  const vocabulary: string[] = [''];
  const tokenOf = (text: string): number => {
    vocabulary.push(text);
    return vocabulary.length - 1;
  };
  const prompts: string[] = [];
  let turn = 0;
  let current: ConformanceScenario | undefined;
  let resolveStopped: ((time: number) => void) | undefined;
  const stopped = new Promise<number>((resolve) => {
    resolveStopped = resolve;
  });

  const tokenizer = Object.assign(
    (_text: string) => {
      current = script[turn++];
      const inputTokens =
        current?.kind === 'context-overflow'
          ? contextLength + 1
          : current && 'usage' in current
            ? current.usage.inputTokens
            : 10;
      return { input_ids: { dims: [1, inputTokens] }, attention_mask: {} };
    },
    {
      apply_chat_template(messages: unknown[], templateOptions: Record<string, unknown>) {
        const prompt =
          JSON.stringify({ messages, tools: templateOptions['tools'] ?? null }) +
          (options.promptSuffix ?? '');
        prompts.push(prompt);
        return prompt;
      },
      decode: (ids: number[]) => ids.map((id) => vocabulary[id] ?? '').join(''),
    },
  );

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const model = {
    config: { max_position_embeddings: contextLength, eos_token_id: eosTokenId },
    generation_config: { eos_token_id: [eosTokenId] },
    sessions: {},
    dispose: async () => [],
    async generate(generateOptions: Record<string, unknown>) {
      const { streamer: streamerOption, stopping_criteria, ...rest } = generateOptions;
      generateCalls.push(rest);
      const streamer = streamerOption as { put(ids: bigint[][]): void; end(): void };
      const [criteria] = stopping_criteria as FakeStoppingCriteria[];
      const maxNewTokens = generateOptions['max_new_tokens'] as number;
      const scenario = current;
      streamer.put([[1n]]);
      let generated = 0;
      const emit = async (text: string): Promise<boolean> => {
        await sleep(1);
        streamer.put([[BigInt(tokenOf(text))]]);
        generated++;
        return !criteria?.interrupted && generated < maxNewTokens;
      };
      if (!scenario) throw new Error('the script has no scenario for this request');
      switch (scenario.kind) {
        case 'text':
          for (const chunk of scenario.chunks) if (!(await emit(chunk))) return;
          if (scenario.finishReason === 'stop') streamer.put([[BigInt(eosTokenId)]]);
          return;
        case 'tool-call': {
          const { name, arguments: args } = scenario.toolCall;
          const body = JSON.stringify({ name, arguments: args });
          for (const chunk of [
            '<tool_',
            'call>\n',
            body.slice(0, 9),
            body.slice(9),
            '\n</tool_call>',
          ])
            if (!(await emit(chunk))) return;
          streamer.put([[BigInt(eosTokenId)]]);
          return;
        }
        case 'endless':
          try {
            while (true) {
              await sleep(scenario.intervalMs);
              if (!(await emit(scenario.chunk))) return;
            }
          } finally {
            resolveStopped?.(performance.now());
          }
        case 'drop':
          for (const chunk of scenario.chunks) await emit(chunk);
          throw new Error('onnxruntime: session crashed');
        default:
          throw new Error(`scenario ${scenario.kind} cannot be played by a local model`);
      }
    },
  };

  const library: TransformersLibrary = {
    AutoTokenizer: { from_pretrained: async () => tokenizer },
    AutoModelForCausalLM: { from_pretrained: async () => model },
    InterruptableStoppingCriteria: FakeStoppingCriteria,
    random: { seed: (value) => seeds.push(value ?? Number.NaN) },
  };
  return { library, prompts, generationStopped: () => stopped, generateCalls, seeds };
}
