import * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import type { MilvusGateway } from '../shared/milvus/milvus-gateway';

/** Input of the Flush step: the run and the collection. */
export const flushInputSchema = collectionStepBaseSchema;

/** What a flush returns: what CheckFlush needs to tell when the flush is complete. */
export const flushOutputSchema = z
  .object({
    /** Segments sealed by the flush. */
    segmentIds: z.array(z.string()),
    /** The flush's hybrid timestamp (decimal string). */
    flushTs: z.string(),
    /** When the flush was requested (ISO 8601): the flush wait is measured from here. */
    startedAt: z.iso.datetime(),
  })
  .strict();

/** The Flush step's result (`$.flush`). */
export type FlushOutput = z.infer<typeof flushOutputSchema>;

/** What the Flush step needs. */
export interface FlushDependencies {
  readonly milvus: Pick<MilvusGateway, 'flush'>;
  readonly now: () => Date;
}

/**
 * Seals the collection's growing segments so the snapshot that follows contains the latest
 * writes. Milvus' CreateSnapshot does not flush by itself: skipping this would silently leave
 * recent rows out of the backup.
 */
export async function flushCollection(
  input: z.infer<typeof flushInputSchema>,
  deps: FlushDependencies,
): Promise<FlushOutput> {
  const startedAt = deps.now().toISOString();
  const { segmentIds, flushTs } = await deps.milvus.flush(input.target);
  return { segmentIds, flushTs, startedAt };
}
