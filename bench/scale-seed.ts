import { createBenchCollections } from './bench-collections';
import { scaleCollectionName } from './scale-names';

/**
 * The scale benchmark's collections, created in the emulator's own process (see
 * local/emulator-process.ts): `scale_collection_00001`… of 10 rows each.
 */
export async function seed(address: string, input: unknown): Promise<void> {
  const { collections } = input as { collections: number };
  await createBenchCollections(
    address,
    Array.from({ length: collections }, (_, i) => scaleCollectionName(i + 1)),
  );
}
