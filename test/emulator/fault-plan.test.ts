import { describe, expect, it } from 'vitest';
import { FaultPlanError } from '../../emulator/errors';
import { faultPlanSchema, parseFaultPlan } from '../../emulator/fault-plan';

function problemsOf(input: unknown): string[] {
  try {
    parseFaultPlan(input);
  } catch (error) {
    if (error instanceof FaultPlanError) {
      return [...error.issues];
    }
    throw error;
  }
  return [];
}

describe('fault plan schema', () => {
  it('accepts the plan from the issue, unchanged', () => {
    // Prepare
    const plan = {
      latencyMs: 0,
      rules: [
        { method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', times: 2 },
        { method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', afterApply: true, times: 1 },
        { method: 'DropSnapshot', milvusCode: 2601, reason: 'snapshot is pinned', times: 1 },
        { method: 'Flush', latencyMs: 300 },
      ],
      restore: { outcome: 'completed', durationMs: 2000 },
    };

    // Act
    const parsed = parseFaultPlan(plan);

    // Assess
    expect(parsed).toEqual(plan);
  });

  it('accepts the extensions: a rule collection and per-collection restore entries', () => {
    // Act
    const parsed = faultPlanSchema.safeParse({
      rules: [{ method: '*', collection: 'orders', milvusCode: 65535 }],
      restore: [{ collection: 'orders', outcome: 'failed', reason: 'boom' }, { outcome: 'stuck' }],
    });

    // Assess
    expect(parsed.success).toBe(true);
  });

  it('accepts a lossy restore entry with a keepFraction from 0 up to (not including) 1', () => {
    // Act
    const parsed = parseFaultPlan({
      restore: [
        { collection: 'orders', outcome: 'lossy', keepFraction: 0.5 },
        { outcome: 'lossy', keepFraction: 0 },
      ],
    });

    // Assess
    expect(parsed.restore).toEqual([
      { collection: 'orders', outcome: 'lossy', keepFraction: 0.5 },
      { outcome: 'lossy', keepFraction: 0 },
    ]);
  });

  it.each([
    [{ outcome: 'lossy', keepFraction: 1 }, 'at least 0 and below 1, got 1'],
    [{ outcome: 'lossy', keepFraction: -0.1 }, 'at least 0 and below 1, got -0.1'],
    [{ outcome: 'lossy' }, 'a lossy restore needs keepFraction'],
    [
      { outcome: 'failed', keepFraction: 0.5 },
      'keepFraction applies only to outcome "lossy", got outcome "failed"',
    ],
    [{ keepFraction: 0.5 }, 'keepFraction applies only to outcome "lossy", got outcome "completed"'],
  ])('rejects the restore entry %j, saying %s', (entry, message) => {
    // Act
    const problems = problemsOf({ restore: [entry] });

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^restore\[0\]\.keepFraction: /);
    expect(problems[0]).toContain(message);
  });

  it('accepts unknown method names (a newer SDK may call methods this list does not know)', () => {
    // Assess
    expect(problemsOf({ rules: [{ method: 'SomeFutureRpc', grpcStatus: 'INTERNAL' }] })).toEqual([]);
  });

  it.each([
    [{ latencyMs: -1 }, 'latencyMs'],
    [{ rules: [{ method: 'Flush', times: -2 }] }, 'rules[0].times'],
    [{ rules: [{ method: 'Flush', latencyMs: 1.5 }] }, 'rules[0].latencyMs'],
    [{ rules: [{ method: 'Flush', grpcStatus: 'UNAVAILBLE' }] }, 'rules[0].grpcStatus'],
    [{ rules: [{ method: 'Flush', grpcStatus: 'OK' }] }, 'rules[0].grpcStatus'],
    [{ rules: [{ method: 'Flush', milvusCode: '2601' }] }, 'rules[0].milvusCode'],
    [{ rules: [{ method: '' }] }, 'rules[0].method'],
    [{ rules: [{ grpcStatus: 'INTERNAL' }] }, 'rules[0].method'],
    [{ rules: [{ method: 'Flush', afterAplly: true }] }, 'rules[0]'],
    [{ rules: [{ method: 'Flush', grpcStatus: 'INTERNAL', milvusCode: 5 }] }, 'rules[0].milvusCode'],
    [{ rules: [{ method: 'Flush', afterApply: true }] }, 'rules[0].afterApply'],
    [{ rules: [{ method: 'Flush', applyAfterMs: 100 }] }, 'rules[0].applyAfterMs'],
    [
      { rules: [{ method: 'Flush', applyAfterMs: -1, grpcStatus: 'DEADLINE_EXCEEDED' }] },
      'rules[0].applyAfterMs',
    ],
    [
      { rules: [{ method: 'Flush', grpcStatus: 'DEADLINE_EXCEEDED', applyAfterMs: 10, afterApply: true }] },
      'rules[0].applyAfterMs',
    ],
    [{ restore: { outcome: 'finished' } }, 'restore.outcome'],
    [{ restore: [{ outcome: 'failed' }, { durationMs: -5 }] }, 'restore[1].durationMs'],
    [{ rule: [] }, '(plan)'],
    ['not a plan', '(plan)'],
  ])('rejects %j, naming %s', (input, field) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.startsWith(field))).toBe(true);
  });

  it('names the source in the error message', () => {
    // Act
    const error = (() => {
      try {
        parseFaultPlan({ latencyMs: 'slow' }, 'fault plan ci/faults.json');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();

    // Assess
    expect(error?.message).toMatch(/^invalid fault plan ci\/faults\.json: latencyMs: /);
  });
});
