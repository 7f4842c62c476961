/** One measured number, with what it is held to. */
export interface Figure {
  /** The benchmark it belongs to (`transitions`, `polling`, `cold-start`, `throughput`, `overhead`). */
  readonly benchmark: string;
  /** Stable key, e.g. `transitions.backup.perCollection`. */
  readonly id: string;
  /** What a reader sees in the table. */
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  /** The target, as written in issue 7 (`≤ 12`, `≤ 1.3× the bound`), when the figure has one. */
  readonly target?: string;
  /**
   * For timings: the figure divided by what it is compared with (the critical-path bound, the SDK
   * alone, the raw SDK time, or the target itself when the target is an absolute time).
   */
  readonly ratio?: number;
  /** What the ratio divides by, e.g. `of the bound (1,400 ms)`. */
  readonly ratioOf?: string;
  /** Whether the target is met (absent when the figure has no target). */
  readonly pass?: boolean;
}

/** A benchmark's figures and the details behind them (written to results.json). */
export interface BenchmarkResult {
  readonly name: string;
  readonly figures: readonly Figure[];
  readonly details: Record<string, unknown>;
  /** Lines printed under the table: how to read the figures, and why a target is missed. */
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** `1,234`, `12.3`, `0.042`: enough digits to read, no more. */
export function formatNumber(value: number, unit = ''): string {
  if (unit === '$') return `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit && unit !== 'count' ? `${text} ${unit}` : text;
}

/** `1.07×` */
export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? '' : `${ratio.toFixed(2)}×`;
}

/** The results as an aligned text table: benchmark, figure, value, target, ratio, result. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.benchmark,
    f.label,
    formatNumber(f.value, f.unit),
    f.target ?? '',
    f.ratio === undefined ? '' : `${formatRatio(f.ratio)}${f.ratioOf ? ` ${f.ratioOf}` : ''}`,
    f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS',
  ]);
  const header = ['benchmark', 'figure', 'value', 'target', 'ratio', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Bytes of a value serialized as JSON, UTF-8: how Step Functions measures a state. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** Rounds to `digits` decimals (for results.json). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
