import { describe, expect, it } from 'vitest';
import { adfPlainText, duplicateNoteAdf, replaceDemandAdf } from './demand-adf.ts';
import { DEMAND_END, DEMAND_TITLE, duplicateNoteContent } from './demand-content.ts';
import { duplicateNoteMarkdown, replaceDemandMarkdown } from './demand-markdown.ts';

const note = {
  survivorKey: 'SBX-7',
  survivorUrl: 'https://acme.atlassian.net/browse/SBX-7',
  survivorTitle: 'Dark mode',
  featureUrl: 'https://suggested.example.com/v1/features/f_2',
};

describe('the note of an issue closed as a duplicate', () => {
  it('says where the demand is counted, linked, and links the surviving feature', () => {
    expect(duplicateNoteContent(note)).toEqual([
      [
        { text: 'The customer demand for this need is counted on ' },
        { text: 'SBX-7', href: 'https://acme.atlassian.net/browse/SBX-7' },
        { text: ' (Dark mode).' },
      ],
      [{ text: 'Open the surviving feature in Suggested Sync', href: note.featureUrl }],
    ]);
  });

  it('never links a URL that is not http(s)', () => {
    const lines = duplicateNoteContent({ ...note, survivorUrl: 'javascript:alert(1)', featureUrl: 'x' });
    expect(lines.flat().some((p) => p.href !== undefined)).toBe(false);
    expect(lines[0]?.[1]).toEqual({ text: 'SBX-7', strong: true });
  });

  it('ADF: replaces our demand section between the markers, keeping the product owner text', () => {
    const doc = replaceDemandAdf(
      {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'PO notes' }] },
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: DEMAND_TITLE }] },
          { type: 'paragraph', content: [{ type: 'text', text: '12 requests' }] },
          { type: 'paragraph', content: [{ type: 'text', text: DEMAND_END }] },
        ],
      },
      duplicateNoteAdf(note),
    );
    const texts = doc.content.map(adfPlainText);
    expect(texts).toEqual([
      'PO notes',
      DEMAND_TITLE,
      'The customer demand for this need is counted on SBX-7 (Dark mode).',
      'Open the surviving feature in Suggested Sync',
      DEMAND_END,
    ]);
    expect(JSON.stringify(doc)).toContain('"href":"https://acme.atlassian.net/browse/SBX-7"');
  });

  it('markdown: the same wording, escaped, as a section the demand replaces again', () => {
    const md = duplicateNoteMarkdown({ ...note, survivorTitle: 'Dark *mode*' });
    expect(md).toBe(
      [
        `### ${DEMAND_TITLE}`,
        'The customer demand for this need is counted on [SBX-7](https://acme.atlassian.net/browse/SBX-7) (Dark \\*mode\\*).',
        `[Open the surviving feature in Suggested Sync](${note.featureUrl})`,
        `_${DEMAND_END}_`,
      ].join('\n\n'),
    );
    const replaced = replaceDemandMarkdown(`PO text\n\n${md}`, '### x');
    expect(replaced).toBe('PO text\n\n### x');
  });
});
