import type * as z from 'zod';
import { flushOutputSchema } from '../flush/flush';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import type { MilvusGateway } from '../shared/milvus/milvus-gateway';

/** Input of CheckFlush: the run, the collection and the Flush step's result. */
export const checkFlushInputSchema = collectionStepBaseSchema.extend({ flush: flushOutputSchema });

/** CheckFlush's result (`$.flushState`): the state machine waits and checks again until one is true. */
export interface FlushState {
  /** Every segment of the flush is persisted. */
  readonly flushed: boolean;
  /** Not flushed, and `run.flush.timeoutSeconds` have passed since the flush: give up. */
  readonly timedOut: boolean;
  /** Seconds since the flush was requested. */
  readonly waitedSeconds: number;
}

/** What CheckFlush needs. */
export interface CheckFlushDependencies {
  readonly milvus: Pick<MilvusGateway, 'isFlushed'>;
  readonly now: () => Date;
}

/**
 * Asks Milvus once whether the flush is complete. Waiting between checks is the state machine's
 * job (a Wait state), so this never sleeps; it reports `timedOut` so the loop has a way out.
 */
export async function checkFlush(
  input: z.infer<typeof checkFlushInputSchema>,
  deps: CheckFlushDependencies,
): Promise<FlushState> {
  const flushed = await deps.milvus.isFlushed(input.target, input.flush.segmentIds, input.flush.flushTs);
  const waitedSeconds = Math.max(0, (deps.now().getTime() - Date.parse(input.flush.startedAt)) / 1000);
  return {
    flushed,
    timedOut: !flushed && waitedSeconds >= input.run.flush.timeoutSeconds,
    waitedSeconds: Math.round(waitedSeconds * 1000) / 1000,
  };
}
