import { Capture, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCAL_DEPLOYMENT_ID, runtimeConfigOf } from '../../../lib/config/deployment-config';
import type { MilvusSnapshotSchedulerStack } from '../../../lib/milvus-snapshot-scheduler-stack';
import { RUN_EVENT, RunState } from '../../../lib/state-machine/run-definition';
import {
  type AslState,
  allStates,
  type CfnTemplate,
  resolveDefinitionString,
  type StateMachineDefinition,
} from '../../../lib/state-machine/synthesized-definition';
import { STEP_CATALOG, STEP_NAMES } from '../../../lib/step-catalog';
import { exampleConfig, exampleWith, logicalId, propertiesOf, synthStack } from '../fixtures';

let stack: MilvusSnapshotSchedulerStack;
let template: Template;
let definition: StateMachineDefinition;
let states: Map<string, AslState>;

beforeAll(() => {
  ({ stack, template } = synthStack());
  const captured = new Capture();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionString: captured });
  definition = resolveDefinitionString(captured.asObject(), template.toJSON() as CfnTemplate);
  states = new Map(allStates(definition));
});

const state = (name: string): AslState => {
  const found = states.get(name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
};
const lambdaTasks = () =>
  [...states].filter(([, s]) => s.Type === 'Task' && String(s.Resource).includes(':lambda:')).map(([n]) => n);
const MILVUS_TASKS = [
  // It lists databases and collections to resolve the selectors.
  'PrepareRun',
  'Flush',
  'CheckFlush',
  'CreateSnapshot',
  'EnforceRetention',
  'ChooseSnapshot',
  'SweepOrphans',
  'StartRestore',
  'PollRestore',
  'VerifyRestore',
  'ContinueDeepCheck',
  'SwitchOver',
  'CleanupDrill',
];

describe('the run definition', () => {
  it('is JSONPath only: no JSONata, no variables (aws-local-stepfunctions runs this very definition)', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toContain('QueryLanguage');
    expect(text).not.toContain('JSONata');
    expect(text).not.toContain('"Assign"');
    expect(text).not.toContain('{%');
    expect(text).not.toContain('"Arguments"');
    expect(text).not.toContain('"Output"');
  });

  it('stops a run after the configured timeout (12 hours by default)', () => {
    expect(definition.TimeoutSeconds).toBe(12 * 3600);
    const short = synthStack(exampleWith({ runTimeoutMinutes: 180 }));
    expect(JSON.stringify(short.template.toJSON())).toContain('\\"TimeoutSeconds\\":10800');
  });

  it('starts with PrepareRun, handing it the execution input and the configuration as static JSON', () => {
    expect(definition.StartAt).toBe('PrepareRun');
    expect(state('PrepareRun').Parameters).toEqual({
      'input.$': '$$.Execution.Input',
      execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
      config: JSON.parse(JSON.stringify(runtimeConfigOf(exampleConfig()))),
      // The default deployment id, `<stack name>.<region>`, with the region a local run resolves.
      deployment: { id: DEFAULT_LOCAL_DEPLOYMENT_ID, runTimeoutMinutes: 720 },
    });
    // The result replaces the state. (An explicit "ResultPath": "$" would be misread by aws-local-stepfunctions.)
    expect(state('PrepareRun')).not.toHaveProperty('ResultPath');
    expect(state('PrepareRun').Catch).toBeUndefined();
  });

  it('runs each collection as a child execution of a Distributed Map over the list PrepareRun stored', () => {
    const { ItemProcessor, ...map } = state('Collections');
    expect(map).toMatchObject({
      Type: 'Map',
      Label: 'Collections',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: expect.stringContaining('ReportsBucket'), 'Key.$': '$.collections.key' },
      },
      ItemSelector: { 'run.$': '$.run', 'target.$': '$$.Map.Item.Value' },
      MaxConcurrency: 10,
      ToleratedFailurePercentage: 100,
      // The results go to the bucket; the state gets only where they are.
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: expect.stringContaining('ReportsBucket'), Prefix: 'runs/map-results' },
      },
      ResultPath: '$.map',
      Next: 'BuildReport',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'BuildReport' }],
    });
    expect(ItemProcessor).toMatchObject({
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      StartAt: 'RouteCollection',
    });
  });

  it("lets the state machine read only the runs' collection lists and write only the Map Run results", () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p).includes('StateMachineRole'))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .filter((st) => JSON.stringify(st).includes('s3:'));
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.scheduler.reportsBucket), 'Arn'] };
    // The ResultWriter's, then the ItemReader's: nothing on the rest of the bucket.
    expect(statements).toEqual([
      {
        Action: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [bucketArn, '/runs/map-results/*']] },
      },
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [bucketArn, '/runs/*/items.json']] },
      },
    ]);
  });

  it('invokes each function directly (payload response only) with the task bounded a little past its timeout', () => {
    for (const name of lambdaTasks()) {
      const task = state(name);
      expect(task.Resource).toMatch(/^arn:aws:lambda:local:000000000000:function:Scheduler\w+Function\w+$/);
      const step = name === 'ContinueDeepCheck' ? 'VerifyRestore' : name;
      const timeout = propertiesOf(
        template,
        logicalId(stack.scheduler.functions[step as (typeof STEP_NAMES)[number]]),
      ).Timeout as number;
      expect(task.TimeoutSeconds, name).toBe(timeout + 30);
    }
    expect(lambdaTasks().sort()).toEqual([...STEP_NAMES, 'ContinueDeepCheck'].sort());
  });

  it('retries the Lambda service on every task, and only the transient Milvus error on the Milvus tasks', () => {
    for (const name of lambdaTasks()) {
      const retry = state(name).Retry ?? [];
      expect(retry[0], name).toEqual({
        ErrorEquals: [
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.TooManyRequestsException',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      });
      const milvus = {
        ErrorEquals: ['MilvusUnavailableError', 'SnapshotInProgressError'],
        IntervalSeconds: 5,
        MaxAttempts: 5,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      };
      if (MILVUS_TASKS.includes(name)) expect(retry, name).toEqual([retry[0], milvus]);
      else expect(retry, name).toHaveLength(1);
    }
    const retried = [...states.values()].flatMap((s) => s.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).not.toContain('States.ALL');
  });

  it.each([
    ['Flush', 'RecordCollectionResult', '$.error'],
    ['CheckFlush', 'RecordCollectionResult', '$.error'],
    ['CreateSnapshot', 'RecordCollectionResult', '$.error'],
    ['EnforceRetention', 'RecordCollectionResult', '$.error'],
    ['ChooseSnapshot', 'CleanupDrill', '$.drillError'],
    ['SweepOrphans', 'CleanupDrill', '$.drillError'],
    ['StartRestore', 'CleanupDrill', '$.drillError'],
    ['PollRestore', 'CleanupDrill', '$.drillError'],
    ['VerifyRestore', 'CleanupDrill', '$.drillError'],
    ['ContinueDeepCheck', 'CleanupDrill', '$.drillError'],
    ['CleanupDrill', 'RecordDrill', '$.cleanupError'],
    ['RecordDrill', 'RecordCollectionResult', '$.recordDrillError'],
    ['RecordCollectionResult', 'ResultNotRecorded', '$.recordError'],
  ])('catches every error of %s into %s at %s', (name, next, resultPath) => {
    expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: next, ResultPath: resultPath }]);
  });

  it('lets PrepareRun fail the execution (without a plan there is nothing to carry on with), and catches BuildReport into a minimal FAILED report', () => {
    expect(state('PrepareRun').Catch).toBeUndefined();
    expect(state('BuildReport').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.reportError', Next: 'ReportNotBuilt' },
    ]);
    expect(state('ReportNotBuilt')).toMatchObject({ Type: 'Pass', Next: 'PublishReport' });
    // Only fields every run context has: a path that is not there would fail the Pass state itself.
    const paths = JSON.stringify(state('ReportNotBuilt').Parameters).match(/\$\.run\.[a-zA-Z.]+/g) ?? [];
    expect([...new Set(paths)].sort()).toEqual(
      [
        '$.run.deployment.cluster',
        '$.run.deployment.id',
        '$.run.dryRun',
        '$.run.markerSchedule',
        '$.run.mode',
        '$.run.runId',
        '$.run.startedAt',
        '$.run.trigger',
      ].sort(),
    );
  });

  it('adds each step result under its own path, as docs/architecture.md describes', () => {
    const paths = Object.fromEntries(lambdaTasks().map((n) => [n, state(n).ResultPath]));
    expect(paths).toEqual({
      PrepareRun: undefined,
      Flush: '$.flush',
      CheckFlush: '$.flushState',
      CreateSnapshot: '$.backup',
      EnforceRetention: '$.retention',
      ChooseSnapshot: '$.drillSource',
      SweepOrphans: '$.orphans',
      StartRestore: '$.restore',
      PollRestore: '$.poll',
      VerifyRestore: '$.verification',
      ContinueDeepCheck: '$.verification',
      SwitchOver: '$.switchover',
      CleanupDrill: '$.cleanup',
      RecordDrill: '$.drill',
      RecordCollectionResult: undefined,
      BuildReport: undefined,
    });
    // BuildReport keeps only what is published: the state stays small whatever the run's size.
    expect(state('BuildReport').ResultSelector).toEqual({ 'published.$': '$' });
  });

  it('gives every Choice a Default', () => {
    const choices = [...states].filter(([, s]) => s.Type === 'Choice');
    expect(choices.map(([n]) => n).sort()).toEqual(
      [
        'DrillAfterBackup?',
        'Flushed?',
        'RestoreDone?',
        'RouteCollection',
        'RunFailed?',
        'SwitchedOver?',
        'VerificationDone?',
      ].sort(),
    );
    for (const [name, choice] of choices) expect(choice.Default, name).toBeDefined();
  });

  it('leaves the flush loop on a timeout, and on anything unexpected', () => {
    const choice = state('Flushed?');
    expect(choice.Choices).toEqual([
      { Variable: '$.flushState.flushed', BooleanEquals: true, Next: 'CreateSnapshot' },
      { Variable: '$.flushState.timedOut', BooleanEquals: true, Next: 'RecordCollectionResult' },
      { Variable: '$.flushState.timedOut', BooleanEquals: false, Next: 'WaitForFlush' },
    ]);
    expect(choice.Default).toBe('RecordCollectionResult');
    expect(state('WaitForFlush')).toMatchObject({
      SecondsPath: '$.run.flush.pollSeconds',
      Next: 'CheckFlush',
    });
  });

  it('leaves the restore poll loop on failure and timeout through the cleanup, and waits as the poll says', () => {
    const choice = state('RestoreDone?');
    expect(choice.Choices).toEqual([
      { Variable: '$.poll.decision', StringEquals: 'completed', Next: 'VerifyRestore' },
      { Variable: '$.poll.decision', StringEquals: 'wait', Next: 'WaitBeforeNextPoll' },
      { Variable: '$.poll.decision', StringEquals: 'failed', Next: 'CleanupDrill' },
      { Variable: '$.poll.decision', StringEquals: 'timedOut', Next: 'CleanupDrill' },
    ]);
    expect(choice.Default).toBe('CleanupDrill');
    expect(state('WaitBeforeFirstPoll')).toMatchObject({
      SecondsPath: '$.restore.firstWaitSeconds',
      Next: 'PollRestore',
    });
    expect(state('WaitBeforeNextPoll')).toMatchObject({
      SecondsPath: '$.poll.waitSeconds',
      Next: 'PollRestore',
    });
    expect(state('WaitForLoad')).toMatchObject({
      SecondsPath: '$.verification.waitSeconds',
      Next: 'ContinueDeepCheck',
    });
  });

  it('has no loop without a way out: every cycle passes a Choice whose Default leaves it', () => {
    const processor = state('Collections').ItemProcessor;
    if (!processor) throw new Error('no item processor');
    const graph = new Map(Object.entries(processor.States));
    const successors = (s: AslState) =>
      [
        s.Next,
        s.Default,
        ...(s.Choices ?? []).map((c) => c.Next),
        ...(s.Catch ?? []).map((c) => c.Next),
      ].filter((n): n is string => n !== undefined);
    const cycles: string[][] = [];
    const visit = (name: string, path: string[]) => {
      const at = path.indexOf(name);
      if (at >= 0) {
        cycles.push(path.slice(at));
        return;
      }
      const s = graph.get(name);
      if (s) for (const next of new Set(successors(s))) visit(next, [...path, name]);
    };
    visit(processor.StartAt, []);
    expect(cycles.length).toBeGreaterThanOrEqual(3);
    for (const cycle of cycles) {
      const exits = cycle.filter((n) => {
        const s = graph.get(n);
        return s?.Type === 'Choice' && s.Default !== undefined && !cycle.includes(s.Default);
      });
      expect(exits, cycle.join(' → ')).not.toHaveLength(0);
    }
  });

  it('routes a dry run and a set-aside original to retention only, a drill or a restore to the drill chain, a full run to the drill after the backup', () => {
    // Guarded by IsPresent: items stored before selections have none, and a missing path fails a Choice.
    const setAside = {
      And: [
        { Variable: '$.target.selection.by', IsPresent: true },
        { Variable: '$.target.selection.by', StringEquals: 'set-aside' },
      ],
    };
    expect(state('RouteCollection')).toMatchObject({
      Choices: [
        { Variable: '$.run.dryRun', BooleanEquals: true, Next: 'EnforceRetention' },
        { ...setAside, Next: 'EnforceRetention' },
        {
          Or: [
            { Variable: '$.run.mode', StringEquals: 'drill' },
            { Variable: '$.run.mode', StringEquals: 'restore' },
          ],
          Next: 'ChooseSnapshot',
        },
        {
          Or: [
            { Variable: '$.run.mode', StringEquals: 'backup' },
            { Variable: '$.run.mode', StringEquals: 'full' },
          ],
          Next: 'Flush',
        },
      ],
      Default: 'RecordCollectionResult',
    });
    expect(state('DrillAfterBackup?')).toMatchObject({
      Choices: [
        { ...setAside, Next: 'RecordCollectionResult' },
        {
          And: [
            { Variable: '$.run.mode', StringEquals: 'full' },
            { Variable: '$.run.dryRun', BooleanEquals: false },
          ],
          Next: 'ChooseSnapshot',
        },
      ],
      Default: 'RecordCollectionResult',
    });
  });

  it('switches an operator restore over only once it verified, and waits for its load in a bounded loop', () => {
    expect(state('VerificationDone?')).toMatchObject({
      Choices: [
        { Variable: '$.verification.deepPending', BooleanEquals: true, Next: 'WaitForLoad' },
        {
          And: [
            { Variable: '$.run.mode', StringEquals: 'restore' },
            { Variable: '$.verification.verified', BooleanEquals: true },
          ],
          Next: 'SwitchOver',
        },
        { Variable: '$.verification.deepPending', BooleanEquals: false, Next: 'CleanupDrill' },
      ],
      Default: 'CleanupDrill',
    });
    expect(state('SwitchedOver?')).toMatchObject({
      Choices: [{ Variable: '$.switchover.pending', BooleanEquals: true, Next: 'WaitForRestoredLoad' }],
      Default: 'CleanupDrill',
    });
    expect(state('SwitchOver').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.drillError', Next: 'CleanupDrill' },
    ]);
  });

  it('ends by publishing the report to SNS with status and mode attributes, and on the default bus', () => {
    expect(state('PublishReport')).toMatchObject({
      Resource: 'arn:aws:states:::sns:publish',
      ResultPath: null,
      Parameters: {
        TopicArn: `arn:aws:sns:local:000000000000:${logicalId(stack.scheduler.reportTopic)}`,
        'Subject.$': '$.published.subject',
        'Message.$': '$.published.message',
        MessageAttributes: {
          status: { DataType: 'String', 'StringValue.$': '$.published.status' },
          mode: { DataType: 'String', 'StringValue.$': '$.published.mode' },
        },
      },
      Next: 'EmitRunEvent',
    });
    expect(state('EmitRunEvent')).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents',
      ResultPath: null,
      Parameters: {
        Entries: [
          { 'Detail.$': '$.published.event', DetailType: RUN_EVENT.detailType, Source: RUN_EVENT.source },
        ],
      },
      Next: 'RunFailed?',
    });
    expect(JSON.stringify(state('EmitRunEvent'))).not.toContain('EventBusName');
  });

  it('fails the execution when the report says FAILED, so the failed-executions alarm fires', () => {
    expect(state('RunFailed?')).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.published.status', StringEquals: 'FAILED', Next: 'RunFailed' }],
      Default: 'RunSucceeded',
    });
    expect(state('RunFailed')).toEqual({
      Type: 'Fail',
      Error: 'RunFailed',
      CausePath: '$.published.subject',
    });
    expect(state('RunSucceeded')).toEqual({ Type: 'Succeed' });
  });

  it('never writes "ResultPath": "$", which aws-local-stepfunctions misreads', () => {
    expect([...states.values()].map((s) => s.ResultPath)).not.toContain('$');
  });

  it('names every state the local runner and the docs rely on', () => {
    expect([...states.keys()].sort()).toEqual(Object.values(RunState).sort());
    expect(STEP_NAMES.every((s) => STEP_CATALOG[s].state === s)).toBe(true);
  });
});
