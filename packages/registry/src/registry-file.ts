/**
 * The `registry.json` format: what the JSON-file adapter stores and what `exportJson()` /
 * `importJson()` exchange, so a file registry can be imported into PostgreSQL as it is.
 */
import { TinyLLMError } from '@tinyllm/core';
import { z } from 'zod';
import { validationError } from './errors';
import { aliasRecordSchema, savedConfigSchema, storedModelSchema } from './records';

/** Schema of a `registry.json` file. */
export const registryFileSchema = z.object({
  format: z.literal('tinyllm-registry'),
  version: z.literal(1),
  models: z.array(storedModelSchema),
  configs: z.array(savedConfigSchema),
  /** Aliases (`name@production`); absent in files written before aliases existed. */
  aliases: z.array(aliasRecordSchema).default([]),
});
export type RegistryFile = z.infer<typeof registryFileSchema>;

/**
 * Parses the text of a `registry.json`, throwing INVALID_CONFIG naming the offending field
 * (`models[3].name`) when it is malformed.
 */
export function parseRegistryFile(text: string, source = 'registry.json'): RegistryFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: `${source} is not valid JSON: ${(error as Error).message}`,
      path: '',
      cause: error,
    });
  }
  const result = registryFileSchema.safeParse(json);
  if (!result.success) throw validationError(result.error, source, 'INVALID_CONFIG');
  return result.data;
}
