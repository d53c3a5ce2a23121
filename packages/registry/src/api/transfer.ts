/** `exportJson()` / `importJson()`: the visible records as `registry.json` text, and back. */
import { TinyLLMError } from '@tinyllm/core';
import type { AliasRecord, Page, SavedConfig, StoredModel } from '../records';
import { type RegistryFile, parseRegistryFile } from '../registry-file';
import type { RegistryContext } from './context';

/** What `importJson()` did. */
export interface ImportResult {
  models: { imported: number; skipped: Array<{ name: string; reason: string }> };
  configs: { imported: number; skipped: Array<{ name: string; reason: string }> };
  aliases: { imported: number; skipped: Array<{ name: string; reason: string }> };
}

/** Creates export and import on a shared context. */
export function createTransferApi(context: RegistryContext) {
  const { storage, scope } = context;

  async function exportJson(options: { includeSecrets?: boolean } = {}): Promise<string> {
    const models = await context.listAll({});
    const configs: SavedConfig[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: Page<SavedConfig> = await storage.listConfigs({ limit: 1000, offset }, scope);
      configs.push(...page.items);
      offset = page.nextOffset;
    }
    const file: RegistryFile = {
      format: 'tinyllm-registry',
      version: 1,
      models: models.map((model) =>
        options.includeSecrets === true ? model : { ...model, apiKey: null },
      ),
      configs,
      aliases: await storage.listAliases({}, scope),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  async function importJson(text: string): Promise<ImportResult> {
    const file = parseRegistryFile(text, 'imported registry.json');
    const result: ImportResult = {
      models: { imported: 0, skipped: [] },
      configs: { imported: 0, skipped: [] },
      aliases: { imported: 0, skipped: [] },
    };
    // Parents first, so lineage references resolve whatever order the file lists models in.
    const ids = new Set(file.models.map((model) => model.id));
    const ordered: StoredModel[] = [];
    const placed = new Set<string>();
    const place = (model: StoredModel, depth = 0) => {
      if (placed.has(model.id) || depth > file.models.length) return;
      const parent = model.provenance?.fineTunedFrom;
      if (parent !== undefined && ids.has(parent)) {
        const parentModel = file.models.find((candidate) => candidate.id === parent);
        if (parentModel !== undefined) place(parentModel, depth + 1);
      }
      if (!placed.has(model.id)) {
        placed.add(model.id);
        ordered.push(model);
      }
    };
    for (const model of file.models) place(model);
    for (const model of ordered) {
      const ownerId = scope.type === 'all' ? model.ownerId : context.ownOwnerId;
      try {
        await storage.insertModel({ ...model, ownerId });
        result.models.imported += 1;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
        result.models.skipped.push({ name: model.name, reason: error.message });
      }
    }
    for (const config of file.configs) {
      const ownerId = scope.type === 'all' ? config.ownerId : context.ownOwnerId;
      try {
        await storage.insertConfig({ ...config, ownerId });
        result.configs.imported += 1;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
        result.configs.skipped.push({ name: config.name, reason: error.message });
      }
    }
    for (const alias of file.aliases) {
      const ownerId = scope.type === 'all' ? alias.ownerId : context.ownOwnerId;
      const record: AliasRecord = { ...alias, ownerId };
      try {
        await storage.putAlias(record, null, scope);
        result.aliases.imported += 1;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
        result.aliases.skipped.push({
          name: `${alias.name}@${alias.alias}`,
          reason: error.message,
        });
      }
    }
    return result;
  }

  return { exportJson, importJson };
}
