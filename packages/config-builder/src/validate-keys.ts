/**
 * Unknown and renamed keys: the framework silently ignores both, so the validator warns.
 */
import type { ConfigIssue, WarningIssueCode } from './issues';
import { formatPath, isPlainObject, type PathSegment } from './paths';
import { keyOrder, trainingKeysByMethod, trainingMethods, type TrainingMethod } from './schema';
import { closestMatch } from './suggest';
import { pushWarning } from './validate-advice';

// Keys users copy from Hugging Face TrainingArguments, PEFT or older configs. The framework
// would silently ignore them, so name the key it actually reads.
/** @internal */
export const renamedKeys: Record<string, Record<string, string>> = {
  root: { dataset: 'data', eval: 'evaluation', lora: 'training', tools_config: 'tools' },
  model: { model_name: 'name', model_id: 'name', model_name_or_path: 'name', dtype: 'torch_dtype' },
  tokenizer: { tokenizer_name: 'name', tokenizer_name_or_path: 'name' },
  training: {
    epochs: 'num_epochs',
    num_train_epochs: 'num_epochs',
    lr: 'learning_rate',
    per_device_train_batch_size: 'batch_size',
    train_batch_size: 'batch_size',
    max_seq_length: 'max_length',
    max_seq_len: 'max_length',
    gradient_accumulation: 'gradient_accumulation_steps',
    lora_rank: 'lora_r',
    optimizer: 'optim',
    dpo_beta: 'beta',
  },
  data: { num_samples: 'max_samples', split: 'train_split', data_strategy: 'strategy' },
  evaluation: { eval_metrics: 'metrics' },
  tensorboard: { logging_dir: 'log_dir' },
};

const allTrainingKeys = [...new Set(Object.values(trainingKeysByMethod).flat())];
// Sets for the hot path: every validation checks every key of every section.
const knownKeySets = new Map<readonly string[], ReadonlySet<string>>();
function keySet(keys: readonly string[]): ReadonlySet<string> {
  let set = knownKeySets.get(keys);
  if (set === undefined) {
    set = new Set(keys);
    knownKeySets.set(keys, set);
  }
  return set;
}
const sectionKeys: Record<string, readonly string[]> = {
  model: keyOrder.model,
  tokenizer: keyOrder.tokenizer,
  training: allTrainingKeys,
  data: keyOrder.data,
  evaluation: keyOrder.evaluation,
  tensorboard: keyOrder.tensorboard,
};

/** @internal Warns about unknown and renamed keys, section by section. */
export function checkKeys(input: Record<string, unknown>, warnings: ConfigIssue[]): void {
  checkObjectKeys(input, [], keyOrder.root, 'root', warnings);
  // Sections in the framework's order, so warnings read top to bottom like the file.
  for (const name of keyOrder.root) {
    const value = input[name];
    if (name === 'training' && isPlainObject(value)) {
      const method = isMethod(value['method']) ? value['method'] : undefined;
      const known = method === undefined ? allTrainingKeys : trainingKeysByMethod[method];
      checkObjectKeys(value, ['training'], known, 'training', warnings, method);
    } else if (name === 'tools' && Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const tool: unknown = value[index];
        if (isPlainObject(tool))
          checkObjectKeys(tool, ['tools', index], keyOrder.tool, 'tool', warnings);
      }
    } else if (name !== 'seed' && name !== 'tools' && name !== 'training' && isPlainObject(value)) {
      checkObjectKeys(value, [name], keyOrder[name], name, warnings);
    }
  }
}

function checkObjectKeys(
  object: Record<string, unknown>,
  at: PathSegment[],
  known: readonly string[],
  section: string,
  warnings: ConfigIssue[],
  method?: TrainingMethod,
): void {
  const knownSet = keySet(known);
  for (const key in object) {
    if (!knownSet.has(key) && Object.hasOwn(object, key))
      reportKey(key, at, known, section, warnings, method);
  }
}

function reportKey(
  key: string,
  at: PathSegment[],
  known: readonly string[],
  section: string,
  warnings: ConfigIssue[],
  method: TrainingMethod | undefined,
): void {
  const path = formatPath([...at, key]);
  const warn = (code: WarningIssueCode, message: string, suggestion?: string) =>
    pushWarning(warnings, code, path, message, suggestion);
  if (method !== undefined && allTrainingKeys.includes(key)) {
    const owners = trainingMethods.filter((other) => trainingKeysByMethod[other].includes(key));
    warn(
      'FIELD_IGNORED_FOR_METHOD',
      `${path} only applies when training.method is ${owners.map((owner) => `"${owner}"`).join(' or ')}; with "${method}" it is ignored.`,
    );
    return;
  }
  const renamed = Object.hasOwn(renamedKeys[section] ?? {}, key)
    ? renamedKeys[section]?.[key]
    : undefined;
  if (renamed !== undefined) {
    const replacement = formatPath([...at, renamed]);
    warn(
      'RENAMED_KEY',
      `${path} is not read by the training framework: the field is called ${replacement}. Rename it, or the value is ignored.`,
      replacement,
    );
    return;
  }
  const typo = closestMatch(key, known);
  if (typo !== undefined) {
    const replacement = formatPath([...at, typo]);
    warn(
      'UNKNOWN_KEY',
      `Unknown key ${path}; did you mean ${replacement}? The framework ignores unknown keys.`,
      replacement,
    );
    return;
  }
  const home = otherSectionOf(key, section);
  if (home !== undefined) {
    warn(
      'UNKNOWN_KEY',
      `${path} belongs in the ${home} section (${home}.${key}); here it is ignored.`,
      `${home}.${key}`,
    );
    return;
  }
  warn(
    'UNKNOWN_KEY',
    `Unknown key ${path}; the framework ignores it. Known keys here: ${known.join(', ')}.`,
  );
}

function otherSectionOf(key: string, section: string): string | undefined {
  if (section === 'root' || section === 'tool') {
    return Object.keys(sectionKeys).find((name) => sectionKeys[name]?.includes(key));
  }
  return Object.keys(sectionKeys).find(
    (name) => name !== section && sectionKeys[name]?.includes(key) && key !== 'name',
  );
}

function isMethod(value: unknown): value is TrainingMethod {
  return typeof value === 'string' && (trainingMethods as readonly string[]).includes(value);
}
