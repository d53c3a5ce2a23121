/**
 * @tinyllm/registry: which models exist, how to reach them, where they came from and how they
 * perform, with swappable storage (memory, a JSON file, PostgreSQL).
 *
 * @packageDocumentation
 */
export {
  type AliasesApi,
  type ConfigValidationResult,
  type ConfigsApi,
  type HubImportOptions,
  type ImportResult,
  type ModelLineage,
  type ModelUsageSeries,
  type ModelsApi,
  type Registry,
  type RegistrySettings,
  type UsageApi,
  type UsageSeries,
  createRegistry,
} from './registry';
export { parseAliasReference } from './api/aliases';
export {
  type ModelResolverOptions,
  type ResolverSource,
  createModelResolver,
} from './model-resolver';
export {
  type AliasHistoryEntry,
  type AliasRecord,
  type EncryptedSecret,
  type HubSource,
  type ModelQuery,
  type ModelQueryInput,
  type ModelRecord,
  type Page,
  type Provenance,
  type RegisterModelInput,
  type SaveConfigInput,
  type SavedConfig,
  type StoredConfigIssue,
  type StoredModel,
  type UpdateModelInput,
  type UsageQuery,
  type UsageRecord,
  type UsagePoint,
  type UsageSeriesQuery,
  type UsageSeriesQueryInput,
  type UsageStats,
  aliasHistoryLimit,
  aliasRecordSchema,
  configIssueSchema,
  encryptedSecretSchema,
  hubSourceSchema,
  isStorableText,
  limits,
  loraConfigSchema,
  modelQuerySchema,
  modelRecordSchema,
  provenanceSchema,
  recordNameSchema,
  registerModelInputSchema,
  saveConfigInputSchema,
  savedConfigSchema,
  storedModelSchema,
  storedProvenanceSchema,
  updateModelInputSchema,
  usageQuerySchema,
  usageEventInputSchema,
  usageRecordSchema,
  usageSeriesQuerySchema,
} from './records';
export { type RegistryFile, parseRegistryFile, registryFileSchema } from './registry-file';
export {
  type EncryptionKey,
  encryptionKeyEnvironmentVariable,
  generateEncryptionKey,
} from './secrets';
export {
  type ProviderTemplate,
  type ProviderTemplateId,
  type TemplateOverrides,
  fromTemplate,
  providerTemplates,
} from './templates';
export {
  type ConnectionTestResult,
  type CreateModel,
  type RecordModelOptions,
  type RecordSource,
  type RevealKey,
  createModelFromRecord,
  recordToSettings,
  testRecordConnection,
} from './record-to-model';
export {
  type HubModelInfo,
  type HubModelMetadata,
  type HubRequestOptions,
  defaultHubUrl,
  fetchHubModelMetadata,
  hubModelInfoSchema,
} from './hub-import';
export { type MemoryStorageSettings, createMemoryStorage } from './storage/memory/index';
export type {
  AliasQuery,
  ConfigQuery,
  OwnerScope,
  StorageAdapter,
  UsageOwner,
} from './storage/types';
