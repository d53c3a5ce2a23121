import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TrainingMethod } from '@tinyllm/config-builder';
import { z } from 'zod';
import { TrainerError } from './errors';

const messageSchema = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  // `false`: the message is context, not a target (axolotl's per-message training flag).
  train: z.boolean().optional(),
});
const answerSchema = z.union([z.string(), messageSchema]);
const sftLineSchema = z.looseObject({
  messages: z.array(messageSchema).min(1),
  tools: z.array(z.unknown()).optional(),
});
const dpoLineSchema = sftLineSchema.extend({ chosen: answerSchema, rejected: answerSchema });

/** What a job knows about its dataset; the hash goes into the model's provenance. */
export interface DatasetInfo {
  /** File name, e.g. `train.jsonl`. */
  name: string;
  path: string;
  /** SHA-256 of the file's bytes (hex). */
  sha256: string;
  /** Non-empty lines. */
  lines: number;
}

/**
 * Reads and checks a JSONL dataset: SFT lines are `{ messages, tools? }`, DPO lines add
 * `chosen` and `rejected` (an assistant message or its text). An SFT assistant message with
 * `train: false` is context only: the loss skips it.
 *
 * @throws {TrainerError} DATASET_INVALID naming the file, line and field.
 */
export async function inspectDataset(path: string, method: TrainingMethod): Promise<DatasetInfo> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TrainerError({
      code: 'DATASET_INVALID',
      path,
      message: `Cannot read the dataset ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      cause: error,
    });
  }
  const schema = method === 'dpo' ? dpoLineSchema : sftLineSchema;
  let lines = 0;
  for (const [index, line] of bytes.toString('utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    lines += 1;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new TrainerError({
        code: 'DATASET_INVALID',
        path: where,
        message: `${where} is not valid JSON.`,
      });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || '(line)';
      throw new TrainerError({
        code: 'DATASET_INVALID',
        path: where,
        message: `${where}: ${field}: ${issue.message}. ${method === 'dpo' ? 'DPO lines are {"messages": [...], "chosen": ..., "rejected": ...}.' : 'SFT lines are {"messages": [...], "tools": [...]}.'}`,
      });
    }
  }
  if (lines === 0)
    throw new TrainerError({
      code: 'DATASET_INVALID',
      path,
      message: `The dataset ${path} has no lines.`,
    });
  return {
    name: basename(path),
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    lines,
  };
}
