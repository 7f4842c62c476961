import { fnv1a } from './fnv1a';

/**
 * `items` in the order the emulator lists things Milvus lists in no defined order (snapshots,
 * collections, databases: the server iterates Go maps). Neither creation nor alphabetical order is
 * used, so a caller that relies on an order fails against the emulator as it would against Milvus;
 * the order is stable, so tests and state files stay reproducible.
 */
export function unordered<T>(items: Iterable<T>, nameOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const [x, y] = [nameOf(a), nameOf(b)];
    return fnv1a(x) - fnv1a(y) || x.localeCompare(y);
  });
}
