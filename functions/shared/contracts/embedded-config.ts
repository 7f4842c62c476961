import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Configurations up to this size (UTF-8 JSON) are embedded in the definition as they are, so a
 * person reads them in the console; larger ones (thousands of collections) are embedded gzipped.
 */
export const PLAIN_CONFIG_MAX_BYTES = 32 * 1024;

/**
 * The configuration as the definition embeds it in PrepareRun's payload: `{ config }` when small,
 * `{ configGzip }` (base64 of the gzipped JSON) when larger. PrepareRun's input counts against the
 * 256 KiB payload quota and the definition against its 1 MB quota: 10,000 collections are ~900 KB
 * as JSON and ~30-150 KB gzipped, depending on how alike their names are.
 */
export function embedConfig(config: unknown): { config: unknown } | { configGzip: string } {
  const json = JSON.stringify(config);
  if (Buffer.byteLength(json, 'utf8') <= PLAIN_CONFIG_MAX_BYTES) return { config };
  return { configGzip: gzipSync(json, { level: 9 }).toString('base64') };
}

/** The configuration from what {@link embedConfig} embedded. */
export function embeddedConfig(embedded: { config?: unknown; configGzip?: string }): unknown {
  if (embedded.configGzip === undefined) return embedded.config;
  return JSON.parse(gunzipSync(Buffer.from(embedded.configGzip, 'base64')).toString('utf8'));
}
