import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidInputError } from '../../../functions/shared/errors';
import { parseOrThrow } from '../../../functions/shared/validation';

const schema = z
  .object({ mode: z.enum(['backup', 'drill']), items: z.array(z.object({ n: z.number() })) })
  .strict();

describe('parseOrThrow', () => {
  it('returns the parsed value', () => {
    expect(
      parseOrThrow(schema, { mode: 'drill', items: [] }, 'input', (m) => new InvalidInputError(m)),
    ).toEqual({
      mode: 'drill',
      items: [],
    });
  });

  it('names each bad field by its path and shows the value received', () => {
    // Act
    const act = () =>
      parseOrThrow(
        schema,
        { mode: 'weekly', items: [{ n: 1 }, { n: 'two' }], extra: 1 },
        'execution input',
        (m) => new InvalidInputError(m),
      );

    // Assess
    expect(act).toThrow(InvalidInputError);
    expect(act).toThrow(/^invalid execution input: /);
    expect(act).toThrow(/mode: .*got "weekly"/);
    expect(act).toThrow(/items\[1\]\.n: .*got "two"/);
    expect(act).toThrow(/\(root\): unknown key "extra"/);
  });
});
