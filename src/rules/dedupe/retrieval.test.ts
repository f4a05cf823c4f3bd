import { describe, expect, it } from 'vitest';
import type { WeightedTerm } from './dedupe-index.ts';
import { createDedupeEngine } from './engine.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';

/** An in-memory index that records the terms each retrieval reads postings for. */
class RecordingIndex extends InMemoryDedupeIndex {
  readonly retrieved: string[][] = [];
  override retrieve(...args: Parameters<InMemoryDedupeIndex['retrieve']>) {
    this.retrieved.push(args[0].map((t: WeightedTerm) => t.term));
    return super.retrieve(...args);
  }
}

const TOPICS = ['dark mode', 'csv export', 'okta login', 'slack alerts', 'bulk tagging', 'gantt charts'];
/** The same intake form's sentence under every request, as a CRM or a call-notes template writes it. */
const BOILERPLATE = 'Customer asked on a call; this would save their team an hour every week.';

function formIndex(engine: ReturnType<typeof createDedupeEngine>): RecordingIndex {
  const index = new RecordingIndex();
  for (let i = 0; i < 300; i++) {
    const title = `${TOPICS[i % TOPICS.length]} for workspace ${String.fromCharCode(97 + (i % 26))}${i}`;
    index.add(`r${i}`, engine.analyse({ title, body: BOILERPLATE }));
  }
  index.add('audit', engine.analyse({ title: 'Audit log export', body: BOILERPLATE }));
  return index;
}

describe('retrieval leaves out terms that weigh next to nothing', () => {
  const query = { title: 'Export of the audit log', body: BOILERPLATE };
  const boilerplate = ['customer', 'call', 'save', 'team', 'hour', 'week'];

  it("reads no postings for the form's sentence every document has, and ranks as if it had", async () => {
    const engine = createDedupeEngine();
    const everyTerm = createDedupeEngine({ rank: { retrievalWeightFloor: 0 } });
    const index = formIndex(engine);
    const ranked = await engine.rank(engine.analyse(query), index, 5);
    const [read] = index.retrieved;
    const stems = boilerplate.map((w) => [...engine.analyse({ title: w }).title.tf.keys()][0]);
    expect(read).toEqual(expect.arrayContaining(['audit']));
    for (const stem of stems) expect(read).not.toContain(stem);

    const control = formIndex(everyTerm);
    const rankedOnEvery = await everyTerm.rank(everyTerm.analyse(query), control, 5);
    // Without the floor those terms are read, every document becomes a leader, and the answer is the same.
    expect(control.retrieved[0]).toEqual(expect.arrayContaining(stems));
    expect(ranked[0]?.id).toBe('audit');
    expect(ranked.map((c) => [c.id, c.similarity])).toEqual(rankedOnEvery.map((c) => [c.id, c.similarity]));
  });
});
