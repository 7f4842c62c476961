/**
 * The keys the Distributed Map itself reads and writes in the reports bucket. A leaf module: the
 * construct scopes the state machine's S3 access with them at synth, without the S3 client.
 */

/** Every run's collection list matches this key pattern (an IAM resource pattern). */
export const RUN_ITEMS_PATTERN = 'runs/*/items.json';

/**
 * Where the Map writes its results: Step Functions adds `/<Map Run id>/` and writes
 * `manifest.json` and `SUCCEEDED_0.json`, `FAILED_0.json`… there. No trailing slash: it adds one.
 */
export const MAP_RESULTS_PREFIX = 'runs/map-results';
