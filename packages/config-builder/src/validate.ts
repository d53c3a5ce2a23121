import type { ConfigIssue } from './issues';
import { isPlainObject } from './paths';
import {
  configRuleIssues,
  trainingConfigSchema,
  trainingRuleIssues,
  type TrainingConfig,
} from './schema';
import { advise, adviseOnMemory, type ValidationOptions } from './validate-advice';
import { describeValue, toConfigIssue } from './validate-issues';
import { checkKeys } from './validate-keys';

/*
 * The validator, split by concern: zod issues → codes (validate-issues.ts), unknown and renamed
 * keys (validate-keys.ts), hyperparameter and memory advice (validate-advice.ts).
 */

export { validationThresholds, type ValidationOptions } from './validate-advice';

/** Result of {@link validateConfig}. */
export interface ValidationResult {
  /** True when there are no errors (warnings do not make a config invalid). */
  valid: boolean;
  /** Blocking problems. */
  errors: ConfigIssue[];
  /** Advice. */
  warnings: ConfigIssue[];
}

/**
 * Validates a config: structure, types and ranges (errors), cross-field rules (errors),
 * unknown and renamed keys (warnings) and advice on hyperparameters and memory (warnings).
 * Never throws, whatever `input` is.
 *
 * @param input - A parsed JSON value (e.g. `JSON.parse(text)`), not the text; see {@link parseConfig}.
 * @example
 * ```ts
 * const { valid, errors, warnings } = validateConfig(JSON.parse(text), { gpuMemoryGb: 12 });
 * for (const issue of [...errors, ...warnings]) console.log(issue.severity, issue.path, issue.message);
 * ```
 */
export function validateConfig(input: unknown, options: ValidationOptions = {}): ValidationResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  if (!isPlainObject(input)) {
    errors.push({
      severity: 'error',
      code: 'INVALID_TYPE',
      path: '',
      message: `A training config must be a JSON object with model, tokenizer, training and data sections, not ${describeValue(input)}.`,
    });
    return { valid: false, errors, warnings };
  }
  const parsed = trainingConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(toConfigIssue(issue, input));
  }
  const training = input['training'];
  if (isPlainObject(training)) {
    for (const rule of trainingRuleIssues(training)) {
      const path = `training.${rule.field}`;
      if (!errors.some((issue) => issue.code === rule.code && issue.path === path)) {
        errors.push({ severity: 'error', code: rule.code, path, message: rule.message });
      }
    }
  }
  for (const rule of configRuleIssues(input)) {
    if (!errors.some((issue) => issue.code === rule.code && issue.path === rule.path)) {
      errors.push({ severity: 'error', code: rule.code, path: rule.path, message: rule.message });
    }
  }
  checkKeys(input, warnings);
  advise(input, options, warnings);
  if (parsed.success) adviseOnMemory(input as TrainingConfig, options, warnings);
  return { valid: errors.length === 0, errors, warnings };
}
