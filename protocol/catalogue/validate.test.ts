/**
 * Catalogue validation: each kind of mistake yields an issue with the right
 * path and YAML line, and every mistake in a file is reported at once.
 *
 * In the YAML below, `#!` marks the line the issue must point at.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CatalogueError, type CatalogueIssue } from './errors.ts';
import { loadCatalogue, parseCatalogue } from './load.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/catalogues/', import.meta.url));

const HEADER = `header:
  fields: [size, id]
  size: { type: u16 }
  id: { type: u16 }`;

/** A catalogue with the v1-style header and the given packets section body. */
const withPackets = (packets: string, extra = ''): string => `catalogue: t\n${HEADER}\n${extra}packets:\n${packets}\n`;
/** A catalogue with one client packet `P` (id 1) and the given field lines. */
const withFields = (fields: string): string => withPackets(`  P:\n    id: 1\n    direction: client\n    fields:\n${fields}`);

function issuesOf(text: string, baseDir = FIXTURES): CatalogueIssue[] {
  try {
    parseCatalogue(text, { source: 'test.yaml', baseDir });
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogueError);
    expect((err as CatalogueError).code).toBe('NMT_CATALOGUE_INVALID');
    return [...(err as CatalogueError).issues];
  }
  throw new Error('expected the catalogue to be rejected');
}

function markedLine(text: string): number {
  const i = text.split('\n').findIndex((l) => l.includes('#!'));
  if (i < 0) throw new Error('test YAML has no #! marker');
  return i + 1;
}

describe('parseCatalogue validation', () => {
  it.each([
    // --- document and top level -------------------------------------------
    ['YAML syntax error', 'catalogue: t\npackets: [a, b\nheader: 1 #!\n', '', 'YAML'],
    ['a list instead of a mapping', '- catalogue #!\n- t\n', '', 'must be a mapping'],
    ['missing catalogue name', `${HEADER.replace('header:', 'header: #!')}\npackets:\n  P: { id: 1, direction: client }\n`, 'catalogue', 'is required'],
    ['bad catalogue name', withPackets('  P: { id: 1, direction: client }').replace('catalogue: t', 'catalogue: "my cat" #!'), 'catalogue', 'letters, digits'],
    ['unknown top-level key', withPackets('  P: { id: 1, direction: client }', 'versoin: 2 #!\n'), 'versoin', 'unknown key'],
    ['missing header', 'catalogue: t #!\npackets:\n  P: { id: 1, direction: client }\n', 'header', 'is required'],
    ['missing packets', `catalogue: t #!\n${HEADER}\n`, 'packets', 'is required'],
    ['empty packets', withPackets('').replace('packets:\n', 'packets: {} #!\n'), 'packets', 'at least one packet'],
    ['packets as a list', `catalogue: t\n${HEADER}\npackets: [A] #!\n`, 'packets', 'must be a mapping'],
    // --- header -------------------------------------------------------------
    ['bad endianness', withPackets('  P: { id: 1, direction: client }').replace('header:', 'header:\n  endianness: middle #!'), 'header.endianness', 'little, big'],
    ['header without id', withPackets('  P: { id: 1, direction: client }').replace('fields: [size, id]', 'fields: [size] #!').replace('  id: { type: u16 }\n', ''), 'header.fields', 'needs a "id"'],
    ['header field listed twice', withPackets('  P: { id: 1, direction: client }').replace('fields: [size, id]', 'fields: [size, id, size] #!'), 'header.fields[2]', 'listed twice'],
    ['header field listed but not defined', withPackets('  P: { id: 1, direction: client }').replace('header:\n  fields: [size, id]', 'header: #!\n  fields: [size, id, flags]'), 'header.flags', 'is required'],
    ['header field defined but not listed', withPackets('  P: { id: 1, direction: client }').replace('  id: { type: u16 }', '  id: { type: u16 }\n  flags: { type: u8 } #!'), 'header.flags', 'unknown key'],
    ['64-bit size field', withPackets('  P: { id: 1, direction: client }').replace('size: { type: u16 }', 'size: { type: u64 } #!'), 'header.size.type', 'u8, u16, u32'],
    ['includesHeader on id', withPackets('  P: { id: 1, direction: client }').replace('id: { type: u16 }', 'id: { type: u16, includesHeader: true } #!'), 'header.id.includesHeader', 'unknown key'],
    ['includesHeader not a boolean', withPackets('  P: { id: 1, direction: client }').replace('size: { type: u16 }', 'size: { type: u16, includesHeader: yes } #!'), 'header.size.includesHeader', 'true or false'],
    ['constant out of range', withPackets('  P: { id: 1, direction: client }').replace('fields: [size, id]', 'fields: [size, id, flags]').replace('  id: { type: u16 }', '  id: { type: u16 }\n  flags: { type: u8, value: 256 } #!'), 'header.flags.value', '0 to 255'],
    ['maxPacketSize beyond the size field', withPackets('  P: { id: 1, direction: client }', 'maxPacketSize: 70000 #!\n'), 'maxPacketSize', '4 (the header) to 65535'],
    ['maxPacketSize below the header', withPackets('  P: { id: 1, direction: client }', 'maxPacketSize: 3 #!\n'), 'maxPacketSize', '4 (the header)'],
    ['packet larger than maxPacketSize', withPackets('  P: #!\n    id: 1\n    direction: client\n    fields: [{ name: a, type: u64 }, { name: b, type: u64 }]', 'maxPacketSize: 12\n'), 'packets.P', 'maxPacketSize 12'],
    // --- packets --------------------------------------------------------------
    ['packet name not an identifier', withPackets('  9Lives: { id: 1, direction: client } #!'), 'packets.9Lives', 'identifier'],
    ['packet name reserved', withPackets('  constructor: { id: 1, direction: client } #!'), 'packets.constructor', 'reserved'],
    ['duplicate packet name', withPackets('  P: { id: 1, direction: client }\n  P: { id: 2, direction: client } #!'), '', 'defined twice'],
    ['unknown packet key', withPackets('  P: { id: 1, direction: client, dirction: server } #!'), 'packets.P.dirction', 'did you mean "direction"'],
    ['missing id', withPackets('  P: { direction: client } #!'), 'packets.P.id', 'is required'],
    ['id not an integer', withPackets('  P: { id: one, direction: client } #!'), 'packets.P.id', 'integer from 0 to 0xffff'],
    ['id beyond the id field', withPackets('  P: { id: 0x10000, direction: client } #!'), 'packets.P.id', 'integer from 0 to 0xffff'],
    ['duplicate id', withPackets('  P: { id: 3, direction: client }\n  Q: { id: 0x3, direction: server } #!'), 'packets.Q.id', 'already used by P (line 7)'],
    ['missing direction', withPackets('  P: { id: 1 } #!'), 'packets.P.direction', 'is required'],
    ['bad direction', withPackets('  P: { id: 1, direction: clinet } #!'), 'packets.P.direction', 'did you mean "client"'],
    ['description not a string', withPackets('  P: { id: 1, direction: client, description: [a] } #!'), 'packets.P.description', 'non-empty string'],
    ['fields and protobuf together', withPackets('  P: { id: 1, direction: client, fields: [], protobuf: kraken.ChatMessage } #!', 'protobuf: [foreign-example.proto]\n'), 'packets.P.protobuf', 'not both'],
    ['protobuf message without .proto files', withPackets('  P: { id: 1, direction: client, protobuf: kraken.ChatMessage } #!'), 'packets.P.protobuf', 'no .proto files'],
    ['unknown protobuf message', withPackets('  P: { id: 1, direction: client, protobuf: kraken.ChatMesage } #!', 'protobuf: [foreign-example.proto]\n'), 'packets.P.protobuf', 'did you mean "kraken.ChatMessage"'],
    ['missing .proto file', withPackets('  P: { id: 1, direction: client }', 'protobuf:\n  - missing.proto #!\n'), 'protobuf[0]', 'cannot load'],
    ['.proto that does not parse', withPackets('  P: { id: 1, direction: client }', 'protobuf: [broken.proto] #!\n'), 'protobuf[0]', 'cannot load'],
    ['.proto that does not resolve', withPackets('  P: { id: 1, direction: client }', 'protobuf: [unresolved.proto] #!\n'), 'protobuf[0]', "no such Type or Enum 'Missing'"],
    ['a protobuf entry that is not a path', withPackets('  P: { id: 1, direction: client }', 'protobuf:\n  - 5 #!\n'), 'protobuf[0]', '.proto file paths'],
    ['a packet that is not a mapping', withPackets('  P: 5 #!'), 'packets.P', 'must be a mapping'],
    ['a packet name that is not a name', withPackets('  [a]: { id: 1, direction: client } #!'), 'packets', 'plain names'],
    ['a key that is not a name', withPackets('  P: { id: 1, direction: client, 5: x } #!'), 'packets.P', 'keys must be plain names'],
    ['a header field name that is not an identifier', withPackets('  P: { id: 1, direction: client }').replace('fields: [size, id]', 'fields: [size, id, 3] #!'), 'header.fields[2]', 'must be identifiers'],
    ['a header field without type', withPackets('  P: { id: 1, direction: client }').replace('id: { type: u16 }', 'id: {} #!'), 'header.id.type', 'is required'],
    ['a header that is not a mapping', `catalogue: t\nheader: v1 #!\npackets:\n  P: { id: 1, direction: client }\n`, 'header', 'must be a mapping'],
    ['fields as a mapping', withPackets('  P:\n    id: 1\n    direction: client\n    fields: { a: u8 } #!'), 'packets.P.fields', 'must be a list'],
    // --- fields ------------------------------------------------------------------
    ['field not a mapping', withFields('      - u8 #!'), 'packets.P.fields[0]', 'must be a mapping'],
    ['field without name', withFields('      - { type: u8 } #!'), 'packets.P.fields[0].name', 'is required'],
    ['field name not an identifier', withFields('      - { name: 2x, type: u8 } #!'), 'packets.P.fields[0].name', 'identifier'],
    ['field name reserved', withFields('      - { name: toString, type: u8 } #!'), 'packets.P.fields[0].name', 'reserved'],
    ['duplicate field name', withFields('      - { name: a, type: u8 }\n      - { name: a, type: u16 } #!'), 'packets.P.fields[1].name', 'already used on line 11'],
    ['field without type', withFields('      - { name: a } #!'), 'packets.P.fields[0].type', 'is required'],
    ['unknown type', withFields('      - { name: a, type: uint32 } #!'), 'packets.P.fields[0].type', 'must be one of'],
    ['unknown field key', withFields('      - { name: a, type: string, lenght: 4 } #!'), 'packets.P.fields[0].lenght', 'did you mean "length"'],
    ['string without a length', withFields('      - { name: a, type: string } #!'), 'packets.P.fields[0]', 'needs lengthPrefix'],
    ['lengthPrefix and length together', withFields('      - { name: a, type: bytes, lengthPrefix: u8, length: 4 } #!'), 'packets.P.fields[0].length', 'not both'],
    ['bad lengthPrefix type', withFields('      - { name: a, type: string, lengthPrefix: u64 } #!'), 'packets.P.fields[0].lengthPrefix', 'u8, u16, u32'],
    ['zero fixed length', withFields('      - { name: a, type: string, length: 0 } #!'), 'packets.P.fields[0].length', 'positive'],
    ['maxLength with a fixed length', withFields('      - { name: a, type: string, length: 4, maxLength: 2 } #!'), 'packets.P.fields[0].maxLength', 'needs lengthPrefix'],
    ['maxLength beyond the prefix', withFields('      - { name: a, type: bytes, lengthPrefix: u8, maxLength: 300 } #!'), 'packets.P.fields[0].maxLength', '0 to 255'],
    ['length key on a number', withFields('      - { name: a, type: u32, length: 4 } #!'), 'packets.P.fields[0].length', 'applies only to'],
    ['encoding on bytes', withFields('      - { name: a, type: bytes, length: 4, encoding: utf8 } #!'), 'packets.P.fields[0].encoding', 'applies only to string'],
    ['unknown encoding', withFields('      - { name: a, type: string, length: 4, encoding: utf-8 } #!'), 'packets.P.fields[0].encoding', 'did you mean "utf8"'],
    ['odd utf16le length', withFields('      - { name: a, type: string, length: 5, encoding: utf16le } #!'), 'packets.P.fields[0].length', 'even length'],
    ['bad field endianness', withFields('      - { name: a, type: u16, endianness: network } #!'), 'packets.P.fields[0].endianness', 'little, big'],
    ['of on a string', withFields('      - { name: a, type: string, lengthPrefix: u8, of: u8 } #!'), 'packets.P.fields[0].of', 'applies only to array'],
    ['array without of', withFields('      - { name: a, type: array, lengthPrefix: u8 } #!'), 'packets.P.fields[0].of', 'is required'],
    ['array of string without a length', withFields('      - { name: a, type: array, lengthPrefix: u8, of: string } #!'), 'packets.P.fields[0].of', 'needs its length'],
    ['array of an unknown type', withFields('      - { name: a, type: array, lengthPrefix: u8, of: u17 } #!'), 'packets.P.fields[0].of', 'unknown element type'],
    ['array of an empty field list', withFields('      - { name: a, type: array, lengthPrefix: u8, of: [] } #!'), 'packets.P.fields[0].of', 'at least one field'],
    ['name inside an of mapping', withFields('      - { name: a, type: array, lengthPrefix: u8, of: { name: b, type: u8 } } #!'), 'packets.P.fields[0].of.name', 'unknown key'],
    ['mistake inside an element field list', withFields('      - name: a\n        type: array\n        lengthPrefix: u8\n        of:\n          - { name: b, type: u8 }\n          - { name: c, type: i128 } #!'), 'packets.P.fields[0].of[1].type', 'must be one of'],
    // --- defaults ----------------------------------------------------------------
    ['default out of range', withFields('      - { name: a, type: u8, default: 256 } #!'), 'packets.P.fields[0].default', 'from 0 to 255 (u8)'],
    ['default of the wrong type', withFields('      - { name: a, type: string, lengthPrefix: u8, default: 12 } #!'), 'packets.P.fields[0].default', 'must be a string'],
    ['default longer than a fixed length', withFields('      - { name: a, type: string, length: 2, default: abc } #!'), 'packets.P.fields[0].default', 'fixed length'],
    ['bytes default not hex', withFields('      - { name: a, type: bytes, length: 2, default: xyz } #!'), 'packets.P.fields[0].default', 'hex string'],
    ['array default with a bad element', withFields('      - { name: a, type: array, lengthPrefix: u8, of: i8, default: [1, -129] } #!'), 'packets.P.fields[0].default', 'a[1]'],
    ['u64 default beyond 64 bits', withFields('      - { name: a, type: u64, default: 18446744073709551616 } #!'), 'packets.P.fields[0].default', '18446744073709551615'],
    ['empty default', withFields('      - name: a\n        type: u8\n        default: #!'), 'packets.P.fields[0].default', 'needs a value'],
  ])('%s', (_name, text, path, fragment) => {
    const issues = issuesOf(text);
    const hit = issues.find((i) => i.path === path && i.message.includes(fragment));
    expect(hit, `no issue at ${path} containing "${fragment}" in ${JSON.stringify(issues, null, 1)}`).toBeDefined();
    expect(hit!.line).toBe(markedLine(text));
  });

  it('reports every mistake in a file at once, in line order', () => {
    const text = [
      'catalogue: t',
      'header:',
      '  endianness: sideways', // 3
      '  fields: [size, id]',
      '  size: { type: u16 }',
      '  id: { type: u16 }',
      'packets:',
      '  A:',
      '    id: 1',
      '    direction: up', // 10
      '    fields:',
      '      - { name: x, type: f16 }', // 12
      '      - { name: y, type: string }', // 13
      '  B: { id: 1, direction: server }', // 14
      '  C: { id: 2, direction: both, fields: [ { name: z, type: u8, default: -1 } ] }', // 15
      'colour: blue', // 16
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.line, i.path])).toEqual([
      [3, 'header.endianness'],
      [10, 'packets.A.direction'],
      [12, 'packets.A.fields[0].type'],
      [13, 'packets.A.fields[1]'],
      [14, 'packets.B.id'],
      [15, 'packets.C.fields[0].default'],
      [16, 'colour'],
    ]);
  });

  it('the error message lists every issue as file:line: path: message', () => {
    const text = withFields('      - { name: a, type: u8, default: 256 }\n      - { name: b }');
    let err: CatalogueError | undefined;
    try {
      parseCatalogue(text, { source: 'cat.yaml', baseDir: FIXTURES });
    } catch (e) {
      err = e as CatalogueError;
    }
    expect(err?.source).toBe('cat.yaml');
    expect(err?.message).toContain('cat.yaml has 2 problems');
    expect(err?.message).toContain('cat.yaml:11: packets.P.fields[0].default: invalid default');
    expect(err?.message).toContain('cat.yaml:12: packets.P.fields[1].type: "type" is required');
  });

  it('resolves YAML anchors and aliases (shared field lists)', () => {
    const text = withPackets(
      [
        '  PosReq: { id: 1, direction: client, fields: &pos [ { name: x, type: f32 }, { name: y, type: f32 } ] }',
        '  PosRes: { id: 2, direction: server, fields: *pos }',
      ].join('\n'),
    );
    const cat = parseCatalogue(text, { source: 't', baseDir: FIXTURES });
    expect(cat.byName('PosRes')!.fields.map((f) => f.name)).toEqual(['x', 'y']);
    expect(cat.byName('PosRes')!.fixedSize).toBe(12);
  });

  it('accepts a packet without payload and defaults maxPacketSize to what the size field holds', () => {
    const cat = parseCatalogue(withPackets('  Logout: { id: 9, direction: client }'), { source: 't', baseDir: FIXTURES });
    expect(cat.byId(9)!.encode({}).toString('hex')).toBe('04000900');
    expect(cat.maxPacketSize).toBe(0xffff);
  });
});

describe('loadCatalogue', () => {
  it('reads, validates and compiles a file, resolving .proto paths next to it', () => {
    const cat = loadCatalogue(`${FIXTURES}foreign-example.yaml`);
    expect(cat.name).toBe('kraken-v3');
    expect(cat.source).toBe(`${FIXTURES}foreign-example.yaml`);
    expect(cat.byName('ChatMessage')!.protobufType).toBe('kraken.ChatMessage');
  });

  it('throws NMT_CATALOGUE_READ for a file that cannot be read', () => {
    expect(() => loadCatalogue(`${FIXTURES}does-not-exist.yaml`)).toThrow(
      expect.objectContaining({ code: 'NMT_CATALOGUE_READ', message: expect.stringContaining('does-not-exist.yaml') }),
    );
  });

  it('throws NMT_CATALOGUE_INVALID naming the file for an invalid one', () => {
    expect(() => loadCatalogue(`${FIXTURES}broken.proto`)).toThrow(
      expect.objectContaining({ code: 'NMT_CATALOGUE_INVALID', source: `${FIXTURES}broken.proto` }),
    );
  });
});
