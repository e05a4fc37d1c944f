// Request coalescing: what is asked in one synchronous stretch goes out as one batch per key; what is
// asked after a batch was sent waits for the next one; a failure reaches every caller of its batch.
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/targets/batch.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('coalesce', () => {
  it('answers the queries of one turn with one call per key, each caller its own answer', async () => {
    const calls: Array<{ queries: number[]; key: string }> = [];
    const ask = coalesce<number, number, string>(async (queries, key) => {
      calls.push({ queries, key });
      return queries.map((q) => q * 10);
    });
    const answers = await Promise.all([ask(1, 'a'), ask(2, 'b'), ask(3, 'a'), ask(4, 'a')]);
    expect(answers).toEqual([10, 20, 30, 40]);
    expect(calls).toEqual([
      { queries: [1, 3, 4], key: 'a' },
      { queries: [2], key: 'b' },
    ]);
  });

  it('never answers a question with a batch sent before it was asked', async () => {
    const sent: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ask = coalesce<number, number, undefined>(async (queries) => {
      sent.push(queries);
      await gate;
      return queries;
    });
    const first = ask(1, undefined);
    await turn(); // the first batch is out, still unanswered
    const second = ask(2, undefined);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(sent).toEqual([[1], [2]]);
  });

  it('rejects every caller of a failed batch, and the next batch runs anew', async () => {
    let fail = true;
    const ask = coalesce<number, number, undefined>(async (queries) => {
      if (fail) throw new Error('daemon gone');
      return queries;
    });
    const results = await Promise.allSettled([ask(1, undefined), ask(2, undefined)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('daemon gone'));
    fail = false;
    expect(await ask(3, undefined)).toBe(3);
  });
});
