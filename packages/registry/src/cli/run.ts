/**
 * The `tinyllm-registry` commands, as a function of arguments and output streams so the same
 * code runs from the bin and from tests.
 *
 * Exit codes: 0 success; 1 a typed registry error (its code and message on stderr); 2 the
 * command was used wrongly. Results go to stdout (JSON with `--json`), messages to stderr.
 */
import { parseArgs } from 'node:util';
import { TinyLLMError } from '@tinyllm/core';
import { type Registry, createRegistry } from '../registry';
import type { ModelRecord } from '../records';
import type { StorageAdapter } from '../storage/types';
import { compareModels, formatComparison } from './compare';

export const usage = `Usage: tinyllm-registry <command> [options]

Commands:
  import <hub-id> [--name NAME] [--hub-url URL]   Register a Hugging Face Hub model (token: HF_TOKEN;
                                                  Hub URL default: $HF_ENDPOINT, else huggingface.co)
  list [--provider P] [--tag T] [--search TEXT]   List models
  info <model>                                    A model, its aliases and lineage
  promote <name> <alias> [--model MODEL]          Point name@alias at MODEL
                                                  (default: what name@candidate points to, else name)
  usage <model> [--since ISO] [--until ISO] [--bucket hour|day]
                                                  Usage stats, or a time series with --bucket
  compare <model> <model>... [--since ISO] [--until ISO]
                                                  Models side by side: eval metrics and usage
  delete <model>                                  Delete a model

A model is an id, a name, or name@alias (e.g. qwen-tools@production).

Options:
  --registry PATH|URL   registry.json path, postgres://… URL, or pglite:DIR
                        (default: $TINYLLM_REGISTRY, else ./registry.json)
  --owner ID            Act as this owner (default: the global registry; '*' administration)
  --json                Print JSON
  -h, --help            Show this help

API keys are encrypted with $TINYLLM_REGISTRY_KEY.
`;

/** Where the CLI writes. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

async function openStorage(location: string): Promise<StorageAdapter> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const { createPostgresStorage } = await import('../storage/postgres/index');
    return createPostgresStorage({ client: location });
  }
  if (location.startsWith('pglite:')) {
    const { createPostgresStorage } = await import('../storage/postgres/index');
    return createPostgresStorage({ client: 'pglite', dataDir: location.slice('pglite:'.length) });
  }
  const { createJsonFileStorage } = await import('../storage/json-file/index');
  return createJsonFileStorage({ path: location });
}

function describeModel(model: ModelRecord): string {
  const provenance = model.provenance;
  const parts = [
    `${model.name}  (${model.provider} ${model.modelId})${model.enabled ? '' : '  [disabled]'}`,
    `  id: ${model.id}`,
  ];
  if (model.baseUrl !== null) parts.push(`  baseUrl: ${model.baseUrl}`);
  if (model.contextLength !== null) parts.push(`  context: ${model.contextLength}`);
  if (model.tags.length > 0) parts.push(`  tags: ${model.tags.join(', ')}`);
  if (provenance !== null) {
    for (const [key, value] of Object.entries(provenance)) {
      parts.push(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
    }
  }
  return parts.join('\n');
}

const formatNumber = (value: number | null) =>
  value === null ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(1);

async function runCommand(
  registry: Registry,
  command: string,
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<void> {
  const json = values.json === true;
  const text = (key: string) =>
    typeof values[key] === 'string' ? (values[key] as string) : undefined;
  const print = (value: unknown, human: string) =>
    io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
  const need = (count: number, what: string) => {
    if (positionals.length !== count) throw new UsageError(`${command} takes ${what}.`);
  };

  switch (command) {
    case 'import': {
      need(1, 'one Hub repo id');
      const token = io.env.HF_TOKEN;
      const name = text('name');
      const model = await registry.importFromHub(positionals[0]!, {
        ...(name === undefined ? {} : { name }),
        ...(token === undefined || token === '' ? {} : { token }),
      });
      print(
        model,
        `Imported ${model.name} (${model.modelId}, version ${model.provenance?.version ?? 1})`,
      );
      return;
    }
    case 'list': {
      need(0, 'no arguments');
      const provider = text('provider');
      const tag = text('tag');
      const search = text('search');
      const items: ModelRecord[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const page = await registry.models.list({
          ...(provider === undefined ? {} : { provider: provider as ModelRecord['provider'] }),
          ...(tag === undefined ? {} : { tag }),
          ...(search === undefined ? {} : { search }),
          limit: 1000,
          offset,
        });
        items.push(...page.items);
        offset = page.nextOffset;
      }
      print(
        items,
        items.length === 0
          ? 'No models.'
          : items.map((model) => `${model.name}\t${model.provider}\t${model.modelId}`).join('\n'),
      );
      return;
    }
    case 'info': {
      need(1, 'one model');
      const model = await registry.models.get(positionals[0]!);
      const aliases = await registry.aliases.list({ model: model.id });
      const lineage = await registry.models.lineage(model.id);
      const info = {
        model,
        aliases: aliases.map((alias) => `${alias.name}@${alias.alias}`),
        ancestors: lineage.ancestors.map((entry) => entry.name),
        descendants: lineage.descendants.map((entry) => entry.name),
      };
      const lines = [describeModel(model)];
      if (info.aliases.length > 0) lines.push(`  aliases: ${info.aliases.join(', ')}`);
      if (info.ancestors.length > 0) lines.push(`  fine-tuned from: ${info.ancestors.join(' ← ')}`);
      if (info.descendants.length > 0) lines.push(`  descendants: ${info.descendants.join(', ')}`);
      print(info, lines.join('\n'));
      return;
    }
    case 'promote': {
      need(2, 'a name and an alias');
      const [name, alias] = positionals as [string, string];
      let target = text('model');
      if (target === undefined) {
        const candidate =
          alias === 'candidate' ? undefined : await registry.models.find(`${name}@candidate`);
        target = candidate?.id ?? name;
      }
      const record = await registry.aliases.set(name, alias, target);
      const model = await registry.models.get(record.modelRecordId);
      print(record, `${name}@${alias} → ${model.name} (${model.id})`);
      return;
    }
    case 'usage': {
      need(1, 'one model');
      const since = text('since');
      const until = text('until');
      const bucket = text('bucket');
      if (bucket !== undefined) {
        if (bucket !== 'hour' && bucket !== 'day') throw new UsageError('--bucket is hour or day.');
        const series = await registry.usage.series([positionals[0]!], {
          since:
            since ??
            new Date(Date.now() - (bucket === 'hour' ? 86_400_000 : 30 * 86_400_000)).toISOString(),
          ...(until === undefined ? {} : { until }),
          bucket,
        });
        const points = series.models[0]?.points ?? [];
        print(
          series,
          [
            'start\trequests\terrors\ttokens in/out\tcached in\tp50 ms\tp95 ms\ttokens/s',
            ...points.map(
              (point) =>
                `${point.start}\t${point.requests}\t${point.errors}\t${point.inputTokens}/${point.outputTokens}\t${point.cachedInputTokens}\t${formatNumber(point.latencyMs.p50)}\t${formatNumber(point.latencyMs.p95)}\t${formatNumber(point.tokensPerSecond)}`,
            ),
          ].join('\n'),
        );
        return;
      }
      const stats = await registry.usage.stats(positionals[0]!, {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      print(
        stats,
        `requests ${stats.requests}, errors ${stats.errors}, tokens ${stats.tokens.input} in${stats.tokens.cachedInput > 0 ? ` (${stats.tokens.cachedInput} cached)` : ''} / ${stats.tokens.output} out, latency p50 ${formatNumber(stats.latencyMs.p50)} ms, p95 ${formatNumber(stats.latencyMs.p95)} ms`,
      );
      return;
    }
    case 'compare': {
      if (positionals.length < 2) throw new UsageError('compare takes two models or more.');
      const since = text('since');
      const until = text('until');
      const models = await compareModels(registry, positionals, {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
      });
      print({ models }, formatComparison(models));
      return;
    }
    case 'delete': {
      need(1, 'one model');
      const model = await registry.models.get(positionals[0]!);
      await registry.models.delete(model.id);
      print({ deleted: model.id, name: model.name }, `Deleted ${model.name} (${model.id})`);
      return;
    }
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

/** Runs `tinyllm-registry` with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        registry: { type: 'string' },
        owner: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        name: { type: 'string' },
        'hub-url': { type: 'string' },
        model: { type: 'string' },
        provider: { type: 'string' },
        tag: { type: 'string' },
        search: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        bucket: { type: 'string' },
      },
    });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined || command === 'help') {
    (command === undefined && values.help !== true ? io.stderr : io.stdout)(usage);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const location =
    (values.registry as string | undefined) ?? io.env.TINYLLM_REGISTRY ?? './registry.json';
  let registry: Registry | undefined;
  try {
    // HF_ENDPOINT: the Hugging Face libraries' variable for a mirror or a private Hub.
    const hubUrl = (values['hub-url'] as string | undefined) ?? (io.env.HF_ENDPOINT || undefined);
    registry = createRegistry({
      storage: await openStorage(location),
      ...(values.owner === undefined ? {} : { ownerId: values.owner as string }),
      ...(hubUrl === undefined ? {} : { hubUrl }),
    });
    await runCommand(
      registry,
      command,
      rest,
      values as Record<string, string | boolean | undefined>,
      io,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${usage}`);
      return 2;
    }
    if (TinyLLMError.isInstance(error)) {
      const path = error.path ? ` (at ${error.path})` : '';
      if (values.json === true) {
        io.stderr(
          `${JSON.stringify({ error: { code: error.code, message: error.message, path: error.path } })}\n`,
        );
      } else io.stderr(`error ${error.code}: ${error.message}${path}\n`);
      return 1;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await registry?.close().catch(() => {});
  }
}
