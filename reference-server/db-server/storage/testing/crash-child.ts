/**
 * Child process of the kill -9 durability test. Opens the storage described
 * by the JSON in NMT_CRASH_CONFIG and writes as fast as it can, printing one
 * line per acknowledged write (after its promise resolved):
 *
 *   player <idempotencyKey> <id>
 *   log <entryKey>
 *
 * It never exits by itself; the test SIGKILLs it mid-stream. On Linux,
 * writes to a pipe are synchronous, so every printed line was acknowledged
 * before it reached the parent.
 */
import { createStorage } from '../create-storage.ts';
import type { StorageConfig } from '../config.ts';

const IN_FLIGHT = 32;

async function main(): Promise<void> {
  const config = JSON.parse(process.env.NMT_CRASH_CONFIG ?? 'null') as StorageConfig;
  const storage = await createStorage(config);
  process.stdout.write('ready\n');
  let n = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = n++;
      if (i % 4 === 3) {
        const key = `log-${i}`;
        await storage.logSessions([{ key, sessionId: i, event: 'connect' }]);
        process.stdout.write(`log ${key}\n`);
      } else {
        const key = `player-${i}`;
        const p = await storage.createPlayer({ idempotencyKey: key, name: `n${i}`, gold: i });
        process.stdout.write(`player ${key} ${p.id}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
