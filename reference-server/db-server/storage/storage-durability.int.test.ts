import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, cleanupFixtures } from './testing/backends.ts';

afterAll(cleanupFixtures);

const CHILD = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Acknowledged writes to collect before pulling the plug. */
const ACKS_BEFORE_KILL = 400;

interface Acks {
  players: Map<string, number>;
  logs: string[];
}

/** Runs the child until it has acknowledged enough writes, then SIGKILLs it mid-stream. */
async function runAndKill(config: object): Promise<Acks> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, NMT_CRASH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const acks: Acks = { players: new Map(), logs: [] };
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [kind, key, id] = line.split(' ');
      if (kind === 'player') acks.players.set(key as string, Number(id));
      else if (kind === 'log') acks.logs.push(key as string);
      if (acks.players.size + acks.logs.length >= ACKS_BEFORE_KILL) {
        child.kill('SIGKILL');
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  const signal = await exited;
  expect(stderr).toBe('');
  expect(signal).toBe('SIGKILL');
  return acks;
}

describe.each(await backends())('$name storage: durability', (backend) => {
  it('keeps every acknowledged write across kill -9 of the process', { timeout: 90_000 }, async () => {
    const f = await backend.fresh();
    const acks = await runAndKill(f.config());
    expect(acks.players.size).toBeGreaterThan(100);
    expect(acks.logs.length).toBeGreaterThan(30);

    const s = await f.open();
    for (const [key, id] of acks.players) {
      const i = Number(key.slice('player-'.length));
      expect(await s.getPlayer(id)).toMatchObject({ id, name: `n${i}`, gold: i });
    }
    // The idempotency keys survived with their players: a retry after the crash returns the same player.
    const [someKey, someId] = [...acks.players][0] as [string, number];
    const i = Number(someKey.slice('player-'.length));
    expect((await s.createPlayer({ idempotencyKey: someKey, name: `n${i}`, gold: i })).id).toBe(someId);
    const raw = await f.raw();
    const stored = new Set((await raw.query('SELECT entry_key AS k FROM session_log')).map((r) => r.k));
    for (const key of acks.logs) expect(stored.has(key)).toBe(true);
  });
});
