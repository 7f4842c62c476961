import { describe, expect, it } from 'vitest';
import { hasWildcard, matchesNamePattern, namePatternProblem } from '../../../functions/shared/name-pattern';

describe('name patterns', () => {
  it.each([
    ['*', 'products', true],
    ['*', '_', true],
    ['tmp_*', 'tmp_', true],
    ['tmp_*', 'tmp_load_test', true],
    ['tmp_*', 'TMP_load', false],
    ['tmp_*', 'my_tmp_table', false],
    ['*_v?', 'orders_v2', true],
    ['*_v?', 'orders_v12', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['orders', 'orders', true],
    ['orders', 'orders_2', false],
    ['o$der*', 'o$ders', true],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(matchesNamePattern(pattern, name)).toBe(expected);
  });

  it('matches a long name against many stars without backtracking blow-up', () => {
    // Prepare: the classic exponential case for naive backtracking
    const pattern = `${'a*'.repeat(20)}b`;
    const name = 'a'.repeat(255);

    // Act + Assess: answered at all (a naive matcher does not finish), and rightly
    expect(matchesNamePattern(pattern, name)).toBe(false);
    expect(matchesNamePattern(pattern, `${name}b`)).toBe(true);
  });

  it('tells a pattern from a name', () => {
    expect([hasWildcard('tmp_*'), hasWildcard('orders_?'), hasWildcard('orders')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('accepts patterns that can match a Milvus name', () => {
    for (const pattern of [
      '*',
      '?',
      'tmp_*',
      '_private*',
      '*_v?',
      'a$b*',
      'x'.repeat(255),
      `${'x'.repeat(255)}*`,
    ]) {
      expect(namePatternProblem(pattern)).toBeUndefined();
    }
  });

  it.each([
    ['', 'it is empty; "*" matches every name'],
    ['orders-*', "it contains '-' at position 6, which no Milvus name holds"],
    ['prod.*', "it contains '.' at position 4: a pattern matches one name"],
    [
      'tmp_{a,b}',
      "it contains '{' at position 4: patterns have only '*' (any run of characters) and '?' (one character)",
    ],
    ['[a-z]*', "it contains '[' at position 0"],
    [
      '9lives',
      "it starts with '9', but Milvus names start with a letter or '_', so it can never match; did you mean \"*9lives\"?",
    ],
    ['$x', "it starts with '$'"],
    [
      'x'.repeat(256),
      'it needs at least 256 characters, and Milvus names have at most 255, so it can never match',
    ],
  ])('refuses %j: %s', (pattern, message) => {
    expect(namePatternProblem(pattern)).toContain(message);
  });
});
