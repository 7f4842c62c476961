import { describe, expect, it } from 'vitest';
import { parseDoc } from '../../../lib/package/api-reference';

describe('parseDoc', () => {
  it('splits a TSDoc comment into its summary paragraphs and block tags', () => {
    const doc = parseDoc(
      '/**\n * Where alarms go.\n * Any topic.\n *\n * Second paragraph.\n *\n * @default a new topic,\n *   encrypted\n */\n',
    );
    expect(doc).toEqual({
      summary: 'Where alarms go. Any topic.\n\nSecond paragraph.',
      tags: [{ tag: '@default', text: 'a new topic, encrypted' }],
    });
  });

  it('reads an undocumented member as empty', () => {
    expect(parseDoc(undefined)).toEqual({ summary: '', tags: [] });
  });
});
