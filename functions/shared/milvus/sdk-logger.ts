import { logger } from '@zilliz/milvus2-sdk-node';

/** A winston logger's level method, as the SDK calls it (`logger.debug(message)`). */
type LevelMethod = (this: typeof logger, ...args: unknown[]) => typeof logger;

/**
 * Marks the SDK's logger as guarded, on the logger itself: it is one object per process, while
 * this module may be evaluated more than once there (a test worker does so for each file).
 */
const GUARDED = Symbol.for('milvus-snapshot-scheduler.sdk-logger-guarded');

/**
 * Makes the Milvus SDK's log calls below its logger's level return at once, leaving what is
 * written unchanged. The SDK logs every request and every response at debug level through
 * winston, which formats each message (colours, timestamp, layout) and streams it to its transport
 * before the transport drops it for its level: about 10 µs per call, two per Milvus call, for
 * nothing. A guarded call asks winston's own `isLevelEnabled`, the test its transports apply, at
 * each call, so a level set later (a client's `logLevel`) still decides. Idempotent.
 */
export function skipSdkLogCallsBelowLevel(): void {
  const marked = logger as unknown as { [GUARDED]?: true };
  if (marked[GUARDED]) return;
  marked[GUARDED] = true;
  const methods = logger as unknown as Record<string, LevelMethod | undefined>;
  for (const level of Object.keys(logger.levels)) {
    const log = methods[level];
    if (typeof log !== 'function') continue;
    methods[level] = function (this: typeof logger, ...args: unknown[]) {
      return logger.isLevelEnabled(level) ? log.apply(this, args) : this;
    };
  }
}
