import { describe, expect, it } from 'vitest';
import {
  LOCAL_MAP_RESOURCE,
  LOCAL_WAIT_RESOURCE,
  prepareLocalDefinition,
  readPath,
  WAIT_TIMEOUT_SECONDS,
  waitSeconds,
} from '../../local/local-definition';

const source = {
  StartAt: 'Poll',
  TimeoutSeconds: 3600,
  States: {
    Poll: { Type: 'Task', Resource: 'arn:fn', Next: 'Done?' },
    'Done?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.poll.decision', StringEquals: 'wait', Next: 'WaitBeforeNextPoll' }],
      Default: 'End',
    },
    WaitBeforeNextPoll: { Type: 'Wait', SecondsPath: '$.poll.waitSeconds', Comment: 'backoff', Next: 'Poll' },
    End: { Type: 'Succeed' },
  },
};

describe('prepareLocalDefinition', () => {
  it('turns Wait states into local timer tasks and keeps everything else', () => {
    // Act
    const local = prepareLocalDefinition(source, 10);

    // Assess
    expect(local.definition.States.WaitBeforeNextPoll).toEqual({
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      Comment: 'backoff',
      Next: 'Poll',
      TimeoutSeconds: WAIT_TIMEOUT_SECONDS,
    });
    expect(local.waits.get('WaitBeforeNextPoll')).toEqual({ SecondsPath: '$.poll.waitSeconds' });
    expect(local.definition.States['Done?']).toEqual(source.States['Done?']);
    expect([...local.tasks.keys()]).toEqual(['Poll']);
    expect(source.States.WaitBeforeNextPoll.Type).toBe('Wait'); // the input is not modified
    expect(WAIT_TIMEOUT_SECONDS * 1000).toBeLessThan(2 ** 31); // setTimeout fires at once above that
  });

  it('turns a Distributed Map into a local Map Run task that keeps its paths, Catch and transitions', () => {
    // Prepare
    const map = {
      StartAt: 'Items',
      States: {
        Items: {
          Type: 'Map',
          Label: 'Items',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            Parameters: { Bucket: 'b', 'Key.$': '$.key' },
          },
          ItemSelector: { 'item.$': '$$.Map.Item.Value' },
          MaxConcurrency: 3,
          ToleratedFailureCount: 2,
          ResultWriter: {
            Resource: 'arn:aws:states:::s3:putObject',
            Parameters: { Bucket: 'b', Prefix: 'p' },
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Pause',
            States: {
              Pause: { Type: 'Wait', Seconds: 5, Next: 'Work' },
              Work: { Type: 'Task', Resource: 'arn:fn', End: true },
            },
          },
          ResultPath: '$.map',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'End' }],
          Next: 'End',
        },
        End: { Type: 'Succeed' },
      },
    };

    // Act
    const local = prepareLocalDefinition(map, 10);

    // Assess
    expect(local.definition.States.Items).toEqual({
      Type: 'Task',
      Resource: LOCAL_MAP_RESOURCE,
      TimeoutSeconds: WAIT_TIMEOUT_SECONDS,
      ResultPath: '$.map',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'End' }],
      Next: 'End',
    });
    expect(local.maps.get('Items')).toEqual({
      stateName: 'Items',
      label: 'Items',
      itemReader: map.States.Items.ItemReader,
      itemSelector: map.States.Items.ItemSelector,
      maxConcurrency: 3,
      toleratedFailureCount: 2,
      resultWriter: map.States.Items.ResultWriter,
      // The item processor is prepared too: its Wait is a local timer.
      processor: {
        StartAt: 'Pause',
        States: {
          Pause: {
            Type: 'Task',
            Resource: LOCAL_WAIT_RESOURCE,
            TimeoutSeconds: WAIT_TIMEOUT_SECONDS,
            Next: 'Work',
          },
          Work: { Type: 'Task', Resource: 'arn:fn', End: true },
        },
      },
    });
    expect([...local.tasks.keys()]).toEqual(['Work']);
    expect([...local.waits.keys()]).toEqual(['Pause']);
  });

  it('converts the overall timeout from run time to real time', () => {
    // One hour of run time at 10 real ms per run second is 36 s, plus a minute of slack.
    expect(prepareLocalDefinition(source, 10).definition.TimeoutSeconds).toBe(96);
    expect(prepareLocalDefinition(source, 1000).definition.TimeoutSeconds).toBe(3660);
  });
});

describe('waitSeconds', () => {
  it('reads Seconds, SecondsPath and timestamps', () => {
    expect(waitSeconds({ Seconds: 5 }, {}, 0)).toBe(5);
    expect(waitSeconds({ SecondsPath: '$.poll.waitSeconds' }, { poll: { waitSeconds: 40 } }, 0)).toBe(40);
    expect(waitSeconds({ TimestampPath: '$.at' }, { at: '1970-01-01T00:01:00Z' }, 30_000)).toBe(30);
  });

  it('refuses what Step Functions would refuse', () => {
    expect(() => waitSeconds({ SecondsPath: '$.w' }, { w: -1 }, 0)).toThrow(/non-negative integer, got -1/);
    expect(() => waitSeconds({ SecondsPath: '$.w' }, {}, 0)).toThrow(/got undefined/);
  });
});

describe('readPath', () => {
  it('follows fields and indexes', () => {
    expect(readPath({ a: [{ b: 7 }] }, '$.a[0].b')).toBe(7);
    expect(readPath({ a: 1 }, '$')).toEqual({ a: 1 });
    expect(readPath({ a: 1 }, '$.x.y')).toBeUndefined();
  });
});
