import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { awsCall } from './aws/aws-errors';
import type { AwsSession } from './aws/aws-session';
import type { CliIo } from './cli-io';
import { formatDuration } from './format/time-format';
import { type ExecutionFacts, executionNameOf, FINAL_STATUSES, readableCause } from './run-lookup';

/** Polling bounds: quick while things happen, backing off to a gentle pace while they do not. */
export const WATCH_INTERVAL = {
  /** The first wait, and the wait after a poll that showed something new. */
  minMs: 2_000,
  /** The longest wait between two polls. */
  maxMs: 15_000,
  /** Growth of the wait after a poll that showed nothing new. */
  factor: 1.5,
} as const;

/** History events fetched per page (the API's maximum is 1000). */
const HISTORY_PAGE_SIZE = 100;

/** How a watch ended. */
export type WatchOutcome =
  | { readonly kind: 'finished'; readonly execution: ExecutionFacts }
  | { readonly kind: 'interrupted' };

/** States whose entry and exit say nothing to a person (routing), or that the final line says. */
const QUIET_STATE_TYPES = new Set(['Choice', 'Pass', 'Succeed', 'Fail']);

const FAILURE_DETAILS = [
  'taskFailedEventDetails',
  'taskTimedOutEventDetails',
  'taskStartFailedEventDetails',
  'taskSubmitFailedEventDetails',
  'lambdaFunctionFailedEventDetails',
  'lambdaFunctionTimedOutEventDetails',
  'lambdaFunctionStartFailedEventDetails',
  'lambdaFunctionScheduleFailedEventDetails',
  'mapRunFailedEventDetails',
] as const satisfies readonly (keyof HistoryEvent)[];

/**
 * Follows an execution until it ends, printing its steps as they happen: each state entered and
 * left (with its duration), every error a step raised, and the progress of the per-collection map
 * run. History is read newest first and only back to the last event already shown, so each poll
 * costs one or two small pages however long the run gets.
 *
 * Stops early, without touching the execution, when `signal` is aborted (Ctrl-C).
 */
export async function watchExecution(
  aws: AwsSession,
  executionArn: string,
  io: CliIo,
  signal: AbortSignal,
): Promise<WatchOutcome> {
  const printer = new EventPrinter(io);
  let lastEventId = 0;
  let mapRunArn: string | undefined;
  let lastProgress = '';
  let interval: number = WATCH_INTERVAL.minMs;

  const newEvents = async (): Promise<HistoryEvent[]> => {
    const fresh: HistoryEvent[] = [];
    let nextToken: string | undefined;
    page: do {
      const res = await awsCall({ action: 'states:GetExecutionHistory', target: executionArn }, () =>
        aws.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            reverseOrder: true,
            maxResults: HISTORY_PAGE_SIZE,
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        ),
      );
      for (const event of res.events ?? []) {
        if ((event.id ?? 0) <= lastEventId) break page;
        fresh.push(event);
      }
      nextToken = res.nextToken;
    } while (nextToken !== undefined);
    fresh.reverse();
    lastEventId = fresh.at(-1)?.id ?? lastEventId;
    return fresh;
  };

  while (!signal.aborted) {
    const execution = await awsCall({ action: 'states:DescribeExecution', target: executionArn }, () =>
      aws.sfn.send(new DescribeExecutionCommand({ executionArn })),
    );
    printer.startedAt ??= execution.startDate;
    const events = await newEvents();
    for (const event of events) {
      mapRunArn = event.mapRunStartedEventDetails?.mapRunArn ?? mapRunArn;
      printer.print(event);
      if (
        event.type === 'MapRunSucceeded' ||
        event.type === 'MapRunFailed' ||
        event.type === 'MapRunAborted'
      ) {
        mapRunArn = undefined;
      }
    }
    const status = execution.status ?? 'UNKNOWN';
    if (FINAL_STATUSES.has(status)) {
      const startDate = execution.startDate ?? new Date(Number.NaN);
      return {
        kind: 'finished',
        execution: {
          arn: executionArn,
          name: execution.name ?? executionNameOf(executionArn),
          status,
          startDate,
          ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
          ...(execution.error === undefined ? {} : { error: execution.error }),
          ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        },
      };
    }
    let progressed = events.length > 0;
    if (mapRunArn !== undefined) {
      const progress = await mapRunProgress(aws, mapRunArn);
      if (progress !== lastProgress) {
        printer.line(new Date(), printer.mapState ?? 'Collections', progress);
        lastProgress = progress;
        progressed = true;
      }
    }
    interval = progressed
      ? WATCH_INTERVAL.minMs
      : Math.min(WATCH_INTERVAL.maxMs, interval * WATCH_INTERVAL.factor);
    await sleep(interval, signal);
  }
  return { kind: 'interrupted' };
}

async function mapRunProgress(aws: AwsSession, mapRunArn: string): Promise<string> {
  const run = await awsCall({ action: 'states:DescribeMapRun', target: mapRunArn }, () =>
    aws.sfn.send(new DescribeMapRunCommand({ mapRunArn })),
  );
  const c = run.itemCounts;
  const total = c?.total ?? 0;
  const unsuccessful = (c?.failed ?? 0) + (c?.timedOut ?? 0) + (c?.aborted ?? 0);
  const done = (c?.succeeded ?? 0) + unsuccessful;
  const running = c?.running ?? 0;
  return (
    `${done} of ${total} collections done` +
    (running > 0 ? `, ${running} running` : '') +
    (unsuccessful > 0 ? `, ${unsuccessful} child execution(s) failed` : '')
  );
}

/** Waits `ms`, or less when `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Turns history events into lines: `+1m 05s  CreateSnapshot  done (3s)`. */
class EventPrinter {
  public startedAt: Date | undefined;
  /** The state that started the per-collection map run. */
  public mapState: string | undefined;
  private readonly entered = new Map<string, Date>();
  private readonly quiet = new Set<string>();
  private current: string | undefined;

  public constructor(private readonly io: CliIo) {}

  public print(event: HistoryEvent): void {
    const at = event.timestamp ?? new Date();
    const type = event.type ?? '';
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined && type.endsWith('StateEntered')) {
      if (QUIET_STATE_TYPES.has(type.replace(/StateEntered$/, ''))) {
        this.quiet.add(entered);
        return;
      }
      this.entered.set(entered, at);
      this.current = entered;
      this.line(at, entered, 'started');
      return;
    }
    const exited = event.stateExitedEventDetails?.name;
    if (exited !== undefined && type.endsWith('StateExited')) {
      if (this.quiet.has(exited)) return;
      const since = this.entered.get(exited);
      this.line(at, exited, since ? `done (${formatDuration(at.getTime() - since.getTime())})` : 'done');
      return;
    }
    if (type === 'MapRunStarted') {
      this.mapState = this.current;
      this.line(at, this.current ?? 'Collections', 'one child execution per collection started');
      return;
    }
    for (const key of FAILURE_DETAILS) {
      const details = event[key];
      if (details === undefined) continue;
      const cause = readableCause(details.cause);
      const what = [details.error, cause].filter((part) => part !== undefined && part !== '').join(': ');
      const verb = type.includes('TimedOut') ? 'timed out' : 'failed';
      this.line(at, this.current ?? '-', `${verb}${what ? `: ${what}` : ''}`);
      return;
    }
  }

  public line(at: Date, state: string, text: string): void {
    const elapsed = this.startedAt ? `+${formatDuration(at.getTime() - this.startedAt.getTime())}` : '';
    this.io.stdout.write(`  ${elapsed.padEnd(10)}${state.padEnd(20)} ${text}\n`);
  }
}
