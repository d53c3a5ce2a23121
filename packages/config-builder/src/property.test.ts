import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { templateConfig } from './__fixtures__/configs';
import { ConfigError } from './errors';
import { errorIssueCodes, warningIssueCodes } from './issues';
import { parseConfig, serializeConfig } from './serialize';
import type { TrainingConfig } from './schema';
import { templateIds } from './templates';
import { validateConfig } from './validate';

const codes = new Set<string>([...errorIssueCodes, ...warningIssueCodes]);

function checkResult(input: unknown): void {
  const result = validateConfig(input);
  expect(result.valid).toBe(result.errors.length === 0);
  for (const issue of [...result.errors, ...result.warnings]) {
    expect(codes.has(issue.code)).toBe(true);
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
  for (const issue of result.errors) expect(issue.severity).toBe('error');
  for (const issue of result.warnings) expect(issue.severity).toBe('warning');
}

// A template with one field replaced by an arbitrary JSON value: reaches far deeper into the
// rules than random objects, which fail at the top level.
const mutatedConfig = fc
  .tuple(
    fc.constantFrom(...templateIds),
    fc.constantFrom(
      'model',
      'tokenizer',
      'training',
      'data',
      'tools',
      'evaluation',
      'tensorboard',
      'seed',
    ),
    fc.string({ maxLength: 20 }),
    fc.jsonValue(),
  )
  .map(([id, section, key, value]) => {
    const config = templateConfig(id);
    const target = config[section];
    if (target !== null && typeof target === 'object' && !Array.isArray(target) && key.length > 0) {
      const keys = Object.keys(target);
      const existing = keys[key.length % keys.length];
      target[key.length % 2 === 0 && existing !== undefined ? existing : key] = value;
    } else config[section] = value;
    return config;
  });

describe('properties', () => {
  it('arbitrary JSON never crashes the validator; non-configs get errors', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        checkResult(value);
        const result = validateConfig(value);
        // Random JSON is never a complete config.
        expect(result.valid).toBe(false);
        expect(result.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('configs with one arbitrary field never crash the validator, the memory estimate or the serializer', () => {
    fc.assert(
      fc.property(mutatedConfig, (config) => {
        checkResult(config);
        const text = serializeConfig(config as TrainingConfig);
        try {
          const parsed = parseConfig(text);
          expect(validateConfig(parsed.config).valid).toBe(true);
        } catch (error) {
          expect(ConfigError.isInstance(error)).toBe(true);
          expect((error as ConfigError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parseConfig on any text returns a config or throws a ConfigError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          mutatedConfig.map((config) => JSON.stringify(config)),
        ),
        (text) => {
          try {
            parseConfig(text);
          } catch (error) {
            expect(ConfigError.isInstance(error)).toBe(true);
            for (const issue of (error as ConfigError).issues) {
              if (issue.code === 'INVALID_JSON') {
                expect(issue.line).toBeGreaterThanOrEqual(1);
                expect(issue.column).toBeGreaterThanOrEqual(1);
              }
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('serialize → parse → serialize is lossless for valid configs with extra keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...templateIds),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 3,
        }),
        (id, extra) => {
          const config = { ...templateConfig(id), training: { ...templateConfig(id).training } };
          for (const [key, value] of Object.entries(extra)) {
            if (!(key in config.training))
              Object.defineProperty(config.training, key, {
                value,
                enumerable: true,
                writable: true,
                configurable: true,
              });
          }
          const text = serializeConfig(config as TrainingConfig);
          const parsed = parseConfig(text).config;
          expect(serializeConfig(parsed)).toBe(text);
          expect(parsed).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
