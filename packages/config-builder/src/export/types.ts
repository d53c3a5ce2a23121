/** Trainers a config can be exported to. */
export const exportFormats = ['trl', 'axolotl', 'llama-factory'] as const;

/** A trainer a config can be exported to. */
export type ExportFormat = (typeof exportFormats)[number];

/** One config field and the trainer key it became. */
export interface FieldMapping {
  /** Config path, e.g. `training.batch_size`. */
  from: string;
  /**
   * The trainer's key, e.g. `micro_batch_size` (axolotl), `per_device_train_batch_size`
   * (LLaMA-Factory) or `SFTConfig.per_device_train_batch_size` (TRL: class, dot, argument).
   */
  to: string;
  /** The value written. */
  value: unknown;
}

/** A config field the trainer has no equivalent for, or maps only approximately. */
export interface ExportWarning {
  /** Config path, e.g. `data.strategy`. */
  path: string;
  /** `NO_EQUIVALENT`: not written; `APPROXIMATE`: written, but the meaning differs (see message). */
  code: 'NO_EQUIVALENT' | 'APPROXIMATE';
  message: string;
}

/** Options of {@link exportConfig}. */
export interface ExportOptions {
  /**
   * The JSONL training file the trainer reads (SFT: `{ messages, tools? }` per line; DPO:
   * `{ messages, chosen, rejected }`). Default `data/train.jsonl`.
   */
  datasetPath?: string;
}

/** What {@link exportConfig} returns. */
export interface ExportResult {
  format: ExportFormat;
  /** A file name for `content`, e.g. `axolotl.yaml`. */
  fileName: string;
  /** The file: YAML for axolotl and LLaMA-Factory, a Python script for TRL. */
  content: string;
  /** The command that runs the file. */
  command: string;
  /** Every trainer key written, by key (TRL: `Class.argument`), in file order. */
  fields: Record<string, unknown>;
  /** Which config field became which key. Keys the format needs that no field sets have `from: ''`. */
  mappings: FieldMapping[];
  /** Fields with no (or only an approximate) equivalent; also listed in a comment of `content`. */
  warnings: ExportWarning[];
}
