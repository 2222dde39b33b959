import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.ts';

describe('Fifo', () => {
  it('behaves like an array used as a queue, across growth and wrap-around (property)', () => {
    const op = fc.oneof(fc.record({ push: fc.integer() }), fc.constant({ shift: true as const }), fc.record({ at: fc.integer({ min: -2, max: 40 }) }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
        const q = new Fifo<number>(capacity);
        const model: number[] = [];
        for (const o of ops) {
          if ('push' in o) {
            q.push(o.push);
            model.push(o.push);
          } else if ('shift' in o) {
            expect(q.shift()).toBe(model.shift());
          } else {
            expect(q.at(o.at)).toBe(o.at >= 0 ? model[o.at] : undefined);
          }
          expect(q.length).toBe(model.length);
        }
      }),
    );
  });

  it('returns undefined when empty', () => {
    const q = new Fifo<string>();
    expect(q.shift()).toBeUndefined();
    expect(q.at(0)).toBeUndefined();
    q.push('a');
    expect(q.shift()).toBe('a');
    expect(q.length).toBe(0);
  });
});
