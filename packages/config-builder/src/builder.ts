import { ConfigError } from './errors';
import { isPlainObject, parsePath, type PathSegment, getAtPath, setAtPath } from './paths';
import type {
  DataSection,
  EvaluationSection,
  ModelSection,
  TensorboardSection,
  TokenizerSection,
  ToolDefinition,
  TrainingConfig,
  TrainingSection,
} from './schema';
import { orderConfig } from './serialize';
import { getTemplate, type TemplateId } from './templates';
import { type ValidationOptions, type ValidationResult, validateConfig } from './validate';

/** Names of the object sections of a config. */
export type ConfigSectionName =
  | 'model'
  | 'tokenizer'
  | 'training'
  | 'data'
  | 'evaluation'
  | 'tensorboard';

type SectionOf<S extends ConfigSectionName> = NonNullable<TrainingConfig[S]>;
type KeysOfUnion<T> = T extends unknown ? keyof T : never;
type ValueOfUnion<T, K extends PropertyKey> = T extends unknown
  ? K extends keyof T
    ? T[K]
    : never
  : never;

/**
 * Every settable field path: `model.name`, `training.lora_r`, `training.beta` (DPO), …, plus
 * the top-level `tools` and `seed`.
 */
export type ConfigFieldPath =
  | { [S in ConfigSectionName]: `${S}.${KeysOfUnion<SectionOf<S>> & string}` }[ConfigSectionName]
  | 'tools'
  | 'seed';

/** The value type of a {@link ConfigFieldPath}, e.g. `number` for `training.lora_r`. */
export type ConfigFieldValue<P extends ConfigFieldPath> = P extends `${infer S}.${infer K}`
  ? S extends ConfigSectionName
    ? Exclude<ValueOfUnion<SectionOf<S>, K>, undefined>
    : never
  : P extends 'tools' | 'seed'
    ? NonNullable<TrainingConfig[P]>
    : never;

/** A config being built: any subset of a config, possibly invalid until {@link ConfigBuilder.build}. */
export type ConfigDraft = Record<string, unknown>;

/**
 * An immutable, fluent builder of training configs. Every method returns a new builder and
 * leaves the old one unchanged, so a builder can be a shared starting point (or React state).
 *
 * @example
 * ```ts
 * const config = ConfigBuilder.fromTemplate('sft_toolbench')
 *   .training({ lora_r: 16, lora_alpha: 32 })
 *   .set('data.max_samples', 2000)
 *   .build(); // validated TrainingConfig, or throws ConfigError listing every problem
 * ```
 */
export class ConfigBuilder {
  readonly #draft: ConfigDraft;

  private constructor(draft: ConfigDraft) {
    this.#draft = draft;
  }

  /** Starts from an empty config (from scratch), or from a copy of `initial`. */
  static create(initial: TrainingConfig | ConfigDraft = {}): ConfigBuilder {
    return new ConfigBuilder(structuredClone(initial) as ConfigDraft);
  }

  /**
   * Starts from a copy of a built-in template.
   *
   * @throws {ConfigError} (`UNKNOWN_TEMPLATE`) for an unknown id.
   */
  static fromTemplate(id: TemplateId | (string & {})): ConfigBuilder {
    return new ConfigBuilder(structuredClone(getTemplate(id).config) as ConfigDraft);
  }

  /** Sets `model.name` and `tokenizer.name` together, which is what you want almost always. */
  baseModel(name: string): ConfigBuilder {
    return this.model({ name }).tokenizer({ name });
  }

  /** Merges fields into `model`; an `undefined` value removes the field. */
  model(fields: Partial<ModelSection>): ConfigBuilder {
    return this.#merge('model', fields);
  }

  /** Merges fields into `tokenizer`; an `undefined` value removes the field. */
  tokenizer(fields: Partial<TokenizerSection>): ConfigBuilder {
    return this.#merge('tokenizer', fields);
  }

  /** Merges fields into `training` (any method's fields); an `undefined` value removes the field. */
  training(fields: Partial<TrainingSection>): ConfigBuilder {
    return this.#merge('training', fields);
  }

  /** Merges fields into `data`; an `undefined` value removes the field. */
  data(fields: Partial<DataSection>): ConfigBuilder {
    return this.#merge('data', fields);
  }

  /** Merges fields into `evaluation`; an `undefined` value removes the field. */
  evaluation(fields: Partial<EvaluationSection>): ConfigBuilder {
    return this.#merge('evaluation', fields);
  }

  /** Merges fields into `tensorboard`; an `undefined` value removes the field. */
  tensorboard(fields: Partial<TensorboardSection>): ConfigBuilder {
    return this.#merge('tensorboard', fields);
  }

  /** Replaces the tool list. */
  tools(tools: readonly ToolDefinition[]): ConfigBuilder {
    return this.#with(['tools'], structuredClone(tools));
  }

  /** Appends a tool, or replaces the tool with the same name. */
  addTool(tool: ToolDefinition): ConfigBuilder {
    const current = this.#draft['tools'];
    const list = Array.isArray(current) ? current : [];
    const index = list.findIndex((entry) => isPlainObject(entry) && entry['name'] === tool.name);
    return this.#with(['tools', index === -1 ? list.length : index], structuredClone(tool));
  }

  /** Sets the random seed. */
  seed(seed: number): ConfigBuilder {
    return this.#with(['seed'], seed);
  }

  /** Sets one field by path, typed: `set('training.lora_r', 16)`. `undefined` removes it. */
  set<P extends ConfigFieldPath>(path: P, value: ConfigFieldValue<P> | undefined): ConfigBuilder {
    return this.setPath(path, value);
  }

  /** Removes one field. */
  unset(path: ConfigFieldPath): ConfigBuilder {
    return this.setPath(path, undefined);
  }

  /**
   * Sets a value by any path string (`training.lora_r`, `tools[0].description`,
   * `training.custom_flag`), for CLIs and form libraries that only have strings. Unknown keys
   * are allowed here and reported as warnings by {@link ConfigBuilder.validate}.
   *
   * @throws {ConfigError} (`INVALID_PATH`) for a malformed path or a list index past the end.
   */
  setPath(path: string, value: unknown): ConfigBuilder {
    const segments = parsePath(path);
    const invalid = (message: string) =>
      new ConfigError({ issues: [{ severity: 'error', code: 'INVALID_PATH', path, message }] });
    if (segments === undefined) {
      throw invalid(
        `"${path}" is not a valid field path; write it like training.lora_r or tools[0].name.`,
      );
    }
    for (let index = 0; index < segments.length; index++) {
      const segment = segments[index];
      if (typeof segment !== 'number') continue;
      const parent = getAtPath(this.#draft, segments.slice(0, index));
      const length = Array.isArray(parent) ? parent.length : 0;
      if (segment > length)
        throw invalid(`${path}: index ${segment} is past the end of the list (length ${length}).`);
    }
    return this.#with(segments, value === undefined ? undefined : structuredClone(value));
  }

  /** Reads a field of the draft (a copy), e.g. `get('training.method')`. */
  get(path: string): unknown {
    const segments = parsePath(path);
    const value = segments === undefined ? undefined : getAtPath(this.#draft, segments);
    return value === undefined ? undefined : structuredClone(value);
  }

  /** Validates the draft without throwing. */
  validate(options?: ValidationOptions): ValidationResult {
    return validateConfig(this.#draft, options);
  }

  /**
   * Returns the validated config (a copy, keys in the framework's order, unknown keys kept).
   *
   * @throws {ConfigError} listing every error (and the warnings) when the draft is invalid.
   */
  build(options?: ValidationOptions): TrainingConfig {
    const result = validateConfig(this.#draft, options);
    if (!result.valid) throw new ConfigError({ issues: result.errors, warnings: result.warnings });
    return orderConfig(structuredClone(this.#draft)) as TrainingConfig;
  }

  /** The draft as a plain object in the framework's key order (valid or not), e.g. to save work in progress. */
  toJSON(): ConfigDraft {
    return orderConfig(structuredClone(this.#draft)) as ConfigDraft;
  }

  #merge(section: ConfigSectionName, fields: object): ConfigBuilder {
    let draft: unknown = this.#draft;
    for (const [key, value] of Object.entries(fields)) {
      draft = setAtPath(
        draft,
        [section, key],
        value === undefined ? undefined : structuredClone(value),
      );
    }
    if (!isPlainObject(getAtPath(draft, [section]))) draft = setAtPath(draft, [section], {});
    return new ConfigBuilder(draft as ConfigDraft);
  }

  #with(segments: readonly PathSegment[], value: unknown): ConfigBuilder {
    return new ConfigBuilder(setAtPath(this.#draft, segments, value) as ConfigDraft);
  }
}

/**
 * Starts a {@link ConfigBuilder}: from scratch, or from a template id.
 *
 * @example
 * ```ts
 * const config = configBuilder()
 *   .baseModel('Qwen/Qwen3-0.6B')
 *   .training({ method: 'sft', num_epochs: 1, learning_rate: 5e-5, batch_size: 4 })
 *   .data({ strategy: 'toolbench' })
 *   .build();
 * ```
 */
export function configBuilder(template?: TemplateId | (string & {})): ConfigBuilder {
  return template === undefined ? ConfigBuilder.create() : ConfigBuilder.fromTemplate(template);
}
