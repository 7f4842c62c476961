import { describe, expect, it } from 'vitest';
import { hybridTimestampToMillis, millisToHybridTimestamp } from '../../../functions/shared/hybrid-timestamp';

describe('hybrid timestamps', () => {
  it('reads the physical time as create_ts >> 18, exactly', () => {
    // 2026-11-21T03:00:00.123Z with logical counter 5, as Milvus sends it (a decimal string)
    const ms = Date.parse('2026-11-21T03:00:00.123Z');
    const ts = ((BigInt(ms) << 18n) | 5n).toString();
    expect(hybridTimestampToMillis(ts)).toBe(ms);
  });

  it('round-trips', () => {
    expect(hybridTimestampToMillis(millisToHybridTimestamp(1_790_000_000_000, 42))).toBe(1_790_000_000_000);
  });

  it('refuses a negative timestamp', () => {
    expect(() => hybridTimestampToMillis('-1')).toThrow(/cannot be negative, got -1/);
  });
});
