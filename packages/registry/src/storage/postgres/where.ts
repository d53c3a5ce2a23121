/** A small builder for WHERE clauses with numbered parameters and owner-scope conditions. */
import type { OwnerScope } from '../types';

/** Collects SQL conditions and their parameters. */
export class Where {
  readonly conditions: string[] = [];
  readonly params: unknown[];
  constructor(params: unknown[] = []) {
    this.params = params;
  }
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  add(condition: string): void {
    this.conditions.push(condition);
  }
  readable(scope: OwnerScope): void {
    if (scope.type === 'global') this.add('owner_id IS NULL');
    else if (scope.type === 'owner') {
      this.add(`(owner_id IS NULL OR owner_id = ${this.param(scope.ownerId)})`);
    }
  }
  writable(scope: OwnerScope): void {
    if (scope.type === 'global') this.add('owner_id IS NULL');
    else if (scope.type === 'owner') this.add(`owner_id = ${this.param(scope.ownerId)}`);
  }
  toString(): string {
    return this.conditions.length === 0 ? 'TRUE' : this.conditions.join(' AND ');
  }
}

export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (match) => `\\${match}`);
export const orderBy = `ORDER BY name COLLATE "C", coalesce(owner_id, '') COLLATE "C", id COLLATE "C"`;
