/**
 * Mapping between stored records and table rows: row shapes, column lists and the parameters
 * of INSERT / UPDATE statements.
 */
import { providerIdSchema } from '@tinyllm/core/schemas';
import type { AliasRecord, SavedConfig, StoredModel } from '../../records';

export interface ModelRow {
  id: string;
  owner_id: string | null;
  name: string;
  description: string;
  provider: string;
  base_url: string | null;
  model_id: string;
  context_length: number | null;
  max_output_tokens: number | null;
  supports_streaming: boolean;
  supports_functions: boolean;
  enabled: boolean;
  api_key: StoredModel['apiKey'];
  tags: string[];
  provenance: StoredModel['provenance'];
  options: StoredModel['options'];
  created_at: Date | string;
  updated_at: Date | string;
  revision: number;
}

export interface ConfigRow {
  id: string;
  owner_id: string | null;
  name: string;
  description: string;
  template_type: string | null;
  config: Record<string, unknown>;
  valid: boolean;
  errors: SavedConfig['errors'];
  warnings: SavedConfig['warnings'];
  times_used: number;
  last_used_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  revision: number;
}

export const iso = (value: Date | string): string =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();

export function rowToModel(row: ModelRow): StoredModel {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    provider: providerIdSchema.parse(row.provider),
    baseUrl: row.base_url,
    modelId: row.model_id,
    contextLength: row.context_length,
    maxOutputTokens: row.max_output_tokens,
    supportsStreaming: row.supports_streaming,
    supportsFunctions: row.supports_functions,
    enabled: row.enabled,
    apiKey: row.api_key,
    tags: row.tags,
    provenance: row.provenance,
    options: row.options,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    revision: row.revision,
  };
}

export function rowToConfig(row: ConfigRow): SavedConfig {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    templateType: row.template_type,
    config: row.config,
    valid: row.valid,
    errors: row.errors,
    warnings: row.warnings,
    timesUsed: row.times_used,
    lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    revision: row.revision,
  };
}

export const json = (value: unknown) =>
  value === null || value === undefined ? null : JSON.stringify(value);

// Values are passed as JSON so text[] columns work the same through PGlite and pg.
export const textArray = (index: number) =>
  `ARRAY(SELECT jsonb_array_elements_text($${index}::jsonb))`;

export function modelParams(model: StoredModel): unknown[] {
  return [
    model.id,
    model.ownerId,
    model.name,
    model.description,
    model.provider,
    model.baseUrl,
    model.modelId,
    model.contextLength,
    model.maxOutputTokens,
    model.supportsStreaming,
    model.supportsFunctions,
    model.enabled,
    json(model.apiKey),
    JSON.stringify(model.tags),
    json(model.provenance),
    json(model.options),
    model.createdAt,
    model.updatedAt,
    model.revision,
  ];
}

export const modelColumns =
  'id, owner_id, name, description, provider, base_url, model_id, context_length, max_output_tokens, supports_streaming, supports_functions, enabled, api_key, tags, provenance, options, created_at, updated_at, revision';
export const modelValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, ${textArray(14)}, $15::jsonb, $16::jsonb, $17::timestamptz, $18::timestamptz, $19`;

export function configParams(config: SavedConfig): unknown[] {
  return [
    config.id,
    config.ownerId,
    config.name,
    config.description,
    config.templateType,
    JSON.stringify(config.config),
    config.valid,
    JSON.stringify(config.errors),
    JSON.stringify(config.warnings),
    config.timesUsed,
    config.lastUsedAt,
    config.createdAt,
    config.updatedAt,
    config.revision,
  ];
}
export const configColumns =
  'id, owner_id, name, description, template_type, config, valid, errors, warnings, times_used, last_used_at, created_at, updated_at, revision';
export const configValues =
  '$1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, $10, $11::timestamptz, $12::timestamptz, $13::timestamptz, $14';

export interface AliasRow {
  id: string;
  owner_id: string | null;
  name: string;
  alias: string;
  model_record_id: string;
  history: AliasRecord['history'];
  created_at: Date | string;
  updated_at: Date | string;
  revision: number;
}

export function rowToAlias(row: AliasRow): AliasRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    alias: row.alias,
    modelRecordId: row.model_record_id,
    history: row.history,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    revision: row.revision,
  };
}

export function aliasParams(alias: AliasRecord): unknown[] {
  return [
    alias.id,
    alias.ownerId,
    alias.name,
    alias.alias,
    alias.modelRecordId,
    JSON.stringify(alias.history),
    alias.createdAt,
    alias.updatedAt,
    alias.revision,
  ];
}
export const aliasColumns =
  'id, owner_id, name, alias, model_record_id, history, created_at, updated_at, revision';
export const aliasValues = '$1, $2, $3, $4, $5, $6::jsonb, $7::timestamptz, $8::timestamptz, $9';
