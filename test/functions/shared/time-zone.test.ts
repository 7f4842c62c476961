import { IANAZone } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isValidTimeZone } from '../../../functions/shared/time-zone';

describe('isValidTimeZone', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['Asia/Kolkata', true],
    ['Mars/Olympus', false],
    ['local', false],
    ['', false],
  ])('answers as luxon does for %j', (zone, valid) => {
    // Act & Assess
    expect(isValidTimeZone(zone)).toBe(valid);
    expect(isValidTimeZone(zone)).toBe(IANAZone.isValidZone(zone));
  });

  it('asks luxon once per name, however often it is asked', () => {
    // Prepare
    const luxon = vi.spyOn(IANAZone, 'isValidZone');

    // Act
    const answers = Array.from({ length: 50 }, () => [
      isValidTimeZone('America/Argentina/Ushuaia'),
      isValidTimeZone('Nowhere/Atlantis'),
    ]);

    // Assess
    expect(new Set(answers.map((a) => a.join()))).toEqual(new Set(['true,false']));
    expect(luxon).toHaveBeenCalledTimes(2);
  });

  it('stays right past the number of names it remembers', () => {
    // Prepare: more distinct names than the bound, valid and invalid ones alternating.
    const names = Array.from({ length: 600 }, (_, i) =>
      i % 2 === 0 ? `Invalid/Zone_${i}` : 'Europe/Berlin',
    );

    // Act
    const answers = names.map((name) => isValidTimeZone(name));

    // Assess
    expect(answers.every((valid, i) => valid === (i % 2 === 1))).toBe(true);
    expect(isValidTimeZone('Invalid/Zone_0')).toBe(false);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
  });
});
