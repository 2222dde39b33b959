/**
 * Cost of evaluating compiled templates per call (the VU hot path: one call
 * per packet sent). Run: npx tsx harness/scenario/templates.bench.ts
 */
import { Bench } from 'tinybench';
import { compileValue } from './templates.ts';
import type { TemplateContext } from './templates.ts';

const ctx: TemplateContext = {
  vuId: 42,
  iteration: 7,
  vars: { pos: 17 },
  feederRow: () => ({ name: 'alice' }),
  sent: { seq: 1 },
  counters: new Map(),
  nowMicros: () => 1,
  random: Math.random,
};

const constant = compileValue({ seq: 1, x: 2 });
const whole = compileValue('{{ vu.iteration }}');
const mixed = compileValue('player-{{ vu.id }}');
const values = compileValue({ seq: '{{ counter(seq) }}', x: '{{ random(0, 100) }}', name: '{{ feeder.players.name }}', fixed: 5 });

const bench = new Bench({ time: 500 });
bench
  .add('constant object', () => void constant(ctx))
  .add('whole-string path', () => void whole(ctx))
  .add('mixed text', () => void mixed(ctx))
  .add('4-field values object', () => void values(ctx));
await bench.run();
console.table(bench.table());
