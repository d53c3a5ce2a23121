/**
 * `@tinyllm/core/testing`: helpers for testing apps built on tinyllm without a real model.
 *
 * @packageDocumentation
 */
export {
  type ScriptedError,
  type ScriptedFailure,
  type ScriptedModel,
  type ScriptedModelSettings,
  type ScriptedReply,
  type ScriptedTurn,
  type ScriptedTurnFunction,
  createScriptedModel,
} from './scripted-model';
