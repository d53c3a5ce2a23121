export {
  type GenerateObjectOptions,
  type GenerateObjectResult,
  generateObject,
} from './generate-object';
export type { ObjectOptions } from './object-request';
export { extractJsonText } from './parse-object';
export { type DeepPartial, type StreamObjectResult, streamObject } from './stream-object';
