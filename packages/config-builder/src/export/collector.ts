import type { TrainingConfig } from '../schema';
import type { ExportFormat, ExportWarning, FieldMapping } from './types';

/**
 * Collects what an exporter writes. Every config field an exporter reads is marked handled;
 * `finish()` reports every present field nobody handled as NO_EQUIVALENT, so nothing is dropped
 * silently, including keys the schema does not know.
 */
export class ExportCollector {
  readonly fields: Record<string, unknown> = {};
  readonly mappings: FieldMapping[] = [];
  readonly warnings: ExportWarning[] = [];
  private readonly handled = new Set<string>();

  constructor(
    private readonly config: TrainingConfig,
    private readonly format: ExportFormat,
  ) {}

  /** The value at a config path like `training.lora_r` (undefined when absent). */
  get(path: string): unknown {
    let value: unknown = this.config;
    for (const key of path.split('.')) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  }

  /** Writes `to` with `value` when `from` is set (or `from` is '' for a key the format needs). */
  map(from: string, to: string, value: unknown = this.get(from)): void {
    if (from !== '') this.handled.add(from);
    if (value === undefined) return;
    this.fields[to] = value;
    this.mappings.push({ from, to, value });
  }

  /** A field with no equivalent: warned about and not written. */
  unmapped(from: string, reason: string): void {
    this.handled.add(from);
    if (this.get(from) === undefined) return;
    this.warnings.push({
      path: from,
      code: 'NO_EQUIVALENT',
      message: `${from} has no ${formatNames[this.format]} equivalent: ${reason}`,
    });
  }

  /** A field written, but whose meaning differs in the trainer. */
  approximate(from: string, message: string): void {
    this.warnings.push({ path: from, code: 'APPROXIMATE', message: `${from}: ${message}` });
  }

  /** Marks a field as read without writing it (used when another mapping already covers it). */
  handle(from: string): void {
    this.handled.add(from);
  }

  /** Reports present fields no exporter rule read. */
  finish(): void {
    for (const path of leafPaths(this.config)) {
      if (!this.handled.has(path)) this.unmapped(path, 'the exporter does not know this field.');
    }
  }

  /** The warnings as comment lines (without the comment marker). */
  warningLines(): string[] {
    if (this.warnings.length === 0) return ['Every config field has an equivalent here.'];
    return [
      'Not carried over, or only approximately:',
      ...this.warnings.map((w) => `- ${w.message}`),
    ];
  }
}

const formatNames: Record<ExportFormat, string> = {
  trl: 'TRL',
  axolotl: 'axolotl',
  'llama-factory': 'LLaMA-Factory',
};

// Leaves at the depth exporters work on: `section.key`, and whole values for `tools` and `seed`.
function leafPaths(config: TrainingConfig): string[] {
  const paths: string[] = [];
  for (const [section, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        if (inner !== undefined) paths.push(`${section}.${key}`);
      }
    } else paths.push(section);
  }
  return paths;
}
