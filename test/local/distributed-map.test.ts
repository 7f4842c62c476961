import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lib/state-machine/synthesized-definition';
import { prepareLocalDefinition } from '../../local/local-definition';
import { executeLocally, type LocalRunEvent } from '../../local/run-local';
import { removeDir } from '../../local/runs-dir';

const BUCKET = 'arn:aws:local:local:000000000000:ReportsBucket';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distributed-map-'));
});
afterEach(() => removeDir(dir));

/** A Distributed Map over `$.items` whose children run one task, `Work`, with their item. */
function mapDefinition(map: Record<string, unknown>): StateMachineDefinition {
  return {
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'tag.$': '$.tag' },
        ItemProcessor: {
          // (ProcessorConfig is a Map field the definition type does not list.)
          ...({ ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } } as object),
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:lambda:local:000000000000:function:Work',
              Parameters: {
                'input.$': '$',
                'execution.$': '$$.Execution.Name',
                'machine.$': '$$.StateMachine.Name',
              },
              End: true,
            },
          },
        },
        Label: 'Items',
        ResultPath: '$.results',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'Done' }],
        Next: 'Done',
        ...map,
      },
      Done: { Type: 'Succeed' },
    },
  };
}

async function run(
  definition: StateMachineDefinition,
  work: (input: { input: { item: number }; execution: string; machine: string }) => Promise<unknown>,
  input: unknown,
) {
  const events: LocalRunEvent[] = [];
  const result = await executeLocally({
    synthesized: { definition, tasks: {}, serviceTasks: { publishReport: '-', emitRunEvent: '-' } },
    local: prepareLocalDefinition(definition, 0),
    input,
    handlers: { Work: work as never },
    runId: 'exec-1',
    startTime: '2031-03-09T03:00:00.000Z',
    reportsDir: dir,
    now: () => Date.parse('2031-03-09T03:00:00.000Z'),
    onEvent: (e) => events.push(e),
  });
  return { ...result, events };
}

const items = (n: number) => ({ tag: 't', items: Array.from({ length: n }, (_, i) => i) });
const failOn =
  (...bad: number[]) =>
  async ({ input }: { input: { item: number } }) => {
    if (bad.includes(input.item))
      throw Object.assign(new Error(`item ${input.item} is bad`), { name: 'BadItem' });
    return { done: input.item };
  };

describe('a Distributed Map, run locally as Step Functions runs it', () => {
  it('runs each item as its own child execution: its own input, execution name and state machine', async () => {
    const seen: { input: unknown; execution: string; machine: string }[] = [];
    const result = await run(
      mapDefinition({}),
      async (i) => {
        seen.push(i);
        return i.input;
      },
      items(3),
    );
    expect(seen.map((s) => s.input)).toEqual([
      { item: 0, index: 0, tag: 't' },
      { item: 1, index: 1, tag: 't' },
      { item: 2, index: 2, tag: 't' },
    ]);
    expect(new Set(seen.map((s) => s.execution)).size).toBe(3);
    expect(seen[0]?.machine).toBe('MilvusSnapshotScheduler/Items');
    expect(result.output).toEqual({ ...items(3), results: seen.map((s) => s.input) });
    // The run's own history has the Map as one state; the children's events went to onEvent only.
    expect(result.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'StateEntered',
      'StateExited',
      'StateEntered',
      'StateExited',
      'ExecutionSucceeded',
    ]);
    expect(result.events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(3);
  });

  it('never runs more children at once than MaxConcurrency', async () => {
    let running = 0;
    let most = 0;
    await run(
      mapDefinition({ MaxConcurrency: 2 }),
      async (i) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return i.input;
      },
      items(7),
    );
    expect(most).toBe(2);
  });

  it("returns a failed child's execution metadata in its place when failures are tolerated", async () => {
    const result = await run(mapDefinition({ ToleratedFailurePercentage: 100 }), failOn(1), items(3));
    const results = (result.output as { results: unknown[] }).results;
    expect(results[0]).toEqual({ done: 0 });
    expect(results[1]).toEqual({
      Cause: 'item 1 is bad',
      Error: 'BadItem',
      ExecutionArn: expect.stringMatching(
        /^arn:aws:states:local:000000000000:execution:MilvusSnapshotScheduler\/Items:[0-9a-f-]{36}$/,
      ),
      Input: JSON.stringify({ item: 1, index: 1, tag: 't' }),
      InputDetails: { Included: true },
      Name: expect.stringMatching(/^[0-9a-f-]{36}$/),
      RedriveCount: 0,
      StartDate: '2031-03-09T03:00:00.000Z',
      StateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:MilvusSnapshotScheduler/Items',
      Status: 'FAILED',
      StopDate: '2031-03-09T03:00:00.000Z',
    });
    expect(result.mapRuns[0]?.counts).toEqual({
      total: 3,
      pending: 0,
      running: 0,
      succeeded: 2,
      failed: 1,
      aborted: 0,
    });
  });

  it('fails the Map with States.ExceedToleratedFailureThreshold past ToleratedFailureCount (a catchable error)', async () => {
    const result = await run(
      mapDefinition({ ToleratedFailureCount: 1, MaxConcurrency: 1 }),
      failOn(0, 1),
      items(5),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect((result.output as { mapError: unknown }).mapError).toEqual({
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded: 2 of 5 child executions failed',
    });
    // It stops there: the items after the second failure never start.
    expect(result.mapRuns[0]?.counts).toMatchObject({ failed: 2, succeeded: 0, pending: 3 });
  });

  it('tolerates no failure at all by default, and counts ToleratedFailurePercentage against all the items', async () => {
    const strict = await run(mapDefinition({ MaxConcurrency: 1 }), failOn(2), items(4));
    expect((strict.output as { mapError: { Error: string } }).mapError.Error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
    // 1 failure of 4 is 25 %: tolerated at 25, not at 20.
    const at25 = await run(mapDefinition({ ToleratedFailurePercentage: 25 }), failOn(2), items(4));
    expect(at25.output).not.toHaveProperty('mapError');
    const at20 = await run(mapDefinition({ ToleratedFailurePercentage: 20 }), failOn(2), items(4));
    expect(at20.output).toHaveProperty('mapError');
  });

  it('reads the items from a JSON file in the bucket and writes the results where a ResultWriter writes them', async () => {
    // Prepare: the list in the local bucket, as PrepareRun stores it.
    writeFileSync(join(dir, 'list.json'), JSON.stringify([10, 11, 12]));
    const definition = mapDefinition({
      ItemsPath: undefined,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: BUCKET, 'Key.$': '$.key' },
      },
      ToleratedFailurePercentage: 100,
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: BUCKET, Prefix: 'out' },
      },
    });

    // Act
    const result = await run(definition, failOn(11), { tag: 't', key: 'list.json' });

    // Assess: the Map's output says where; the manifest lists one file per status.
    const { results } = result.output as {
      results: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    };
    const runId = results.MapRunArn.split(':').at(-1);
    expect(results).toEqual({
      MapRunArn: expect.stringMatching(
        /^arn:aws:states:local:000000000000:mapRun:MilvusSnapshotScheduler\/Items:/,
      ),
      ResultWriterDetails: { Bucket: BUCKET, Key: `out/${runId}/manifest.json` },
    });
    const read = (key: string) => JSON.parse(readFileSync(join(dir, key), 'utf8'));
    const manifest = read(results.ResultWriterDetails.Key);
    expect(manifest).toEqual({
      DestinationBucket: BUCKET,
      MapRunArn: results.MapRunArn,
      ResultFiles: {
        FAILED: [{ Key: `out/${runId}/FAILED_0.json`, Size: expect.any(Number) }],
        PENDING: [],
        SUCCEEDED: [{ Key: `out/${runId}/SUCCEEDED_0.json`, Size: expect.any(Number) }],
      },
    });
    const succeeded = read(`out/${runId}/SUCCEEDED_0.json`);
    expect(succeeded.map((e: { Output: string }) => JSON.parse(e.Output))).toEqual([
      { done: 10 },
      { done: 12 },
    ]);
    expect(succeeded[0]).toMatchObject({ Status: 'SUCCEEDED', OutputDetails: { Included: true } });
    expect(read(`out/${runId}/FAILED_0.json`)).toEqual([
      expect.objectContaining({ Error: 'BadItem', Cause: 'item 11 is bad', Status: 'FAILED' }),
    ]);
  });

  it('fails with States.ItemReaderFailed when the list is not in the bucket', async () => {
    const definition = mapDefinition({
      ItemsPath: undefined,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: BUCKET, Key: 'missing.json' },
      },
    });
    const result = await run(definition, failOn(), {});
    expect((result.output as { mapError: { Error: string } }).mapError.Error).toBe('States.ItemReaderFailed');
  });
});
