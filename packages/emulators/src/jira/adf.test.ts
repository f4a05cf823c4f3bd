import { describe, expect, it } from 'vitest';
import { adfProblem, adfToText, textToAdf } from './adf.ts';

const paragraph = (...texts: string[]) => ({
  type: 'paragraph',
  content: texts.map((text) => ({ type: 'text', text })),
});

describe('adfProblem', () => {
  it.each([
    ['a string', 'hello', 'not an object'],
    ['an array', [], 'not an object'],
    ['a wrong type', { type: 'paragraph', version: 1, content: [] }, "type must be 'doc'"],
    ['a missing version', { type: 'doc', content: [] }, 'version must be 1'],
    ['version 2', { type: 'doc', version: 2, content: [] }, 'version must be 1'],
    ['content not an array', { type: 'doc', version: 1, content: {} }, 'content must be an array'],
    ['a node without type', { type: 'doc', version: 1, content: [{}] }, 'content[0] has no type'],
    [
      'a text node without text',
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text' }] }] },
      'content[0].content[0] is a text node without text',
    ],
    [
      'a nested doc',
      { type: 'doc', version: 1, content: [{ type: 'doc', version: 1, content: [] }] },
      'content[0] is a nested doc',
    ],
  ])('rejects %s', (_name, value, problem) => {
    expect(adfProblem(value)).toBe(problem);
  });

  it.each([
    ['an empty doc', { type: 'doc', version: 1, content: [] }],
    ['paragraphs', { type: 'doc', version: 1, content: [paragraph('a'), paragraph('b', 'c')] }],
  ])('accepts %s', (_name, value) => {
    expect(adfProblem(value)).toBeUndefined();
  });
});

describe('adfToText', () => {
  it.each([
    ['nothing', null, ''],
    ['one paragraph', { type: 'doc', version: 1, content: [paragraph('Hello ', 'world')] }, 'Hello world'],
    ['two paragraphs', { type: 'doc', version: 1, content: [paragraph('a'), paragraph('b')] }, 'a\nb'],
    [
      'a hard break and a mention',
      {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'hardBreak' },
              { type: 'mention', attrs: { id: '1', text: '@Ada' } },
            ],
          },
        ],
      },
      'hi\n@Ada',
    ],
    [
      'a bullet list',
      {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'bulletList',
            content: [
              { type: 'listItem', content: [paragraph('one')] },
              { type: 'listItem', content: [paragraph('two')] },
            ],
          },
        ],
      },
      'one\ntwo',
    ],
  ] as const)('reads %s', (_name, doc, text) => {
    expect(adfToText(doc as Parameters<typeof adfToText>[0])).toBe(text);
  });
});

describe('textToAdf', () => {
  it('turns blank-line blocks into paragraphs and single newlines into hard breaks', () => {
    expect(textToAdf('first\nline two\n\nsecond')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'first' },
            { type: 'hardBreak' },
            { type: 'text', text: 'line two' },
          ],
        },
        paragraph('second'),
      ],
    });
  });

  it('round-trips plain text', () => {
    expect(adfToText(textToAdf('a\nb\n\nc'))).toBe('a\nb\nc');
  });

  it('makes an empty document of an empty string', () => {
    expect(textToAdf('')).toEqual({ type: 'doc', version: 1, content: [] });
  });
});
