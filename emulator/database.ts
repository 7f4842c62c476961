import type { Collection } from './collection';
import type { WireKeyValue } from './wire-types';

/** Name of the database every Milvus instance has. */
export const DEFAULT_DATABASE = 'default';

/**
 * A Milvus database: a namespace of collections and aliases. Aliases point at a collection's ID,
 * as rootcoord's alias table does, so they follow a renamed collection.
 */
export class Database {
  readonly #collections = new Map<string, Collection>();
  readonly #byId = new Map<string, Collection>();
  /** Alias → collection ID. */
  readonly aliases = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly id: string,
    readonly createdAtMs: number,
    readonly properties: readonly WireKeyValue[] = [],
  ) {}

  /** Collections by name (aliases not included). */
  get collections(): ReadonlyMap<string, Collection> {
    return this.#collections;
  }

  /** Registers a collection under its current name. */
  add(collection: Collection): void {
    this.#collections.set(collection.name, collection);
    this.#byId.set(collection.id, collection);
  }

  /** Forgets a collection (its aliases are the caller's business). */
  remove(collection: Collection): void {
    this.#collections.delete(collection.name);
    this.#byId.delete(collection.id);
  }

  /** The collection called `name`, directly or through an alias. */
  resolve(name: string): Collection | undefined {
    const direct = this.#collections.get(name);
    if (direct !== undefined) {
      return direct;
    }
    const id = this.aliases.get(name);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** The aliases that point at a collection, in creation order. */
  aliasesOf(collectionId: string): string[] {
    return [...this.aliases].filter(([, id]) => id === collectionId).map(([alias]) => alias);
  }
}
