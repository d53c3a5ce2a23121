/**
 * The shared provider conformance suite, run twice: against real inference on the fixture
 * model, and against a scripted runtime (below). A real model cannot follow a script, so the suite runs unscripted (structure, not wording);
 * the harness shapes the backend where a scenario needs it: a long generation for `endless`,
 * a tiny context window for `context-overflow`, a crash mid-generation for `drop`.
 */
import { afterAll } from 'vitest';
import { type ConformanceScenario, describeProviderConformance } from '../testing/conformance';
import { type ScriptedBackend, createScriptedBackend, scriptedModelsDir } from './fake-library';
import {
  fixtureModelId,
  modelsDir,
  observeRuntime,
  removeTemporaryDirectories,
  type RuntimeObservations,
} from './test-fixture';
import {
  type TransformersChatModel,
  type TransformersProvider,
  createTransformers,
} from './transformers-provider';

const transformers = createTransformers({ modelsDir });
afterAll(async () => {
  await transformers.dispose();
  removeTemporaryDirectories();
});

let observed: RuntimeObservations | undefined;
let generationEnd: Promise<number> | undefined;

async function observe(model: TransformersChatModel): Promise<RuntimeObservations> {
  const { runtime, release } = await model.acquireRuntime();
  release();
  observed = observeRuntime(runtime);
  return observed;
}

describeProviderConformance({
  name: 'transformers (fixture model)',
  async createModel(script: ConformanceScenario[]) {
    const scenario = script[0];
    const model = transformers(fixtureModelId, {
      // The model is loaded once and shared; only request-time options differ per scenario.
      ...(scenario?.kind === 'context-overflow' ? { contextLength: 8 } : {}),
      // Keeps the model from ending on its own, so the suite aborts a running generation.
      ...(scenario?.kind === 'endless' ? { generationOptions: { min_new_tokens: 2048 } } : {}),
    });
    const observations = await observe(model);
    if (scenario?.kind === 'endless') generationEnd = observations.nextGenerationEnd();
    if (scenario?.kind === 'drop') {
      const { runtime, release } = await model.acquireRuntime();
      release();
      const ids = runtime.tokenizer(scenario.chunks.join(''), { add_special_tokens: false })
        .input_ids as unknown as { data: BigInt64Array };
      observations.crashNextGeneration(Array.from(ids.data, Number));
    }
    return model;
  },
  hooks: {
    connectionClosed: () => {
      if (!generationEnd) throw new Error('no endless scenario was set up');
      return generationEnd;
    },
    lastRequest: () => observed?.prompts.at(-1) ?? '',
  },
  reportsUsage: true,
  scripted: false,
  droppedStreamCodes: ['GENERATION_FAILED'],
  skip: {
    'http-errors':
      'local in-process inference has no HTTP layer; its typed errors (MODEL_NOT_FOUND, MISSING_DEPENDENCY, QUEUE_FULL, MEMORY_EXCEEDED, TIMEOUT) are tested in transformers-provider.test.ts',
  },
});

// The same suite, scripted: a fake transformers.js plays each scenario token by token through
// the real streamer and stopping-criteria interface, so exact text, tool-call parsing and usage
// are checked too. The manager and the adapter are the real ones.
let scripted: ScriptedBackend | undefined;
const scriptedProviders: TransformersProvider[] = [];
afterAll(async () => {
  for (const provider of scriptedProviders) await provider.dispose();
});

describeProviderConformance({
  name: 'transformers (scripted runtime)',
  createModel(script: ConformanceScenario[]) {
    const backend = createScriptedBackend(script);
    scripted = backend;
    const provider = createTransformers({
      modelsDir: scriptedModelsDir(),
      importLibrary: async () => backend.library,
    });
    scriptedProviders.push(provider);
    return provider('scripted');
  },
  hooks: {
    connectionClosed: () => scripted!.generationStopped(),
    lastRequest: () => scripted?.prompts.at(-1) ?? '',
  },
  reportsUsage: true,
  droppedStreamCodes: ['GENERATION_FAILED'],
  skip: {
    'http-errors':
      'local in-process inference has no HTTP layer; its typed errors (MODEL_NOT_FOUND, MISSING_DEPENDENCY, QUEUE_FULL, MEMORY_EXCEEDED, TIMEOUT) are tested in transformers-provider.test.ts',
  },
});
