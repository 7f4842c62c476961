import { type CollectionSchemaModel, DYNAMIC_FIELD_NAME, isVectorType } from './collection-schema';
import { invalidParameter } from './milvus-errors';
import type { CellValue, Row } from './row';

/**
 * The subset of Milvus boolean expressions the emulator evaluates: comparisons
 * (`== != < <= > >=`), `in [...]` / `not in [...]`, `like "pat%"`, combined with
 * `and`/`&&`, `or`/`||`, `not`/`!` and parentheses. Enough for primary-key filters
 * (`id in [1, 2]`, `id == 5`) and simple scalar filters (`category == "books" and price < 10`).
 */
export type RowPredicate = (row: Row) => boolean;

type Literal = bigint | number | string | boolean;

type Expr =
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'compare'; readonly field: string; readonly op: CompareOp; readonly value: Literal }
  | {
      readonly kind: 'in';
      readonly field: string;
      readonly values: readonly Literal[];
      readonly negated: boolean;
    }
  | { readonly kind: 'like'; readonly field: string; readonly pattern: RegExp }
  | { readonly kind: 'const'; readonly value: boolean };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Token =
  | { readonly type: 'ident'; readonly text: string }
  | { readonly type: 'number'; readonly value: bigint | number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'op'; readonly text: string };

/**
 * Compiles an expression against a collection schema. An empty expression matches every row.
 *
 * @throws MilvusStatusError code 1100 ("cannot parse expression ...") for syntax errors, unknown
 *   fields (unless the collection has a dynamic field) and filters on vector fields.
 */
export function compileFilter(expression: string, schema: CollectionSchemaModel): RowPredicate {
  const text = expression.trim();
  if (text === '') {
    return () => true;
  }
  try {
    const parser = new Parser(tokenize(text));
    const ast = parser.parseExpression();
    parser.expectEnd();
    return compile(ast, schema);
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw invalidParameter(`cannot parse expression: ${text}, error: ${error.message}`);
    }
    throw error;
  }
}

class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'true', 'false']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push({ type: 'op', text: two });
      i += 2;
      continue;
    }
    if ('<>()[],!'.includes(c)) {
      tokens.push({ type: 'op', text: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== c; j++) {
        if (text.charAt(j) === '\\' && j + 1 < text.length) {
          j++;
        }
        value += text.charAt(j);
      }
      if (j >= text.length) {
        throw new ExpressionError(`unterminated string starting at ${i}`);
      }
      tokens.push({ type: 'string', value });
      i = j + 1;
      continue;
    }
    const number = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number !== null && (c !== '-' || !endsOperand(tokens))) {
      const raw = number[0];
      const integer = /^-?\d+$/.test(raw);
      tokens.push({ type: 'number', value: integer ? BigInt(raw) : Number(raw) });
      i += raw.length;
      continue;
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i));
    if (ident !== null) {
      const word = ident[0];
      const lower = word.toLowerCase();
      tokens.push(KEYWORDS.has(lower) ? { type: 'op', text: lower } : { type: 'ident', text: word });
      i += word.length;
      continue;
    }
    throw new ExpressionError(`unexpected character ${c} at ${i}`);
  }
  return tokens;
}

function endsOperand(tokens: readonly Token[]): boolean {
  const last = tokens.at(-1);
  return last !== undefined && (last.type !== 'op' || last.text === ')' || last.text === ']');
}

class Parser {
  #pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseExpression(): Expr {
    let left = this.parseAnd();
    while (this.acceptOp('or') || this.acceptOp('||')) {
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  expectEnd(): void {
    const token = this.tokens[this.#pos];
    if (token !== undefined) {
      throw new ExpressionError(`unexpected ${describe(token)}`);
    }
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.acceptOp('and') || this.acceptOp('&&')) {
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.acceptOp('not') || this.acceptOp('!')) {
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    if (this.acceptOp('(')) {
      const inner = this.parseExpression();
      this.expectOp(')');
      return inner;
    }
    const token = this.next();
    if (token?.type === 'op' && (token.text === 'true' || token.text === 'false')) {
      return { kind: 'const', value: token.text === 'true' };
    }
    if (token?.type !== 'ident') {
      throw new ExpressionError(
        token === undefined ? 'unexpected end of expression' : `unexpected ${describe(token)}`,
      );
    }
    const field = token.text;
    if (this.acceptOp('in')) {
      return { kind: 'in', field, values: this.parseList(), negated: false };
    }
    if (this.acceptOp('not')) {
      this.expectOp('in');
      return { kind: 'in', field, values: this.parseList(), negated: true };
    }
    if (this.acceptOp('like')) {
      const pattern = this.next();
      if (pattern?.type !== 'string') {
        throw new ExpressionError('like needs a string pattern');
      }
      return { kind: 'like', field, pattern: likeToRegExp(pattern.value) };
    }
    const op = this.next();
    if (op?.type !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      throw new ExpressionError(`expected a comparison after ${field}`);
    }
    return { kind: 'compare', field, op: op.text as CompareOp, value: this.parseLiteral() };
  }

  private parseList(): Literal[] {
    this.expectOp('[');
    const values: Literal[] = [];
    if (this.acceptOp(']')) {
      return values;
    }
    do {
      values.push(this.parseLiteral());
    } while (this.acceptOp(','));
    this.expectOp(']');
    return values;
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token?.type === 'number' || token?.type === 'string') {
      return token.value;
    }
    if (token?.type === 'op' && (token.text === 'true' || token.text === 'false')) {
      return token.text === 'true';
    }
    throw new ExpressionError(
      token === undefined ? 'expected a value' : `expected a value, got ${describe(token)}`,
    );
  }

  private next(): Token | undefined {
    const token = this.tokens[this.#pos];
    this.#pos++;
    return token;
  }

  private acceptOp(text: string): boolean {
    const token = this.tokens[this.#pos];
    if (token?.type === 'op' && token.text === text) {
      this.#pos++;
      return true;
    }
    return false;
  }

  private expectOp(text: string): void {
    if (!this.acceptOp(text)) {
      const token = this.tokens[this.#pos];
      throw new ExpressionError(
        `expected ${text}${token === undefined ? ' at end' : `, got ${describe(token)}`}`,
      );
    }
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'ident':
    case 'op':
      return token.text;
    case 'number':
      return String(token.value);
    case 'string':
      return JSON.stringify(token.value);
  }
}

function likeToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

type Scalar = bigint | number | string | boolean | null;

function compile(expr: Expr, schema: CollectionSchemaModel): RowPredicate {
  switch (expr.kind) {
    case 'const':
      return () => expr.value;
    case 'and': {
      const left = compile(expr.left, schema);
      const right = compile(expr.right, schema);
      return (row) => left(row) && right(row);
    }
    case 'or': {
      const left = compile(expr.left, schema);
      const right = compile(expr.right, schema);
      return (row) => left(row) || right(row);
    }
    case 'not': {
      const operand = compile(expr.operand, schema);
      return (row) => !operand(row);
    }
    case 'compare': {
      const read = fieldReader(expr.field, schema);
      const { op, value } = expr;
      return (row) => {
        const order = compareScalars(read(row), value);
        if (order === undefined) {
          return op === '!=';
        }
        switch (op) {
          case '==':
            return order === 0;
          case '!=':
            return order !== 0;
          case '<':
            return order < 0;
          case '<=':
            return order <= 0;
          case '>':
            return order > 0;
          case '>=':
            return order >= 0;
        }
      };
    }
    case 'in': {
      const read = fieldReader(expr.field, schema);
      const { values, negated } = expr;
      return (row) => {
        const cell = read(row);
        const found = values.some((v) => compareScalars(cell, v) === 0);
        return negated ? !found : found;
      };
    }
    case 'like': {
      const read = fieldReader(expr.field, schema);
      const { pattern } = expr;
      return (row) => {
        const cell = read(row);
        return typeof cell === 'string' && pattern.test(cell);
      };
    }
  }
}

function fieldReader(name: string, schema: CollectionSchemaModel): (row: Row) => Scalar {
  const field = schema.fieldsByName.get(name);
  if (field === undefined) {
    if (!schema.dynamic) {
      throw new ExpressionError(`field ${name} not exist`);
    }
    return (row) => dynamicValue(row.values[DYNAMIC_FIELD_NAME], name);
  }
  if (isVectorType(field.data_type) || field.data_type === 'JSON' || field.data_type === 'Array') {
    throw new ExpressionError(`the Milvus emulator cannot filter on ${field.data_type} field ${name}`);
  }
  if (field.data_type === 'Int64') {
    return (row) => {
      const cell = row.values[name];
      return typeof cell === 'string' ? BigInt(cell) : null;
    };
  }
  return (row) => toScalar(row.values[name]);
}

function toScalar(cell: CellValue | undefined): Scalar {
  return typeof cell === 'boolean' || typeof cell === 'number' || typeof cell === 'string' ? cell : null;
}

const decoder = new TextDecoder();

function dynamicValue(cell: CellValue | undefined, key: string): Scalar {
  if (!(cell instanceof Uint8Array)) {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(decoder.decode(cell));
    if (typeof parsed === 'object' && parsed !== null && key in parsed) {
      const value: unknown = (parsed as Record<string, unknown>)[key];
      if (typeof value === 'number' && Number.isInteger(value)) {
        return BigInt(value);
      }
      return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'
        ? value
        : null;
    }
  } catch {
    return null;
  }
  return null;
}

/** Orders two values; undefined when they cannot be compared (different kinds, null). */
function compareScalars(a: Scalar, b: Literal): number | undefined {
  if (a === null) {
    return undefined;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    return a === b ? 0 : a ? 1 : -1;
  }
  return undefined;
}
