import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import type { embeddedDeploymentSchema } from '../../functions/shared/contracts/deployment';
import { embedConfig } from '../../functions/shared/contracts/embedded-config';
import { RUN_REPORT_SCHEMA_VERSION } from '../../functions/shared/contracts/run-report';
import type { RuntimeConfig } from '../../functions/shared/contracts/runtime-config';
import { RETRYABLE_ERROR_NAMES } from '../../functions/shared/errors';
import { MAP_RESULTS_PREFIX, RUN_ITEMS_PATTERN } from '../../functions/shared/reports/map-keys';
import type { StepName } from '../step-catalog';

/**
 * The run's state machine, JSONPath only: the local runner executes this very definition with
 * aws-local-stepfunctions, which supports neither JSONata nor `Assign` variables.
 *
 * State names are a contract: the local runner overrides task states by name, tests and
 * benchmarks follow paths through them, and docs/architecture.md describes them.
 */
export const RunState = {
  PrepareRun: 'PrepareRun',
  Collections: 'Collections',
  RouteCollection: 'RouteCollection',
  Flush: 'Flush',
  CheckFlush: 'CheckFlush',
  Flushed: 'Flushed?',
  WaitForFlush: 'WaitForFlush',
  CreateSnapshot: 'CreateSnapshot',
  EnforceRetention: 'EnforceRetention',
  DrillAfterBackup: 'DrillAfterBackup?',
  ChooseSnapshot: 'ChooseSnapshot',
  SweepOrphans: 'SweepOrphans',
  StartRestore: 'StartRestore',
  WaitBeforeFirstPoll: 'WaitBeforeFirstPoll',
  PollRestore: 'PollRestore',
  RestoreDone: 'RestoreDone?',
  WaitBeforeNextPoll: 'WaitBeforeNextPoll',
  VerifyRestore: 'VerifyRestore',
  VerificationDone: 'VerificationDone?',
  WaitForLoad: 'WaitForLoad',
  ContinueDeepCheck: 'ContinueDeepCheck',
  SwitchOver: 'SwitchOver',
  SwitchedOver: 'SwitchedOver?',
  WaitForRestoredLoad: 'WaitForRestoredLoad',
  CleanupDrill: 'CleanupDrill',
  RecordDrill: 'RecordDrill',
  RecordCollectionResult: 'RecordCollectionResult',
  ResultNotRecorded: 'ResultNotRecorded',
  BuildReport: 'BuildReport',
  ReportNotBuilt: 'ReportNotBuilt',
  PublishReport: 'PublishReport',
  EmitRunEvent: 'EmitRunEvent',
  RunFailedChoice: 'RunFailed?',
  RunFailed: 'RunFailed',
  RunSucceeded: 'RunSucceeded',
} as const;

/** The EventBridge event every run ends with. */
export const RUN_EVENT = {
  source: 'milvus-snapshot-scheduler',
  detailType: 'Milvus Snapshot Run Completed',
} as const;

/** The error a run ends with when a collection failed (so the failed-executions alarm fires). */
export const RUN_FAILED_ERROR = 'RunFailed';

/** Errors the Lambda service itself may return: always worth retrying. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** Retry of a transient Milvus failure: about 5 s, 10 s, 20 s, 40 s, 60 s, each with full jitter. */
export const MILVUS_RETRY: sfn.RetryProps = {
  errors: [...RETRYABLE_ERROR_NAMES],
  interval: Duration.seconds(5),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Retry of a Lambda service failure: 2 s doubling, 6 attempts, full jitter. */
export const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** What the definition is built from. */
export interface RunDefinitionProps {
  /** The function of each step. */
  readonly functions: Readonly<Record<StepName, lambda.IFunction>>;
  /** Whether each step talks to Milvus (and so retries {@link MILVUS_RETRY}). */
  readonly talksToMilvus: Readonly<Record<StepName, boolean>>;
  /** Each task state's timeout: a little more than its function's, so a local run is bounded the same way. */
  readonly taskTimeouts: Readonly<Record<StepName, Duration>>;
  /** Embedded in PrepareRun's input, so every run (and the local runner) sees the deployed configuration. */
  readonly runtimeConfig: RuntimeConfig;
  /** The deployment's id and run timeout, embedded beside the configuration. */
  readonly deployment: z.infer<typeof embeddedDeploymentSchema>;
  /** Where the run report is published. */
  readonly reportTopic: sns.ITopic;
  /** Collections processed at once. */
  readonly mapConcurrency: number;
  /** The reports bucket: the Map reads the run's collection list from it and writes its results there. */
  readonly reportsBucket: s3.IBucket;
  /** Where EmitRunEvent puts the run-completed event. @default the account's default bus */
  readonly eventBus?: events.IEventBus;
}

/** The Map's label: its Map Runs and child executions are named `<state machine>/Collections:<id>`. */
export const MAP_LABEL = 'Collections';

/**
 * The run's collection list, as PrepareRun stores it (a JSON array of targets). The state machine
 * role may read only such lists, not the rest of the bucket (CDK's reader grants `bucket/*`).
 */
class RunItemsReader extends sfn.S3JsonItemReader {
  public constructor(private readonly reportsBucket: s3.IBucket) {
    super({ bucket: reportsBucket, key: sfn.JsonPath.stringAt('$.collections.key') });
  }

  public override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.reportsBucket.arnForObjects(RUN_ITEMS_PATTERN)],
      }),
    ];
  }
}

/**
 * The Map Run's results (manifest and result files) under {@link MAP_RESULTS_PREFIX}, with the
 * actions the ResultWriter documentation lists, on that prefix only (CDK's writer grants `bucket/*`).
 */
class MapResultsWriter extends sfn.ResultWriterV2 {
  public constructor(private readonly reportsBucket: s3.IBucket) {
    super({ bucket: reportsBucket, prefix: MAP_RESULTS_PREFIX });
  }

  public override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.reportsBucket.arnForObjects(`${MAP_RESULTS_PREFIX}/*`)],
      }),
    ];
  }
}

/**
 * Builds the run: PrepareRun (stores the collection list) → Collections (a Distributed Map reading
 * that list, one child execution per collection, results written to the bucket) → BuildReport (or,
 * when it fails, ReportNotBuilt) → PublishReport (SNS) → EmitRunEvent (EventBridge) → RunFailed? →
 * Fail | Succeed.
 *
 * Inside a child, every step adds its result under its own path; every error except the transient
 * Milvus one is caught into the collection's result, so one collection never stops the others.
 */
export function buildRunDefinition(scope: Construct, props: RunDefinitionProps): sfn.IChainable {
  // Without this flag DistributedMap ignores `resultWriterV2` (and the deprecated ResultWriter is
  // the only one it renders). Set on the states' own scope, before any state is added to it.
  scope.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
  // `resultPath` undefined replaces the state with the result. Never write `"ResultPath": "$"`:
  // aws-local-stepfunctions stores the result under a key named "$" instead.
  const invoke = (
    state: string,
    step: StepName,
    resultPath: string | undefined,
    options: { payload?: sfn.TaskInput; resultSelector?: Record<string, unknown> } = {},
  ) => {
    const task = new tasks.LambdaInvoke(scope, state, {
      stateName: state,
      lambdaFunction: props.functions[step],
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      ...options,
      resultPath,
      taskTimeout: sfn.Timeout.duration(props.taskTimeouts[step]),
    });
    task.addRetry(LAMBDA_SERVICE_RETRY);
    if (props.talksToMilvus[step]) task.addRetry(MILVUS_RETRY);
    return task;
  };
  const catchInto = (task: tasks.LambdaInvoke, handler: sfn.IChainable, resultPath: string) =>
    task.addCatch(handler, { errors: [sfn.Errors.ALL], resultPath });

  // --- one collection (the Map's item processor) -------------------------------------------------
  const recordResult = invoke(RunState.RecordCollectionResult, 'RecordCollectionResult', undefined);
  // The child fails with the storage error: the Map Run lists it among its failed children (with
  // ToleratedFailurePercentage 100 the others go on) and BuildReport reports the collection FAILED.
  const resultNotRecorded = new sfn.Fail(scope, RunState.ResultNotRecorded, {
    stateName: RunState.ResultNotRecorded,
    comment: 'The result could not be stored: fail this child with that error, for BuildReport',
    errorPath: '$.recordError.Error',
    causePath: '$.recordError.Cause',
  });
  catchInto(recordResult, resultNotRecorded, '$.recordError');

  // Drill: cleanup runs on every path through Catch; RecordDrill folds the errors into `$.drill`.
  const recordDrill = invoke(RunState.RecordDrill, 'RecordDrill', '$.drill');
  catchInto(recordDrill, recordResult, '$.recordDrillError');
  recordDrill.next(recordResult);
  const cleanup = invoke(RunState.CleanupDrill, 'CleanupDrill', '$.cleanup');
  catchInto(cleanup, recordDrill, '$.cleanupError');
  cleanup.next(recordDrill);

  const drillStep = (state: string, step: StepName, resultPath: string) =>
    catchInto(invoke(state, step, resultPath), cleanup, '$.drillError');
  const chooseSnapshot = drillStep(RunState.ChooseSnapshot, 'ChooseSnapshot', '$.drillSource');
  const sweepOrphans = drillStep(RunState.SweepOrphans, 'SweepOrphans', '$.orphans');
  const startRestore = drillStep(RunState.StartRestore, 'StartRestore', '$.restore');
  const pollRestore = drillStep(RunState.PollRestore, 'PollRestore', '$.poll');
  const verifyRestore = drillStep(RunState.VerifyRestore, 'VerifyRestore', '$.verification');
  const continueDeepCheck = drillStep(RunState.ContinueDeepCheck, 'VerifyRestore', '$.verification');

  const waitBeforeFirstPoll = new sfn.Wait(scope, RunState.WaitBeforeFirstPoll, {
    stateName: RunState.WaitBeforeFirstPoll,
    // StartRestore says how long: the backoff's first step, or less when it resumed a running restore.
    time: sfn.WaitTime.secondsPath('$.restore.firstWaitSeconds'),
  });
  const waitBeforeNextPoll = new sfn.Wait(scope, RunState.WaitBeforeNextPoll, {
    stateName: RunState.WaitBeforeNextPoll,
    time: sfn.WaitTime.secondsPath('$.poll.waitSeconds'),
  });
  const waitForLoad = new sfn.Wait(scope, RunState.WaitForLoad, {
    stateName: RunState.WaitForLoad,
    time: sfn.WaitTime.secondsPath('$.verification.waitSeconds'),
  });

  // The poll decides by the job's state and reports `timedOut` past the drill timeout: the loop is bounded.
  const restoreDone = new sfn.Choice(scope, RunState.RestoreDone, { stateName: RunState.RestoreDone })
    .when(sfn.Condition.stringEquals('$.poll.decision', 'completed'), verifyRestore)
    .when(sfn.Condition.stringEquals('$.poll.decision', 'wait'), waitBeforeNextPoll)
    .when(sfn.Condition.stringEquals('$.poll.decision', 'failed'), cleanup)
    .when(sfn.Condition.stringEquals('$.poll.decision', 'timedOut'), cleanup)
    .otherwise(cleanup);
  // An operator's restore, once verified, is loaded and switched over (alias or swap), if asked.
  const switchOver = drillStep(RunState.SwitchOver, 'SwitchOver', '$.switchover');
  const waitForRestoredLoad = new sfn.Wait(scope, RunState.WaitForRestoredLoad, {
    stateName: RunState.WaitForRestoredLoad,
    time: sfn.WaitTime.secondsPath('$.switchover.waitSeconds'),
  });
  // SwitchOver stops waiting for the load at the drill deadline: the loop is bounded.
  const switchedOver = new sfn.Choice(scope, RunState.SwitchedOver, { stateName: RunState.SwitchedOver })
    .when(sfn.Condition.booleanEquals('$.switchover.pending', true), waitForRestoredLoad)
    .otherwise(cleanup);
  switchOver.next(switchedOver);
  waitForRestoredLoad.next(switchOver);
  // A deep check waits for the load; VerifyRestore stops waiting at the drill deadline. An
  // operator's restore, once verified, goes on to its switch-over (no extra state for drills).
  const verificationDone = new sfn.Choice(scope, RunState.VerificationDone, {
    stateName: RunState.VerificationDone,
  })
    .when(sfn.Condition.booleanEquals('$.verification.deepPending', true), waitForLoad)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals('$.run.mode', 'restore'),
        sfn.Condition.booleanEquals('$.verification.verified', true),
      ),
      switchOver,
    )
    .when(sfn.Condition.booleanEquals('$.verification.deepPending', false), cleanup)
    .otherwise(cleanup);

  chooseSnapshot.next(sweepOrphans);
  sweepOrphans.next(startRestore);
  startRestore.next(waitBeforeFirstPoll);
  waitBeforeFirstPoll.next(pollRestore);
  pollRestore.next(restoreDone);
  waitBeforeNextPoll.next(pollRestore);
  verifyRestore.next(verificationDone);
  waitForLoad.next(continueDeepCheck);
  continueDeepCheck.next(verificationDone);

  // Backup: flush, wait until flushed (CheckFlush reports `timedOut`), snapshot, retention.
  const backupStep = (state: string, step: StepName, resultPath: string) =>
    catchInto(invoke(state, step, resultPath), recordResult, '$.error');
  const flush = backupStep(RunState.Flush, 'Flush', '$.flush');
  const checkFlush = backupStep(RunState.CheckFlush, 'CheckFlush', '$.flushState');
  const createSnapshot = backupStep(RunState.CreateSnapshot, 'CreateSnapshot', '$.backup');
  const enforceRetention = backupStep(RunState.EnforceRetention, 'EnforceRetention', '$.retention');
  const waitForFlush = new sfn.Wait(scope, RunState.WaitForFlush, {
    stateName: RunState.WaitForFlush,
    time: sfn.WaitTime.secondsPath('$.run.flush.pollSeconds'),
  });
  const flushed = new sfn.Choice(scope, RunState.Flushed, { stateName: RunState.Flushed })
    .when(sfn.Condition.booleanEquals('$.flushState.flushed', true), createSnapshot)
    .when(sfn.Condition.booleanEquals('$.flushState.timedOut', true), recordResult)
    .when(sfn.Condition.booleanEquals('$.flushState.timedOut', false), waitForFlush)
    .otherwise(recordResult);
  // An original a swap set aside is pruned, never backed up or drilled (PrepareRun adds it to
  // backup runs beside the collection it was).
  const setAside = sfn.Condition.and(
    sfn.Condition.isPresent('$.target.selection.by'),
    sfn.Condition.stringEquals('$.target.selection.by', 'set-aside'),
  );
  const drillAfterBackup = new sfn.Choice(scope, RunState.DrillAfterBackup, {
    stateName: RunState.DrillAfterBackup,
  })
    .when(setAside, recordResult)
    .when(
      sfn.Condition.and(
        sfn.Condition.stringEquals('$.run.mode', 'full'),
        sfn.Condition.booleanEquals('$.run.dryRun', false),
      ),
      chooseSnapshot,
    )
    .otherwise(recordResult);
  flush.next(checkFlush);
  checkFlush.next(flushed);
  waitForFlush.next(checkFlush);
  createSnapshot.next(enforceRetention);
  enforceRetention.next(drillAfterBackup);

  // A dry run only plans retention: no flush, no snapshot, no drill; nor does a set-aside original.
  const routeCollection = new sfn.Choice(scope, RunState.RouteCollection, {
    stateName: RunState.RouteCollection,
  })
    .when(sfn.Condition.booleanEquals('$.run.dryRun', true), enforceRetention)
    .when(setAside, enforceRetention)
    .when(
      sfn.Condition.or(
        sfn.Condition.stringEquals('$.run.mode', 'drill'),
        sfn.Condition.stringEquals('$.run.mode', 'restore'),
      ),
      chooseSnapshot,
    )
    .when(
      sfn.Condition.or(
        sfn.Condition.stringEquals('$.run.mode', 'backup'),
        sfn.Condition.stringEquals('$.run.mode', 'full'),
      ),
      flush,
    )
    .otherwise(recordResult);

  // --- the run ---------------------------------------------------------------------------------------
  const prepareRun = invoke(RunState.PrepareRun, 'PrepareRun', undefined, {
    payload: sfn.TaskInput.fromObject({
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
      execution: {
        name: sfn.JsonPath.stringAt('$$.Execution.Name'),
        startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
      },
      ...embedConfig(props.runtimeConfig),
      deployment: props.deployment,
    }),
  });

  const collections = new sfn.DistributedMap(scope, RunState.Collections, {
    stateName: RunState.Collections,
    comment: 'One child execution per collection: each keeps its own (small) history',
    label: MAP_LABEL,
    // The collection list is read from the bucket and the results are written there, so the run's
    // state stays the same size whatever the number of collections.
    itemReader: new RunItemsReader(props.reportsBucket),
    itemSelector: {
      run: sfn.JsonPath.objectAt('$.run'),
      target: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
    },
    maxConcurrency: props.mapConcurrency,
    // Children catch their own failures; one that still fails must not lose the others' results.
    toleratedFailurePercentage: 100,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultWriterV2: new MapResultsWriter(props.reportsBucket),
    // `{ MapRunArn, ResultWriterDetails: { Bucket, Key } }`: where BuildReport finds failed children.
    resultPath: '$.map',
  });
  // DistributedMap renders Mode DISTRIBUTED and ExecutionType from mapExecutionType itself.
  collections.itemProcessor(routeCollection);

  // The report replaces the state (run, list, Map Run): what is published must fit in a 256 KB state.
  const buildReport = invoke(RunState.BuildReport, 'BuildReport', undefined, {
    resultSelector: { published: sfn.JsonPath.objectAt('$') },
  });
  collections.addCatch(buildReport, { errors: [sfn.Errors.ALL], resultPath: '$.mapError' });
  // Without a report, the run still says it FAILED on SNS and EventBridge (States.ALL cannot catch
  // States.DataLimitExceeded or States.Runtime, so that stays an execution failure, as it must).
  const reportNotBuilt = new sfn.Pass(scope, RunState.ReportNotBuilt, {
    stateName: RunState.ReportNotBuilt,
    comment: 'BuildReport failed: publish a minimal FAILED report built from the run context',
    parameters: { published: unbuiltReport() },
  });
  buildReport.addCatch(reportNotBuilt, { errors: [sfn.Errors.ALL], resultPath: '$.reportError' });

  const publishReport = new tasks.SnsPublish(scope, RunState.PublishReport, {
    stateName: RunState.PublishReport,
    topic: props.reportTopic,
    subject: sfn.JsonPath.stringAt('$.published.subject'),
    message: sfn.TaskInput.fromJsonPathAt('$.published.message'),
    messageAttributes: {
      status: { value: sfn.JsonPath.stringAt('$.published.status') },
      mode: { value: sfn.JsonPath.stringAt('$.published.mode') },
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const emitRunEvent = new tasks.EventBridgePutEvents(scope, RunState.EmitRunEvent, {
    stateName: RunState.EmitRunEvent,
    entries: [
      {
        detail: sfn.TaskInput.fromJsonPathAt('$.published.event'),
        detailType: RUN_EVENT.detailType,
        source: RUN_EVENT.source,
        ...(props.eventBus && { eventBus: props.eventBus }),
      },
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  for (const task of [publishReport, emitRunEvent]) {
    task.addRetry({
      errors: [sfn.Errors.TASKS_FAILED],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
  }

  const runFailed = new sfn.Fail(scope, RunState.RunFailed, {
    stateName: RunState.RunFailed,
    error: RUN_FAILED_ERROR,
    causePath: '$.published.subject',
  });
  const runSucceeded = new sfn.Succeed(scope, RunState.RunSucceeded, { stateName: RunState.RunSucceeded });
  const runFailedChoice = new sfn.Choice(scope, RunState.RunFailedChoice, {
    stateName: RunState.RunFailedChoice,
  })
    .when(sfn.Condition.stringEquals('$.published.status', 'FAILED'), runFailed)
    .otherwise(runSucceeded);

  reportNotBuilt.next(publishReport);
  return prepareRun
    .next(collections)
    .next(buildReport)
    .next(publishReport)
    .next(emitRunEvent)
    .next(runFailedChoice);
}

/**
 * What is published when BuildReport failed: built with intrinsic functions from fields the state
 * always has (`markerSchedule` is the schedule or `manual`; `schedule` may be absent, and a missing
 * path would fail the state). The event is not a run report: `reportBuilt: false` says so.
 */
function unbuiltReport(): Record<string, unknown> {
  const subject = sfn.JsonPath.format(
    '[FAILED] {} {}: the run report could not be built',
    sfn.JsonPath.stringAt('$.run.markerSchedule'),
    sfn.JsonPath.stringAt('$.run.mode'),
  );
  return {
    status: 'FAILED',
    mode: sfn.JsonPath.stringAt('$.run.mode'),
    subject,
    message: sfn.JsonPath.format(
      'Milvus snapshot run {} FAILED: the run report could not be built, so the collections are not listed here. Started: {}. Error: {}. The collection results are stored under runs/{}/collections/ in the reports bucket. Caught: {}',
      sfn.JsonPath.stringAt('$.run.runId'),
      sfn.JsonPath.stringAt('$.run.startedAt'),
      sfn.JsonPath.stringAt('$.reportError.Error'),
      sfn.JsonPath.stringAt('$.run.runId'),
      sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.reportError')),
    ),
    event: {
      schemaVersion: RUN_REPORT_SCHEMA_VERSION,
      reportBuilt: false,
      runId: sfn.JsonPath.stringAt('$.run.runId'),
      deployment: {
        id: sfn.JsonPath.stringAt('$.run.deployment.id'),
        cluster: sfn.JsonPath.objectAt('$.run.deployment.cluster'),
      },
      trigger: sfn.JsonPath.stringAt('$.run.trigger'),
      schedule: sfn.JsonPath.stringAt('$.run.markerSchedule'),
      mode: sfn.JsonPath.stringAt('$.run.mode'),
      dryRun: sfn.JsonPath.objectAt('$.run.dryRun'),
      status: 'FAILED',
      startedAt: sfn.JsonPath.stringAt('$.run.startedAt'),
      error: sfn.JsonPath.objectAt('$.reportError'),
    },
  };
}
