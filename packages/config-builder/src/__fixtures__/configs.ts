import { getTemplate } from '../templates';

/**
 * A valid config with no warnings at all (sft_pc_building), as a mutable copy, so each rule
 * test changes one thing and sees exactly that rule fire.
 */
export function cleanConfig(): Record<string, any> {
  return structuredClone(getTemplate('sft_pc_building').config) as Record<string, any>;
}

/** A mutable copy of a template. */
export function templateConfig(id: string): Record<string, any> {
  return structuredClone(getTemplate(id).config) as Record<string, any>;
}
