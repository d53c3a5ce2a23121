import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TrainingConfig } from '@tinyllm/config-builder';
import { TinyLLMError } from '@tinyllm/core';
import type { ConversationMetrics, ToolUseMetrics } from '@tinyllm/core/eval';
import type { ModelRecord, RegisterModelInput, Registry, SavedConfig } from '@tinyllm/registry';
import type { BackendResult } from './backend';
import type { DatasetInfo } from './dataset';
import { TrainerError } from './errors';
import { type EvaluationOptions, evaluateModel, evaluationRecord } from './evaluate';

/** The part of a registry a job writes to (a full `Registry` fits). */
export interface TrainerRegistry {
  models: Pick<Registry['models'], 'register' | 'get' | 'list'>;
  configs: Pick<Registry['configs'], 'save' | 'markUsed'>;
  /** With aliases, the new model becomes `family@candidate`. */
  aliases?: Pick<Registry['aliases'], 'set'>;
}

/** Where and how a trained model is registered. */
export interface RegisterOptions {
  registry: TrainerRegistry;
  /** Record name of the new model, e.g. `tiny-tools-2026-12-02`. */
  name: string;
  description?: string;
  tags?: string[];
  /**
   * Registry id or name of the base model's record: the lineage (`fineTunedFrom`). When the
   * registry has no such record and the config trains a local model folder of that name
   * (`model.name` `models/tiny-tool-qwen` for `tiny-tool-qwen`), that folder is registered first.
   */
  baseModel?: string;
  /** Name the config is saved under (replacing an older save of that name). Default `<name>-config`. */
  configName?: string;
  /** The template the config came from, stored with the saved config. */
  templateType?: string;
  /** Alias family (`family@candidate`). Default: `name`. */
  family?: string;
  /** Alias pointed at the new model. Default `candidate`; `false` for none. */
  alias?: string | false;
  /** Evaluate the model (and store its metrics) before registering. */
  evaluation?: EvaluationOptions;
}

/** What registration produced. */
export interface Registration {
  model: ModelRecord;
  savedConfig: SavedConfig;
  /** Single-turn metrics, when the evaluation had cases. */
  metrics?: ToolUseMetrics;
  /** Multi-turn metrics (every turn scored), when the evaluation had conversations. */
  multiTurnMetrics?: ConversationMetrics;
  /** `family@alias`, when an alias was set. */
  alias?: string;
}

/**
 * Registers a trained model with full provenance: method, base model and lineage, dataset name
 * and content hash, LoRA settings, the saved config (`trainingConfigId`), architecture,
 * quantization and eval metrics.
 */
export async function registerTrainedModel(input: {
  options: RegisterOptions;
  config: TrainingConfig;
  result: BackendResult;
  dataset: DatasetInfo;
  trainedAt: Date;
}): Promise<Registration> {
  const { options, config, result, dataset } = input;
  const { registry } = options;
  try {
    const base = await resolveBaseModel(options, config, { registerFolder: true });
    const measured =
      options.evaluation === undefined || result.format !== 'onnx'
        ? {}
        : await evaluateModel(result.outputDir, options.evaluation);
    const savedConfig = await registry.configs.save({
      name: options.configName ?? `${options.name}-config`,
      description: `Trained ${options.name} on ${dataset.name}.`,
      config: config as unknown as Record<string, unknown>,
      ...(options.templateType === undefined ? {} : { templateType: options.templateType }),
      replace: true,
    });
    await registry.configs.markUsed(savedConfig.id);
    const evaluation = evaluationRecord(measured);
    if (result.finalLoss !== undefined) evaluation['train_loss'] = result.finalLoss;
    if (result.evalLoss !== undefined) evaluation['eval_loss'] = result.evalLoss;
    const provenance: RegisterModelInput['provenance'] = {
      trainingMethod: config.training.method,
      baseModel: base?.modelId ?? config.model.name,
      trainingDataset: `${dataset.name}@sha256:${dataset.sha256}`,
      trainingDate: input.trainedAt.toISOString(),
      ...(result.lora === undefined ? {} : { lora: { ...result.lora } }),
      ...(Object.keys(evaluation).length === 0 ? {} : { evaluation }),
      ...(base === undefined ? {} : { fineTunedFrom: base.id }),
      trainingConfigId: savedConfig.id,
      ...(result.architecture === undefined ? {} : { architecture: result.architecture }),
      ...(result.quantization === undefined ? {} : { quantization: result.quantization }),
    };
    const model = await registry.models.register({
      name: options.name,
      description:
        options.description ??
        `Fine-tuned from ${base?.name ?? config.model.name} (${config.training.method}) on ${dataset.name}.`,
      provider: 'transformers',
      baseUrl: dirname(result.outputDir),
      modelId: basename(result.outputDir),
      supportsFunctions: true,
      supportsStreaming: true,
      tags: options.tags ?? ['fine-tuned', config.training.method],
      provenance,
    });
    let alias: string | undefined;
    if (options.alias !== false && registry.aliases !== undefined) {
      const family = options.family ?? options.name;
      const name = options.alias ?? 'candidate';
      await registry.aliases.set(family, name, model.id);
      alias = `${family}@${name}`;
    }
    return {
      model,
      savedConfig,
      ...(measured.singleTurn === undefined ? {} : { metrics: measured.singleTurn }),
      ...(measured.multiTurn === undefined ? {} : { multiTurnMetrics: measured.multiTurn }),
      ...(alias === undefined ? {} : { alias }),
    };
  } catch (error) {
    if (TrainerError.isInstance(error)) throw error;
    throw new TrainerError({
      code: 'REGISTRATION_FAILED',
      path: 'register',
      message: `The model was trained into ${result.outputDir} but could not be registered: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/**
 * The base model's record, by name or id. Missing, it is registered from the config's local
 * model folder when the folder has the base model's name (so a fresh registry gets lineage
 * without a separate step; a misspelt name is still an error), scored by the same evaluation as
 * the fine-tuned model, so the two compare on the same cases. Before training, the job calls
 * this with `registerFolder: false` so a wrong `baseModel` fails before minutes of training.
 */
export async function resolveBaseModel(
  options: Pick<RegisterOptions, 'registry' | 'baseModel' | 'evaluation'>,
  config: TrainingConfig,
  { registerFolder }: { registerFolder: boolean },
): Promise<ModelRecord | undefined> {
  const { registry, baseModel } = options;
  if (baseModel === undefined) return undefined;
  try {
    return await registry.models.get(baseModel);
  } catch (error) {
    const folder = resolve(config.model.name);
    const isLocalFolder = basename(folder) === baseModel && existsSync(join(folder, 'config.json'));
    if (!TinyLLMError.hasCode(error, 'NOT_FOUND') || !isLocalFolder) throw error;
    if (!registerFolder) return undefined;
    const evaluation =
      options.evaluation === undefined
        ? {}
        : evaluationRecord(await evaluateModel(folder, options.evaluation));
    return registry.models.register({
      name: baseModel,
      description: `Base model of fine-tuning runs, registered from ${folder}.`,
      provider: 'transformers',
      baseUrl: dirname(folder),
      modelId: baseModel,
      tags: ['base'],
      ...(Object.keys(evaluation).length === 0 ? {} : { provenance: { evaluation } }),
    });
  }
}

/**
 * The models trained with a saved config: the config side of the link `trainingConfigId` makes
 * (the registry's `trainingConfigId` filter).
 */
export async function modelsTrainedWith(
  registry: TrainerRegistry,
  configId: string,
): Promise<ModelRecord[]> {
  const found: ModelRecord[] = [];
  for (let offset: number | null = 0; offset !== null; ) {
    const page: Awaited<ReturnType<TrainerRegistry['models']['list']>> = await registry.models.list(
      {
        trainingConfigId: configId,
        limit: 1000,
        offset,
      },
    );
    found.push(...page.items);
    offset = page.nextOffset;
  }
  return found;
}
