import type * as AI from 'ai-v6';
import { describe, it } from 'vitest';
import { describeAISDK } from './ai-suite';

// `ai` 7 needs Node 22+ (its engines field, and it uses Node 22 APIs), so it is imported only
// there; `.ci/run` runs this suite on Node 22 and 24 as well as on Node 20.
const nodeMajor = Number(process.versions.node.split('.')[0]);

if (nodeMajor >= 22) {
  // ai 7 accepts the V3 specification, as ai 6 does.
  describeAISDK('ai 7 (V3)', (await import('ai-v7')) as unknown as typeof AI, 'v3');
} else {
  const reason = `ai 7 needs Node 22+; this is Node ${process.versions.node} (CI runs it on Node 22 and 24)`;
  console.info(`[ai-v7.e2e] skipped: ${reason}`);
  describe.skip(`ai 7 (V3): ${reason}`, () => {
    it('runs the shared AI SDK suite', () => {});
  });
}
