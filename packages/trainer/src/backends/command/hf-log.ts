/**
 * Reads the progress of Hugging Face Trainer based trainers (TRL, axolotl, LLaMA-Factory) from
 * their console output, as documented by transformers' ProgressCallback
 * (transformers/trainer_callback.py): a tqdm bar `45%|████▌ | 45/100 [00:10<00:12, 4.50it/s]`
 * redrawn with carriage returns, a Python dict per logging step
 * `{'loss': 0.6931, 'grad_norm': 1.2, 'learning_rate': 4.5e-05, 'epoch': 0.1}`, and
 * `Saving model checkpoint to out/checkpoint-500` when a checkpoint is written.
 */

/** What one output line says. */
export type HfLogLine =
  | { kind: 'bar'; step: number; total: number; etaSeconds?: number }
  | { kind: 'metrics'; values: Record<string, number> }
  | { kind: 'checkpoint'; step: number; path: string };

const barPattern = /(\d+)\/(\d+) \[(?:(\d+):)?(\d+):(\d+)<(?:(?:(\d+):)?(\d+):(\d+)|\?)/;
const pairPattern =
  /['"]([A-Za-z_][\w/.-]*)['"]\s*:\s*(?:np\.float\d*\()?(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf)\)?/g;
const checkpointPattern = /Saving model checkpoint to (.*checkpoint-(\d+))\s*$/;

/** Parses a trainer output line; undefined when it carries no progress. */
export function parseHfLogLine(line: string): HfLogLine | undefined {
  const checkpoint = checkpointPattern.exec(line);
  if (checkpoint) return { kind: 'checkpoint', step: Number(checkpoint[2]), path: checkpoint[1]! };
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    const values: Record<string, number> = {};
    for (const match of trimmed.matchAll(pairPattern)) {
      const number = Number(match[2]);
      if (Number.isFinite(number)) values[match[1]!] = number;
    }
    if (Object.keys(values).length > 0) return { kind: 'metrics', values };
  }
  const bar = barPattern.exec(line);
  if (bar && line.includes('|')) {
    const step = Number(bar[1]);
    const total = Number(bar[2]);
    const eta =
      bar[7] === undefined
        ? undefined
        : Number(bar[6] ?? 0) * 3600 + Number(bar[7]) * 60 + Number(bar[8]);
    return eta === undefined
      ? { kind: 'bar', step, total }
      : { kind: 'bar', step, total, etaSeconds: eta };
  }
  return undefined;
}
