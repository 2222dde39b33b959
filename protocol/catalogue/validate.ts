/**
 * Validates a whole catalogue document: top-level keys, header, .proto files
 * and packets. Collects every issue in the {@link SourceContext}; returns the
 * spec only when there are none.
 */
import { resolve } from 'node:path';
import type protobuf from 'protobufjs';
import { isScalar, isSeq, type Node } from 'yaml';
import { maxSizeFieldValue } from '../header.ts';
import { loadProtoFiles, lookupMessage, messageNames } from './protobuf-payload.ts';
import { type CatalogueSpec, DIRECTIONS, type HeaderSpec, type PacketSpec, minSizeOf, prefixMax } from './spec.ts';
import { validateFieldList } from './validate-fields.ts';
import { validateHeader } from './validate-header.ts';
import { type Entry, type SourceContext, child, item, suggest } from './yaml-source.ts';

/** maxPacketSize when the catalogue sets none and its size field could express more (16 MiB). */
export const DEFAULT_MAX_PACKET_SIZE = 16 * 1024 * 1024;

const TOP_KEYS = ['catalogue', 'description', 'header', 'protobuf', 'maxPacketSize', 'packets'] as const;
const PACKET_KEYS = ['id', 'direction', 'description', 'fields', 'protobuf'] as const;
const CATALOGUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

interface Protobuf {
  readonly root: protobuf.Root | null;
  /** False when a .proto failed to load: message lookups would only add noise. */
  readonly ok: boolean;
}

/** Validates the parsed document; null when any issue was recorded. */
export function validateCatalogue(ctx: SourceContext, baseDir: string): CatalogueSpec | null {
  for (const err of ctx.doc.errors) {
    const line = err.linePos?.[0].line ?? ctx.lineAt(err.pos[0]);
    const hint = err.code === 'DUPLICATE_KEY' ? ' (a packet or key is defined twice)' : '';
    ctx.issues.push({ path: '', line, message: `YAML: ${err.message.split('\n')[0]}${hint}` });
  }
  // Past a real syntax error the tree is guesswork; a duplicate key leaves it intact.
  if (ctx.doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return null;

  const root = ctx.resolve(ctx.doc.contents);
  if (root === null) {
    ctx.issues.push({ path: '', message: 'the catalogue is empty: it needs at least catalogue, header and packets' });
    return null;
  }
  const map = ctx.map(root, '', 'the catalogue');
  if (map === null) return null;
  const e = ctx.entries(map, '', TOP_KEYS);

  let name: string | null = null;
  const nameEntry = e.get('catalogue');
  if (nameEntry === undefined) ctx.missing(map, '', 'catalogue', 'the catalogue name, e.g. catalogue: game-v1');
  else {
    name = ctx.string(nameEntry);
    if (name !== null && !CATALOGUE_NAME.test(name)) {
      ctx.add(nameEntry.path, nameEntry.value, `catalogue name "${name}" may use letters, digits, '.', '_' and '-' only`);
    }
  }
  const description = readDescription(ctx, e.get('description'));

  const headerEntry = e.get('header');
  let header: HeaderSpec | null = null;
  let littleEndian = true;
  if (headerEntry === undefined) ctx.missing(map, '', 'header', 'the framing, e.g. header: { fields: [size, id], size: { type: u16 }, id: { type: u16 } }');
  else ({ header, littleEndian } = validateHeader(ctx, headerEntry.value));

  const maxPacketSize = readMaxPacketSize(ctx, e.get('maxPacketSize'), header);
  const proto = readProtoFiles(ctx, e.get('protobuf'), baseDir);

  const packets: PacketSpec[] = [];
  const packetsEntry = e.get('packets');
  if (packetsEntry === undefined) ctx.missing(map, '', 'packets', 'a mapping of packet name to { id, direction, fields }');
  else {
    const pmap = ctx.map(packetsEntry.value, 'packets', 'packets', packetsEntry);
    if (pmap !== null && pmap.items.length === 0) ctx.add('packets', pmap, 'the catalogue needs at least one packet');
    const ids = new Map<number, { name: string; line: number | undefined }>();
    const idWidth = header?.layout.idWidth ?? 4;
    const idMax = prefixMax(idWidth === 1 ? 'u8' : idWidth === 2 ? 'u16' : 'u32');
    for (const pair of pmap?.items ?? []) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        ctx.add('packets', key as Node, 'packet names must be plain names');
        continue;
      }
      const path = child('packets', key.value);
      if (!ctx.name(key.value, path, key, 'packet name')) continue;
      const value = ctx.resolve(pair.value);
      ctx.own(value, key);
      const p = validatePacket(ctx, key.value, value, path, { littleEndian, idMax, proto, ids });
      if (p === null) continue;
      const min = (header?.layout.headerSize ?? 0) + (p.body.kind === 'struct' ? minSizeOf(p.body) : 0);
      if (maxPacketSize !== null && min > maxPacketSize) {
        ctx.add(path, key, `the packet is at least ${min} bytes, more than maxPacketSize ${maxPacketSize}`);
        continue;
      }
      packets.push(p);
    }
  }

  if (ctx.issues.length > 0 || name === null || header === null || maxPacketSize === null) return null;
  return { name, description, header, maxPacketSize, packets };
}

function readDescription(ctx: SourceContext, entry: Entry | undefined): string | null {
  return entry === undefined ? null : ctx.string(entry);
}

function readMaxPacketSize(ctx: SourceContext, entry: Entry | undefined, header: HeaderSpec | null): number | null {
  if (header === null) {
    if (entry !== undefined) ctx.int(entry, 1, 0xffff_ffff);
    return null;
  }
  const l = header.layout;
  const limit = maxSizeFieldValue(l) + (l.sizeIncludesHeader ? 0 : l.headerSize);
  if (entry === undefined) return Math.min(limit, DEFAULT_MAX_PACKET_SIZE);
  return ctx.int(entry, l.headerSize, limit, `an integer from ${l.headerSize} (the header) to ${limit} (what the size field can express)`);
}

function readProtoFiles(ctx: SourceContext, entry: Entry | undefined, baseDir: string): Protobuf {
  if (entry === undefined) return { root: null, ok: true };
  const nodes: (Node | null)[] = isSeq(entry.value) ? entry.value.items.map((n) => ctx.resolve(n)) : [entry.value];
  const files: { path: string; node: Node | null; at: string }[] = [];
  nodes.forEach((n, i) => {
    const at = isSeq(entry.value) ? item(entry.path, i) : entry.path;
    if (isScalar(n) && typeof n.value === 'string' && n.value !== '') files.push({ path: resolve(baseDir, n.value), node: n, at });
    else ctx.add(at, n ?? entry.keyNode, '"protobuf" lists .proto file paths, relative to the catalogue file');
  });
  if (files.length !== nodes.length) return { root: null, ok: false };
  const { root, errors } = loadProtoFiles(files.map((f) => f.path));
  let ok = true;
  errors.forEach((msg, i) => {
    if (msg === null) return;
    ok = false;
    ctx.add(files[i]!.at, files[i]!.node, `cannot load ${files[i]!.path}: ${msg}`);
  });
  return { root, ok };
}

interface PacketScope {
  readonly littleEndian: boolean;
  readonly idMax: number;
  readonly proto: Protobuf;
  readonly ids: Map<number, { name: string; line: number | undefined }>;
}

function validatePacket(ctx: SourceContext, name: string, node: Node | null, path: string, s: PacketScope): PacketSpec | null {
  const map = ctx.map(node, path, `packet ${name}`);
  if (map === null) return null;
  const e = ctx.entries(map, path, PACKET_KEYS);
  let ok = e.size === map.items.length;

  let id: number | null = null;
  const idEntry = e.get('id');
  if (idEntry === undefined) ctx.missing(map, path, 'id', 'the packet id the header carries, e.g. id: 0x0101');
  else {
    const hex = `0x${s.idMax.toString(16)}`;
    id = ctx.int(idEntry, 0, s.idMax, `an integer from 0 to ${hex} (what the header's id field holds)`);
    const first = id === null ? undefined : s.ids.get(id);
    if (first !== undefined) {
      const where = first.line !== undefined ? ` (line ${first.line})` : '';
      ctx.add(idEntry.path, idEntry.value, `id 0x${id!.toString(16).padStart(4, '0')} is already used by ${first.name}${where}`);
      id = null;
    } else if (id !== null) s.ids.set(id, { name, line: ctx.lineOf(idEntry.value) });
  }
  if (id === null) ok = false;

  const dirEntry = e.get('direction');
  let direction: PacketSpec['direction'] | null = null;
  if (dirEntry === undefined) ctx.missing(map, path, 'direction', 'client (client to server), server (server to client) or both');
  else direction = ctx.oneOf(dirEntry, DIRECTIONS, 'client (client to server), server (server to client) or both');

  const descEntry = e.get('description');
  const description = descEntry === undefined ? null : ctx.string(descEntry);
  if (descEntry !== undefined && description === null) ok = false;

  const fields = e.get('fields');
  const proto = e.get('protobuf');
  let body: PacketSpec['body'] | null = { kind: 'struct', fields: [] };
  if (fields !== undefined && proto !== undefined) {
    ctx.add(proto.path, proto.keyNode, 'a packet has either fields or a protobuf message, not both');
    body = null;
  } else if (fields !== undefined) {
    body = validateFieldList({ ctx, pkt: name }, fields.value, fields.path, s.littleEndian, fields);
  } else if (proto !== undefined) {
    body = null;
    const typeName = ctx.string(proto);
    if (typeName !== null && s.proto.root === null && s.proto.ok) {
      ctx.add(proto.path, proto.value, 'no .proto files are listed: add protobuf: [file.proto] at the top of the catalogue');
    } else if (typeName !== null && s.proto.root !== null && s.proto.ok) {
      const type = lookupMessage(s.proto.root, typeName);
      if (type === null) {
        const hint = suggest(typeName, messageNames(s.proto.root));
        ctx.add(proto.path, proto.value, `no protobuf message "${typeName}" in the listed .proto files${hint}`);
      } else {
        body = { kind: 'protobuf', typeName: type.fullName.replace(/^\./, ''), type };
      }
    }
  }

  if (!ok || id === null || direction === null || body === null) return null;
  return { name, id, direction, description, body };
}
