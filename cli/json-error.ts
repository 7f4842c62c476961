/**
 * Why `JSON.parse` refused a text, in one line and without repeating the text. V8 quotes the
 * whole input back (`Unexpected token 'x', "{\n  "mode": x\n}" is not valid JSON`), which runs
 * over several lines and says "not valid JSON" a second time after the caller's own words; the
 * place of the first bad character is worth more.
 */
export function jsonSyntaxReason(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const token = /^Unexpected token '(.+?)', ".*" is not valid JSON$/s.exec(message);
  if (token?.[1] !== undefined) {
    const at = firstUnexpected(text, token[1]);
    return `unexpected ${JSON.stringify(token[1])}${at ? ` at line ${at.line} column ${at.column}` : ''}`;
  }
  const placed = /^(.*) in JSON at position \d+ \(line (\d+) column (\d+)\)$/s.exec(message);
  if (placed) return `${lowerFirst(placed[1] ?? '')} at line ${placed[2]} column ${placed[3]}`;
  if (/^Unexpected end of JSON input$/.test(message)) return 'it ends too early (unclosed { or [ ?)';
  return lowerFirst(message.split('\n')[0] ?? message);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Where `token` first appears outside a string, which is where V8 stopped. */
function firstUnexpected(text: string, token: string): { line: number; column: number } | undefined {
  let inString = false;
  let line = 1;
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    column += 1;
    if (c === '\n') {
      line += 1;
      column = 0;
      continue;
    }
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (text.startsWith(token, i)) return { line, column };
  }
  return undefined;
}
