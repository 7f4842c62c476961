import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type MapRunItemCounts,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { DEPLOYED } from './deployment-fixture';

/** One history event, `at` milliseconds after the execution started. */
export type TimedEvent = Omit<HistoryEvent, 'id' | 'timestamp'> & { readonly at: number };

/** Map run item counts from `at` milliseconds on. */
export interface TimedCounts {
  readonly at: number;
  readonly counts: MapRunItemCounts;
}

/** An execution that unfolds on the (fake) clock, as Step Functions would report it. */
export interface Timeline {
  readonly name: string;
  readonly startDate: Date;
  readonly events: readonly TimedEvent[];
  /** When it ends and how. */
  readonly end: {
    readonly at: number;
    readonly status: ExecutionStatus;
    readonly error?: string;
    readonly cause?: string;
  };
  readonly mapRun?: { readonly arn: string; readonly counts: readonly TimedCounts[] };
}

/**
 * Serves DescribeExecution, GetExecutionHistory (newest first, paged by `maxResults` with the
 * offset as token) and DescribeMapRun from a timeline, by what has happened at `Date.now()`.
 */
export function playTimeline(sfn: AwsClientStub<SFNClient>, timeline: Timeline): void {
  const elapsed = () => Date.now() - timeline.startDate.getTime();
  const events: HistoryEvent[] = timeline.events.map(({ at, ...event }, i) => ({
    ...event,
    id: i + 1,
    timestamp: new Date(timeline.startDate.getTime() + at),
  }));
  const arn = `${DEPLOYED.stateMachineArn.replace(':stateMachine:', ':execution:')}:${timeline.name}`;

  sfn.on(DescribeExecutionCommand, { executionArn: arn }).callsFake(() => {
    const ended = elapsed() >= timeline.end.at;
    return {
      executionArn: arn,
      stateMachineArn: DEPLOYED.stateMachineArn,
      name: timeline.name,
      startDate: timeline.startDate,
      status: ended ? timeline.end.status : 'RUNNING',
      ...(ended
        ? {
            stopDate: new Date(timeline.startDate.getTime() + timeline.end.at),
            ...(timeline.end.error ? { error: timeline.end.error } : {}),
            ...(timeline.end.cause ? { cause: timeline.end.cause } : {}),
          }
        : {}),
    };
  });
  sfn
    .on(GetExecutionHistoryCommand, { executionArn: arn })
    .callsFake((input: { maxResults?: number; nextToken?: string; reverseOrder?: boolean }) => {
      const now = timeline.startDate.getTime() + elapsed();
      const visible = events.filter((e) => (e.timestamp?.getTime() ?? 0) <= now);
      const ordered = input.reverseOrder ? [...visible].reverse() : visible;
      const from = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 1000;
      const page = ordered.slice(from, from + size);
      return { events: page, ...(from + size < ordered.length ? { nextToken: String(from + size) } : {}) };
    });
  const mapRun = timeline.mapRun;
  if (mapRun) {
    sfn.on(DescribeMapRunCommand, { mapRunArn: mapRun.arn }).callsFake(() => {
      const current = [...mapRun.counts].reverse().find((c) => c.at <= elapsed());
      return { mapRunArn: mapRun.arn, itemCounts: current?.counts };
    });
  }
}

/** Item counts with zeros filled in. */
export function counts(partial: Partial<MapRunItemCounts>): MapRunItemCounts {
  return {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    total: 0,
    resultsWritten: 0,
    ...partial,
  };
}
