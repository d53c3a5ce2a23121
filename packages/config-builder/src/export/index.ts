import { ConfigError } from '../errors';
import type { TrainingConfig } from '../schema';
import { validateConfig } from '../validate';
import { exportAxolotl } from './axolotl';
import { exportLlamaFactory } from './llama-factory';
import { exportTrl } from './trl';
import { type ExportFormat, type ExportOptions, type ExportResult, exportFormats } from './types';

export {
  exportFormats,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type ExportWarning,
  type FieldMapping,
} from './types';

const exporters: Record<
  ExportFormat,
  (config: TrainingConfig, options: ExportOptions) => ExportResult
> = {
  axolotl: exportAxolotl,
  'llama-factory': exportLlamaFactory,
  trl: exportTrl,
};

/**
 * Exports a config to what an external trainer reads: an axolotl YAML, a LLaMA-Factory YAML, or
 * a runnable TRL script with its SFTConfig/DPOConfig and PEFT LoraConfig arguments. Fields the
 * trainer has no equivalent for are listed in `warnings` and in a comment of the file.
 *
 * @throws {ConfigError} when the config has errors, or `format` is not one of {@link exportFormats}.
 * @example
 * ```ts
 * const { content, warnings } = exportConfig(getTemplate('sft_toolbench').config, 'axolotl');
 * await writeFile('axolotl.yaml', content);
 * ```
 */
export function exportConfig(
  config: TrainingConfig,
  format: ExportFormat,
  options: ExportOptions = {},
): ExportResult {
  const exporter = Object.hasOwn(exporters, format) ? exporters[format] : undefined;
  if (exporter === undefined) {
    throw new ConfigError({
      issues: [
        {
          severity: 'error',
          code: 'INVALID_VALUE',
          path: '',
          message: `Unknown export format "${String(format)}". Available: ${exportFormats.join(', ')}.`,
        },
      ],
    });
  }
  const validation = validateConfig(config);
  if (!validation.valid)
    throw new ConfigError({ issues: validation.errors, warnings: validation.warnings });
  return exporter(config, options);
}
