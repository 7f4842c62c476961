import { describe, expect, it } from 'vitest';
import {
  describeRetentionPolicy,
  InvalidRetentionPolicyError,
  parseRetentionPolicy,
  retentionPolicySchema,
} from '../../../functions/shared/retention-policy';

/** Messages of a refused policy, each prefixed with its field path. */
function problems(input: unknown): string[] {
  const result = retentionPolicySchema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('retentionPolicySchema', () => {
  it('applies the defaults: timezone UTC and minKeep 1', () => {
    // Act
    const policy = retentionPolicySchema.parse({ keepDaily: 7 });

    // Assess
    expect(policy).toEqual({ keepDaily: 7, timezone: 'UTC', minKeep: 1 });
  });

  it('keeps a timezone and minKeep that are set', () => {
    // Act
    const policy = retentionPolicySchema.parse({ keepDaily: 7, timezone: 'Europe/Paris', minKeep: 3 });

    // Assess
    expect(policy).toEqual({ keepDaily: 7, timezone: 'Europe/Paris', minKeep: 3 });
  });

  it.each([
    ['30d', '30d'],
    ['12h', '12h'],
    ['2w', '14d'],
    ['1y6m', '1y6m'],
    ['1y2m3d4h', '1y2m3d4h'],
    ['1w2d', '9d'],
    ['P30D', '30d'],
    ['PT12H', '12h'],
    ['P1Y6M', '1y6m'],
    ['P2W', '14d'],
    ['P1DT12H', '1d12h'],
    ['PT36H', '36h'],
  ])('normalises keepWithin %s to %s', (input, normalised) => {
    // Act
    const policy = retentionPolicySchema.parse({ keepWithin: input });

    // Assess
    expect(policy.keepWithin).toBe(normalised);
  });

  it.each([
    '30 days',
    '30',
    'd',
    '30D',
    'p30d',
    'P',
    'PT',
    'PT30M',
    'P1DT1S',
    '1.5d',
    '-1d',
    '1d1y',
    '100001d',
  ])('refuses keepWithin %j, naming the field and the value', (input) => {
    // Act
    const messages = problems({ keepWithin: input });

    // Assess
    expect(messages).toEqual([
      expect.stringContaining(`keepWithin: keepWithin must be a duration like "30d"`),
    ]);
    expect(messages[0]).toContain(`got ${JSON.stringify(input)}`);
  });

  it('parses its own output to the same policy (a parsed policy travels between steps as JSON)', () => {
    // Prepare
    const once = retentionPolicySchema.parse({ keepDaily: 7, keepWithin: 'P1Y2W', timezone: 'Asia/Kolkata' });

    // Act
    const twice = retentionPolicySchema.parse(JSON.parse(JSON.stringify(once)));

    // Assess
    expect(twice).toEqual(once);
    expect(twice.keepWithin).toBe('1y14d');
  });

  it('treats a zero keepWithin as no keepWithin rule', () => {
    // Act
    const policy = retentionPolicySchema.parse({ keepLast: 1, keepWithin: '0d' });

    // Assess
    expect(policy.keepWithin).toBeUndefined();
  });

  it.each([
    [{ keepDaily: -1 }, 'keepDaily: keepDaily must be a whole number of 0 or more, got -1'],
    [{ keepWeekly: 1.5 }, 'keepWeekly: keepWeekly must be a whole number of 0 or more, got 1.5'],
    [{ keepLast: '3' }, 'keepLast: keepLast must be a whole number of 0 or more, got "3"'],
    [{ keepLast: 1, minKeep: 0 }, 'minKeep: minKeep must be a whole number of 1 or more, got 0'],
    [
      { keepLast: 1, timezone: 'Mars/Olympus' },
      'timezone: timezone must be an IANA time zone name such as "Europe/Paris" or "UTC", got "Mars/Olympus"',
    ],
    [
      // luxon would read "local" as the machine's zone: the plan would depend on where it runs
      { keepLast: 1, timezone: 'local' },
      'timezone: timezone must be an IANA time zone name such as "Europe/Paris" or "UTC", got "local"',
    ],
  ])('refuses %j with the field and the value', (input, message) => {
    // Act
    const messages = problems(input);

    // Assess
    expect(messages).toEqual([message]);
  });

  it('refuses an unknown key, naming it (a typo must not silently drop a rule)', () => {
    // Act
    const messages = problems({ keepDaily: 7, keepMontly: 12 });

    // Assess
    expect(messages).toEqual([expect.stringMatching(/^: the retention policy has unknown key "keepMontly"/)]);
  });

  it.each([{}, { keepLast: 0, keepDaily: 0, keepWithin: '0h' }, { timezone: 'Europe/Paris', minKeep: 5 }])(
    'refuses %j, which has no keep rule, and says to set one',
    (input) => {
      // Act
      const messages = problems(input);

      // Assess
      expect(messages).toEqual([
        expect.stringContaining(
          'has no keep rule, so it would drop every snapshot: set at least one of keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin',
        ),
      ]);
    },
  );

  it('refuses something that is not an object', () => {
    // Act
    const messages = problems('keep everything');

    // Assess
    expect(messages).toEqual([
      expect.stringMatching(/^: the retention policy must be an object .*, got "keep everything"$/),
    ]);
  });
});

function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseRetentionPolicy', () => {
  it('throws InvalidRetentionPolicyError locating every problem under the given root', () => {
    // Act
    const error = thrownBy(() =>
      parseRetentionPolicy({ keepDaily: -1, timezone: 'Nowhere' }, '$.collections[2].retention'),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidRetentionPolicyError);
    expect(error).toMatchObject({
      name: 'InvalidRetentionPolicyError',
      issues: [
        { path: '$.collections[2].retention.keepDaily', message: expect.stringContaining('got -1') },
        { path: '$.collections[2].retention.timezone', message: expect.stringContaining('got "Nowhere"') },
      ],
    });
  });

  it('locates an unknown key at the key itself', () => {
    // Act
    const act = () => parseRetentionPolicy({ keepDaily: 1, keepDialy: 7 });

    // Assess
    expect(act).toThrow(
      /^invalid retention policy: \$\.keepDialy: the retention policy has unknown key "keepDialy"/,
    );
  });
});

describe('describeRetentionPolicy', () => {
  it('renders every rule, the zone and minKeep on one line', () => {
    // Prepare
    const policy = retentionPolicySchema.parse({
      keepLast: 3,
      keepDaily: 7,
      keepWeekly: 4,
      keepMonthly: 12,
      keepWithin: '2d',
      timezone: 'Europe/Paris',
    });

    // Act
    const summary = describeRetentionPolicy(policy);

    // Assess
    expect(summary).toBe('keep last 3, 7 daily, 4 weekly, 12 monthly, within 2d (Europe/Paris), at least 1');
  });

  it('leaves out rules set to zero', () => {
    // Act
    const summary = describeRetentionPolicy(
      retentionPolicySchema.parse({ keepLast: 0, keepHourly: 24, keepYearly: 5, minKeep: 2 }),
    );

    // Assess
    expect(summary).toBe('keep 24 hourly, 5 yearly (UTC), at least 2');
  });
});
