import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';

const issue = {
  severity: 'error' as const,
  code: 'TOO_SMALL' as const,
  path: 'training.batch_size',
  message: 'training.batch_size must be at least 1; it is 0.',
};

describe('ConfigError', () => {
  it('carries a stable code, the issues and a readable summary', () => {
    const error = new ConfigError({ issues: [issue] });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues).toEqual([issue]);
    expect(error.warnings).toEqual([]);
    expect(error.message).toBe(
      'Invalid training config (1 problem):\n- training.batch_size must be at least 1; it is 0.',
    );
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      code: 'INVALID_CONFIG',
      issues: [issue],
    });
  });

  it('isInstance works across copies of the package (Symbol.for brand), not only instanceof', () => {
    const fromAnotherCopy = Object.assign(new Error('x'), {
      code: 'INVALID_CONFIG',
      [Symbol.for('tinyllm.error')]: true,
    });
    expect(ConfigError.isInstance(fromAnotherCopy)).toBe(true);
    expect(ConfigError.isInstance(new ConfigError({ issues: [issue] }))).toBe(true);
    expect(ConfigError.isInstance(new Error('x'))).toBe(false);
    expect(ConfigError.isInstance({ code: 'INVALID_CONFIG' })).toBe(false);
    expect(ConfigError.isInstance(null)).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new SyntaxError('bad');
    expect(new ConfigError({ issues: [issue], cause }).cause).toBe(cause);
  });
});
