/** A column of a {@link formatTable} table. */
export interface TableColumn {
  /** The heading, printed in capitals. */
  readonly header: string;
  /** Pad on the left instead of the right (numbers, durations). @default false */
  readonly alignRight?: boolean;
}

/**
 * Lays out rows as a plain text table: one line per row, columns separated by two spaces, the
 * last column not padded. Plain ASCII on purpose — it survives `grep`, `less`, CI logs and e-mail,
 * which box-drawing tables do not.
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const cells = [columns.map((c) => c.header.toUpperCase()), ...rows];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  const lines = cells.map((row) =>
    columns
      .map((column, i) => {
        const text = row[i] ?? '';
        const pad = ' '.repeat((widths[i] ?? 0) - [...text].length);
        if (column.alignRight) return pad + text;
        return i === columns.length - 1 ? text : text + pad;
      })
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
