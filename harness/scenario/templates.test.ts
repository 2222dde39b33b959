import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioErrorCode, TemplateError } from './errors.ts';
import { compileValue, hasTemplate, parseTemplate } from './templates.ts';
import type { TemplateContext } from './templates.ts';

function ctx(over: Partial<TemplateContext> = {}): TemplateContext {
  const rows: Record<string, Record<string, string>> = { players: { name: 'alice', id: '7' } };
  return {
    vuId: 42,
    iteration: 3,
    vars: { pos: 17, obj: { a: { b: 'deep' } }, nothing: null },
    feederRow: (name) => rows[name],
    sent: { seq: 99 },
    counters: new Map(),
    nowMicros: () => 1_700_000_000_000_000,
    random: () => 0.5,
    ...over,
  };
}

describe('compileValue', () => {
  it.each([
    ['{{ vu.id }}', 42],
    ['{{vu.iteration}}', 3],
    ['{{ vars.pos }}', 17],
    ['{{ vars.obj.a.b }}', 'deep'],
    ['{{ vars.missing }}', undefined],
    ['{{ vars.pos.x }}', undefined],
    ['{{ feeder.players.name }}', 'alice'],
    ['{{ feeder.nobody.name }}', undefined],
    ['{{ sent.seq }}', 99],
    ['{{ now() }}', 1_700_000_000_000_000],
    ['{{ random(0, 100) }}', 50],
    ['{{ random(1, 1) }}', 1],
    ['{{ randomFloat(0, 10) }}', 5],
    ['{{ random(0, vars.pos) }}', 9],
    ['{{ 12 }}', 12],
    ['{{ "{{" }}', '{{'],
    ["{{ 'it\\'s' }}", "it's"],
  ])('whole-string %s yields the value itself: %j', (text, value) => {
    expect(compileValue(text)(ctx())).toEqual(value);
  });

  it.each([
    ['player-{{ vu.id }}', 'player-42'],
    ['{{ vu.id }}-x', '42-x'],
    ['a{{ vu.id }}b{{ vu.iteration }}c', 'a42b3c'],
    [' {{ vu.id }}', ' 42'],
    ['{{ vu.id }}{{ vu.iteration }}', '423'],
    ['x{{ vars.missing }}y', 'xy'],
    ['x{{ vars.nothing }}y', 'xy'],
    ['o={{ vars.obj }}', 'o={"a":{"b":"deep"}}'],
    ['name: {{ feeder.players.name }}', 'name: alice'],
    ['no templates }} here', 'no templates }} here'],
  ])('mixed text %j yields a string %j', (text, value) => {
    expect(compileValue(text)(ctx())).toBe(value);
  });

  it('compiles nested objects and arrays, keeping literals', () => {
    const fn = compileValue({ seq: '{{ vu.iteration }}', fixed: 5, list: ['{{ vu.id }}', 'lit', true, null], inner: { who: 'vu-{{ vu.id }}' } });
    expect(fn(ctx())).toEqual({ seq: 3, fixed: 5, list: [42, 'lit', true, null], inner: { who: 'vu-42' } });
  });

  it('returns constants without rebuilding them', () => {
    const value = { a: [1, 2], b: 'x' };
    const fn = compileValue(value);
    expect(fn(ctx())).toBe(value);
    expect(fn(ctx())).toBe(fn(ctx()));
  });

  it('builds a fresh object per call when templated', () => {
    const fn = compileValue({ a: '{{ vu.id }}' });
    const c = ctx();
    expect(fn(c)).not.toBe(fn(c));
  });

  it('counter(name) counts per name from 0 in the context it is given', () => {
    const c = ctx();
    const seq = compileValue('{{ counter(seq) }}');
    const other = compileValue("{{ counter('other') }}");
    expect([seq(c), seq(c), other(c), seq(c)]).toEqual([0, 1, 0, 2]);
    expect(c.counters.get('seq')).toBe(3);
    expect(seq(ctx())).toBe(0); // another VU's context starts again
  });

  it('random(min, max) is inclusive at both ends and integer', () => {
    expect(compileValue('{{ random(3, 5) }}')(ctx({ random: () => 0 }))).toBe(3);
    expect(compileValue('{{ random(3, 5) }}')(ctx({ random: () => 0.999999 }))).toBe(5);
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (min, span, r) => {
        const v = compileValue(`{{ random(${min}, ${min + span}) }}`)(ctx({ random: () => r })) as number;
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(min);
        expect(v).toBeLessThanOrEqual(min + span);
      }),
    );
  });

  it('uuid() gives a v4 UUID each call', () => {
    const fn = compileValue('{{ uuid() }}');
    const a = fn(ctx()) as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fn(ctx())).not.toBe(a);
  });

  it('falls back to Math.random when the context has no random()', () => {
    const v = compileValue('{{ randomFloat(10, 20) }}')(ctx({ random: undefined })) as number;
    expect(v).toBeGreaterThanOrEqual(10);
    expect(v).toBeLessThan(20);
  });

  it('strings without {{ compile to themselves (property)', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('{{')), (s) => {
        expect(hasTemplate(s)).toBe(false);
        expect(compileValue(s)(ctx())).toBe(s);
      }),
    );
  });
});

describe('template errors', () => {
  it.each([
    ['{{ rand(0, 10) }}', "unknown function 'rand'", 4],
    ['{{ vuu.id }}', "unknown value 'vuu.id'", 4],
    ['{{ vu.name }}', "unknown value 'vu.name' (allowed: vu.id, vu.iteration)", 4],
    ['{{ vars }}', "'vars' needs a name", 4],
    ['{{ sent }}', "'sent' needs a name", 4],
    ['{{ feeder.players }}', "'feeder.players' must be feeder.NAME.COLUMN", 4],
    ['abc {{ vu.id', "unclosed '{{'", 5],
    ['{{ }}', 'empty template', 4],
    ['{{ vu.id vu.iteration }}', "unexpected 'v' (expected '}}')", 10],
    ['{{ random(1) }}', 'random() takes 2 arguments, got 1', 4],
    ['{{ uuid(1) }}', 'uuid() takes 0 arguments, got 1', 4],
    ['{{ random(5, 1) }}', 'min must be ≤ max', 11],
    ['{{ random(0.5, 1) }}', 'random() takes integers', 11],
    ["{{ random('a', 1) }}", 'arguments must be numbers', 11],
    ['{{ random(1, 2 }}', "unexpected '}' in random(…) (expected ',' or ')')", 16],
    ['{{ "open }}', 'unterminated string literal', 4],
    ['{{ vu. }}', 'expected a name, number or string', 7],
  ])('%j → %s at column %d', (text, message, column) => {
    let caught: unknown;
    try {
      parseTemplate(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    const err = caught as TemplateError;
    expect(err.code).toBe(ScenarioErrorCode.TEMPLATE_INVALID);
    expect(err.message).toContain(message);
    expect(err.column).toBe(column);
  });

  it('compileValue throws the same TemplateError', () => {
    expect(() => compileValue({ x: ['{{ nope() }}'] })).toThrow(TemplateError);
  });

  it('reports the paths a template reads', () => {
    const t = parseTemplate('{{ feeder.p.c }}-{{ vars.x }}-{{ random(0, vars.y) }}');
    expect(t.whole).toBe(false);
    expect(t.refs.map((r) => `${r.root}.${r.segments.join('.')}@${r.column}`)).toEqual(['feeder.p.c@4', 'vars.x@21', 'vars.y@44']);
  });
});
