import { describe, expect, it } from 'vitest';
import {
  EmulatorOptionsError,
  EmulatorStartError,
  FaultPlanError,
  type MilvusEmulatorOptions,
  startMilvusEmulator,
} from '../../emulator';

describe('startMilvusEmulator', () => {
  it('listens on 127.0.0.1 and a free port by default, and stops idempotently', async () => {
    // Act
    const emulator = await startMilvusEmulator();
    await emulator.stop();
    await emulator.stop();

    // Assess
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.address).toBe(`127.0.0.1:${emulator.port}`);
  });

  it.each([
    [{ port: -1 }, 'port must be an integer from 0 to 65535, got -1'],
    [{ port: 70_000 }, 'port must be an integer from 0 to 65535, got 70000'],
    [{ host: ' ' }, 'host must not be empty'],
    [{ token: '' }, 'token must not be empty'],
    [
      { restoreJobRetentionMs: -1 },
      'restoreJobRetentionMs must be a finite number of milliseconds >= 0, got -1',
    ],
    [
      { pinReleaseLagMs: Number.NaN },
      'pinReleaseLagMs must be a finite number of milliseconds >= 0, got NaN',
    ],
  ] satisfies [MilvusEmulatorOptions, string][])('refuses %j', async (options, message) => {
    // Act
    const attempt = startMilvusEmulator(options);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmulatorOptionsError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses an invalid fault plan before listening', async () => {
    // Act
    const attempt = startMilvusEmulator({ faults: { rules: [{ method: 'Flush', times: -1 }] } });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(FaultPlanError);
  });

  it('reports a port already in use', async () => {
    // Prepare
    const first = await startMilvusEmulator();

    try {
      // Act
      const second = startMilvusEmulator({ port: first.port });

      // Assess
      await expect(second).rejects.toBeInstanceOf(EmulatorStartError);
      await expect(second).rejects.toThrow(`could not listen on 127.0.0.1:${first.port}`);
    } finally {
      await first.stop();
    }
  });
});
