import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import type { embeddedDeploymentSchema } from '../../functions/shared/contracts/deployment';
import type { RuntimeConfig } from '../../functions/shared/contracts/runtime-config';
import { RETRYABLE_ERROR_NAMES } from '../../functions/shared/errors';
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
  CleanupDrill: 'CleanupDrill',
  RecordDrill: 'RecordDrill',
  RecordCollectionResult: 'RecordCollectionResult',
  ResultNotRecorded: 'ResultNotRecorded',
  BuildReport: 'BuildReport',
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
}

/**
 * Builds the run: PrepareRun → Collections (a Distributed Map, one child execution per collection)
 * → BuildReport → PublishReport (SNS) → EmitRunEvent (EventBridge) → RunFailed? → Fail | Succeed.
 *
 * Inside a child, every step adds its result under its own path; every error except the transient
 * Milvus one is caught into the collection's result, so one collection never stops the others.
 */
export function buildRunDefinition(scope: Construct, props: RunDefinitionProps): sfn.IChainable {
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
  const resultNotRecorded = new sfn.Pass(scope, RunState.ResultNotRecorded, {
    stateName: RunState.ResultNotRecorded,
    comment: 'The result could not be stored: hand BuildReport the failure instead',
    parameters: {
      database: sfn.JsonPath.stringAt('$.target.database'),
      collection: sfn.JsonPath.stringAt('$.target.collection'),
      status: 'FAILED',
      error: sfn.JsonPath.objectAt('$.recordError'),
    },
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
  // A deep check waits for the load; VerifyRestore stops waiting at the drill deadline.
  const verificationDone = new sfn.Choice(scope, RunState.VerificationDone, {
    stateName: RunState.VerificationDone,
  })
    .when(sfn.Condition.booleanEquals('$.verification.deepPending', true), waitForLoad)
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
  const drillAfterBackup = new sfn.Choice(scope, RunState.DrillAfterBackup, {
    stateName: RunState.DrillAfterBackup,
  })
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

  // A dry run only plans retention: no flush, no snapshot, no drill.
  const routeCollection = new sfn.Choice(scope, RunState.RouteCollection, {
    stateName: RunState.RouteCollection,
  })
    .when(sfn.Condition.booleanEquals('$.run.dryRun', true), enforceRetention)
    .when(sfn.Condition.stringEquals('$.run.mode', 'drill'), chooseSnapshot)
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
      config: props.runtimeConfig,
      deployment: props.deployment,
    }),
  });

  const collections = new sfn.DistributedMap(scope, RunState.Collections, {
    stateName: RunState.Collections,
    comment: 'One child execution per collection: each keeps its own (small) history',
    itemsPath: '$.items',
    itemSelector: {
      run: sfn.JsonPath.objectAt('$.run'),
      target: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
    },
    maxConcurrency: props.mapConcurrency,
    // Children catch their own failures; one that still fails must not lose the others' results.
    toleratedFailurePercentage: 100,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: '$.results',
  });
  // DistributedMap renders Mode DISTRIBUTED and ExecutionType from mapExecutionType itself.
  collections.itemProcessor(routeCollection);

  // The report replaces the state (items, results): what is published must fit in a 256 KB state.
  const buildReport = invoke(RunState.BuildReport, 'BuildReport', undefined, {
    resultSelector: { published: sfn.JsonPath.objectAt('$') },
  });
  collections.addCatch(buildReport, { errors: [sfn.Errors.ALL], resultPath: '$.mapError' });

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

  return prepareRun
    .next(collections)
    .next(buildReport)
    .next(publishReport)
    .next(emitRunEvent)
    .next(runFailedChoice);
}
