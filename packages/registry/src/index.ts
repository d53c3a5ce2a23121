/**
 * @tinyllm/registry: which models exist, how to reach them, where they came from and how they
 * perform, with swappable storage (memory, a JSON file, PostgreSQL).
 *
 * @packageDocumentation
 */
export {
  type ConfigValidationResult,
  type HubImportOptions,
  type ImportResult,
  type ModelLineage,
  type Registry,
  type RegistrySettings,
  createRegistry,
} from './registry';
export {
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
  type UsageStats,
  configIssueSchema,
  encryptedSecretSchema,
  hubSourceSchema,
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
  updateModelInputSchema,
  usageQuerySchema,
  usageRecordSchema,
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
export type { ConfigQuery, OwnerScope, StorageAdapter } from './storage/types';
