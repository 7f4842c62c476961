import type { RetentionResult } from '../contracts/run-report';

/**
 * One collection's retention outcome in a few words, as the SNS message, the local summary and
 * the CLI show it: `kept 7, dropped 2, skipped 1, 3 not ours left alone`.
 */
export function retentionSummary(retention: Pick<RetentionResult, 'dryRun' | 'counts'>): string {
  const { counts } = retention;
  const parts = [`kept ${counts.kept}`, `${retention.dryRun ? 'would drop' : 'dropped'} ${counts.dropped}`];
  if (counts.skipped > 0) parts.push(`skipped ${counts.skipped}`);
  if (counts.notOurs > 0) parts.push(`${counts.notOurs} not ours left alone`);
  if (counts.vanished > 0) parts.push(`${counts.vanished} gone by other means`);
  if (counts.followed) {
    const one = counts.followed === 1;
    parts.push(
      `${counts.followed} ${one ? 'record' : 'records'} ${retention.dryRun ? 'to be filed' : 'filed'} with ${one ? 'its snapshot' : 'their snapshots'} after a swap`,
    );
  }
  return parts.join(', ');
}
