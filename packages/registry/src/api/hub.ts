/** `importFromHub()`: registers a Hugging Face Hub model with its provenance. */
import { type HubRequestOptions, defaultHubUrl, fetchHubModelMetadata } from '../hub-import';
import type { ModelRecord, RegisterModelInput } from '../records';
import { canWrite } from '../storage/shared';
import type { RegistryContext } from './context';
import type { ModelsApi } from './models';

/** Options of `registry.importFromHub()`. */
export interface HubImportOptions extends Omit<HubRequestOptions, 'hubUrl' | 'fetch'> {
  /** Registry name; default: the repo name. Re-imports append `-v2`, `-v3`, … */
  name?: string;
  /** Fields to set on the record (provider, baseUrl, tags, provenance fields, …). */
  overrides?: Partial<Omit<RegisterModelInput, 'name'>>;
}

/** Creates `importFromHub()` on a shared context, registering through `models`. */
export function createHubImport(context: RegistryContext, models: ModelsApi) {
  const { settings, scope } = context;
  return async function importFromHub(
    repoId: string,
    options: HubImportOptions = {},
  ): Promise<ModelRecord> {
    const metadata = await fetchHubModelMetadata(repoId, {
      ...options,
      hubUrl: settings.hubUrl ?? defaultHubUrl,
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    });
    const existing = (await context.listAll({ sourceRepoId: metadata.source.repoId })).filter(
      (model) => canWrite(model.ownerId, scope),
    );
    const version =
      existing.reduce((max, model) => Math.max(max, model.provenance?.version ?? 1), 0) + 1;
    const baseName =
      options.name ??
      (metadata.source.repoId.split('/').pop() ?? metadata.source.repoId)
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .replace(/\.{2,}/g, '.');
    const name = version === 1 ? baseName : `${baseName}-v${version}`;
    const overrides = options.overrides ?? {};
    return models.register({
      provider: 'huggingface',
      modelId: metadata.source.repoId,
      description: `Imported from the Hugging Face Hub (${metadata.source.repoId}).`,
      ...(metadata.contextLength === null ? {} : { contextLength: metadata.contextLength }),
      supportsFunctions: true,
      tags: metadata.info.pipeline_tag === undefined ? [] : [metadata.info.pipeline_tag],
      ...overrides,
      name,
      provenance: {
        ...(metadata.baseModel === null ? {} : { baseModel: metadata.baseModel }),
        ...(metadata.trainingDataset === null ? {} : { trainingDataset: metadata.trainingDataset }),
        ...overrides.provenance,
        source: metadata.source,
        version,
      },
    });
  };
}
