import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../lib/state-machine/synthesized-definition';
import { prepareLocalDefinition } from '../../local/local-definition';
import { executeLocally } from '../../local/run-local';
import { MAX_PAYLOAD_BYTES } from '../../local/strict-execution';

/** Runs a hand-written definition on the local engine, with these task handlers. */
async function run(
  definition: StateMachineDefinition,
  handlers: Record<string, (input: unknown) => Promise<unknown>>,
  input: unknown = {},
) {
  return executeLocally({
    synthesized: { definition, tasks: {}, serviceTasks: { publishReport: '-', emitRunEvent: '-' } },
    local: prepareLocalDefinition(definition, 0),
    input,
    handlers: handlers as never,
    runId: 'exec-1',
    startTime: '2031-03-09T03:00:00.000Z',
    reportsDir: '/nonexistent',
    now: () => Date.parse('2031-03-09T03:00:00.000Z'),
  });
}

/** A JSON string value of exactly `bytes` bytes once serialised with its quotes. */
const ofBytes = (bytes: number) => 'x'.repeat(bytes - 2);

const task = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:lambda:local:000000000000:function:Big',
  Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3, IntervalSeconds: 0 }],
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
  End: true,
  ...extra,
});
const withCatch = (big: Record<string, unknown>): StateMachineDefinition => ({
  StartAt: 'Big',
  States: { Big: { Type: 'Task', ...big }, Caught: { Type: 'Succeed' } },
});

describe('the payload quota (256 KiB), as Step Functions enforces it', () => {
  it('fails a task whose result is over 256 KiB with States.DataLimitExceeded, past its Retry and its Catch', async () => {
    // Prepare
    let calls = 0;
    const handlers = {
      Big: async () => {
        calls += 1;
        return ofBytes(MAX_PAYLOAD_BYTES + 1);
      },
    };

    // Act
    const result = await run(withCatch(task()), handlers);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toEqual({
      name: 'States.DataLimitExceeded',
      cause: expect.stringContaining(
        "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit.",
      ),
    });
    expect(calls).toBe(1);
    expect(result.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'StateEntered',
      'StateFailed',
      'ExecutionFailed',
    ]);
  });

  it('accepts a payload of exactly 262,144 bytes, and remembers it as the largest', async () => {
    const result = await run(withCatch(task({ ResultPath: null })), {
      Big: async () => ofBytes(MAX_PAYLOAD_BYTES),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.largestPayload).toEqual({
      bytes: MAX_PAYLOAD_BYTES,
      state: 'Big',
      kind: 'result',
      execution: 'exec-1',
    });
  });

  it("fails a state whose output is over 256 KiB though its task's result is not", async () => {
    // 200 KB of input kept beside a 100 KB result: the output, not the result, is over.
    const result = await run(
      withCatch(task({ ResultPath: '$.result' })),
      { Big: async () => ofBytes(100_000) },
      { kept: ofBytes(200_000) },
    );
    expect(result.error).toMatchObject({
      name: 'States.DataLimitExceeded',
      cause: expect.stringContaining("The state/task 'Big' has an output with a size exceeding"),
    });
  });

  it('fails a task whose input, after Parameters, is over 256 KiB, before its handler runs', async () => {
    let called = false;
    const result = await run(
      withCatch(task({ Parameters: { 'a.$': '$.half', 'b.$': '$.half' } })),
      {
        Big: async () => {
          called = true;
          return {};
        },
      },
      { half: ofBytes(140_000) },
    );
    expect(result.error).toMatchObject({
      name: 'States.DataLimitExceeded',
      cause: expect.stringContaining('an input'),
    });
    expect(called).toBe(false);
  });
});

describe('the history quota (25,000 events), as Step Functions enforces it', () => {
  it('fails an execution whose history fills up with States.Runtime, past every Catch', async () => {
    // Each pass through the loop: Count (Task, 5 events), Again? (Choice, 2 events).
    const loop: StateMachineDefinition = {
      StartAt: 'Count',
      States: {
        Count: { Type: 'Task', Resource: 'arn:aws:lambda:local:000000000000:function:Big', Next: 'Again?' },
        'Again?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.stop', BooleanEquals: true, Next: 'Caught' }],
          Default: 'Count',
        },
        Caught: { Type: 'Succeed' },
      },
    };
    let calls = 0;
    const result = await run(loop, {
      Count: async () => {
        calls += 1;
        return { stop: false };
      },
    });
    expect(result.error).toEqual({
      name: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    expect(result.longestHistory).toEqual({ execution: 'exec-1', events: 25_000 });
    // 2 execution events + 7 per pass: the pass that would go past 25,000 is refused.
    expect(calls).toBe(Math.floor((25_000 - 2) / 7));
  });
});
