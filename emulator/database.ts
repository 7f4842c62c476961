import type { Collection } from './collection';
import type { WireKeyValue } from './wire-types';

/** Name of the database every Milvus instance has. */
export const DEFAULT_DATABASE = 'default';

/** A Milvus database: a namespace of collections and aliases. */
export class Database {
  readonly collections = new Map<string, Collection>();
  /** Alias → collection name. */
  readonly aliases = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly id: string,
    readonly createdAtMs: number,
    readonly properties: readonly WireKeyValue[] = [],
  ) {}

  /** The collection called `name`, directly or through an alias. */
  resolve(name: string): Collection | undefined {
    return this.collections.get(name) ?? this.collections.get(this.aliases.get(name) ?? '');
  }
}
