/**
 * Evaluating a model folder, as the trainer does before registering it: the shipped model, real
 * inference, single-turn cases and whole conversations (every turn scored).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConversationCases, parseToolUseCases } from '@tinyllm/core/eval';
import { tinyTools } from '@tinyllm/example-tools';
import { describe, expect, it } from 'vitest';
import { TrainerError } from './errors';
import { evaluateModel, evaluationRecord } from './evaluate';

const modelDir = resolve(import.meta.dirname, '../../../models/tiny-tool-qwen');
const read = (name: string) => readFileSync(join(modelDir, 'eval', name), 'utf8');

describe('evaluateModel', () => {
  it('scores single-turn cases and every turn of conversations, loading the model once', async () => {
    let loads = 0;
    const { createTransformers } = await import('@tinyllm/providers/transformers');
    const evaluation = await evaluateModel(modelDir, {
      cases: parseToolUseCases(read('heldout.jsonl')).slice(0, 6),
      conversations: join(modelDir, 'eval', 'heldout-multiturn.jsonl'), // a file, as the CLI passes it
      conversationLimit: 4,
      tools: tinyTools,
      createModel: async (dir) => {
        loads++;
        const provider = createTransformers({ modelsDir: resolve(dir, '..') });
        return { model: provider('tiny-tool-qwen'), dispose: () => provider.dispose() };
      },
    });
    expect(loads).toBe(1);
    expect(evaluation.singleTurn?.cases).toBe(6);
    const conversations = parseConversationCases(read('heldout-multiturn.jsonl')).slice(0, 4);
    const turns = conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0);
    expect(evaluation.multiTurn).toMatchObject({ conversations: 4, turns, errors: 0 });

    // What the registry stores: single-turn names as they are, multi-turn ones prefixed, with
    // the accuracy of each kind of turn.
    const record = evaluationRecord(evaluation);
    expect(record.tool_accuracy).toBe(evaluation.singleTurn!.tool_accuracy);
    expect(record.multiturn_turn_accuracy).toBe(evaluation.multiTurn!.turn_accuracy);
    expect(record.multiturn_turn_accuracy_on_correct_history).toBe(
      evaluation.multiTurn!.turn_accuracy_on_correct_history,
    );
    expect(record.multiturn_first_turn_accuracy).toBe(
      evaluation.multiTurn!.by_kind.first!.turn_accuracy,
    );
    expect(Object.values(record).every((value) => Number.isFinite(value))).toBe(true);
    expect(Object.keys(record).some((key) => key.includes('by_kind'))).toBe(false);
  }, 120_000);

  it('needs cases or conversations: INVALID_OPTIONS naming evaluation.cases', async () => {
    const error = await evaluateModel(modelDir, { tools: tinyTools }).catch((caught) => caught);
    expect(TrainerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', path: 'evaluation.cases' });
  });
});
