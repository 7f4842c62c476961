import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../../emulator/fault-controller';

describe('FaultEngine', () => {
  it('lets everything through with no plan', () => {
    // Act
    const decision = new FaultEngine().decide('CreateSnapshot', ['orders']);

    // Assess
    expect(decision).toEqual({ latencyMs: 0 });
  });

  it('applies the first failure rule with calls left, consuming it', () => {
    // Prepare
    const engine = new FaultEngine({
      rules: [
        { method: 'CreateSnapshot', grpcStatus: 'UNAVAILABLE', times: 1 },
        { method: 'CreateSnapshot', milvusCode: 1100, reason: 'no', afterApply: true, times: 1 },
      ],
    });

    // Act
    const decisions = [1, 2, 3].map(() => engine.decide('CreateSnapshot', []).failure);

    // Assess
    expect(decisions).toEqual([
      {
        kind: 'grpc',
        status: 'UNAVAILABLE',
        afterApply: false,
        details: expect.stringContaining('UNAVAILABLE'),
      },
      { kind: 'milvus', code: 1100, reason: 'no', afterApply: true },
      undefined,
    ]);
    expect(engine.rules().map((r) => r.remaining)).toEqual([0, 0]);
  });

  it('adds the global latency and every matching latency rule', () => {
    // Prepare
    const engine = new FaultEngine({
      latencyMs: 20,
      rules: [
        { method: '*', latencyMs: 5 },
        { method: 'Flush', latencyMs: 300, times: 1 },
        { method: 'Query', latencyMs: 1_000 },
      ],
    });

    // Act
    const first = engine.decide('Flush', ['a']);
    const second = engine.decide('Flush', ['a']);

    // Assess
    expect(first.latencyMs).toBe(325);
    expect(second.latencyMs).toBe(25);
  });

  it('matches a rule collection against any of the request collections', () => {
    // Prepare
    const engine = new FaultEngine({ rules: [{ method: 'Flush', collection: 'b', grpcStatus: 'ABORTED' }] });

    // Act
    const other = engine.decide('Flush', ['a']);
    const among = engine.decide('Flush', ['a', 'b']);

    // Assess
    expect(other.failure).toBeUndefined();
    expect(among.failure).toMatchObject({ kind: 'grpc', status: 'ABORTED' });
  });

  it('picks the first matching restore entry, defaulting to completed with the default duration', () => {
    // Prepare
    const engine = new FaultEngine({
      restore: [
        { collection: 'orders', outcome: 'failed', reason: 'boom', durationMs: 10 },
        { outcome: 'stuck' },
      ],
    });

    // Act
    const orders = engine.restoreBehaviour('orders');
    const others = engine.restoreBehaviour('users');
    engine.clear();
    const cleared = engine.restoreBehaviour('orders');

    // Assess
    expect(orders).toEqual({ outcome: 'failed', reason: 'boom', durationMs: 10, keepFraction: 1 });
    expect(others).toEqual({ outcome: 'stuck', reason: undefined, durationMs: undefined, keepFraction: 1 });
    expect(cleared).toEqual({
      outcome: 'completed',
      reason: undefined,
      durationMs: undefined,
      keepFraction: 1,
    });
  });
});
