import { z } from 'zod';

// The JSON lines training/finetune.py prints on stdout. Parsed with a schema: the process is
// external input, and a line that does not match is shown as a log line, never trusted.
const finetuneEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('progress'),
    step: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    loss: z.number(),
    lr: z.number(),
    epoch: z.number(),
    eta_seconds: z.number(),
  }),
  z.object({ event: z.literal('checkpoint'), step: z.number().int(), path: z.string() }),
  z.object({ event: z.literal('log'), message: z.string() }),
  z.object({
    event: z.literal('start'),
    total_steps: z.number(),
    start_step: z.number(),
    train_samples: z.number(),
    trainable_parameters: z.number(),
    total_parameters: z.number(),
  }),
  z.object({ event: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ event: z.literal('cancelled'), step: z.number() }),
  z.looseObject({ event: z.literal('done'), out: z.string(), steps: z.number() }),
]);

/** One event of finetune.py. */
export type FinetuneEvent = z.infer<typeof finetuneEventSchema>;

/** Parses a stdout line of finetune.py; undefined for anything else. */
export function parseFinetuneLine(line: string): FinetuneEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = finetuneEventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
