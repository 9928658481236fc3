/** argon2id hashes per second in this process: the ceiling sign-in is reported against. */
import { availableParallelism } from 'node:os';
import { defaultHashConcurrency } from '../src/config.ts';
import { createPasswordHasher } from '../src/modules/credentials/password-hasher.ts';
import { HASHES, SIGNIN_PASSWORD } from './settings.ts';

export interface HashRate {
  hashes: number;
  concurrency: number;
  seconds: number;
  hashesPerSecond: number;
  /** Wall time of one hash on one core. */
  msPerHash: number;
}

/**
 * argon2id hashes per second in this process, with the production hasher and parameters (19 MiB, t=2, p=1)
 * and as many hashes at once as the server computes by default (ROSTER_HASH_CONCURRENCY: two per core).
 */
export async function measureHashRate(): Promise<HashRate | null> {
  if (HASHES <= 0) return null;
  const concurrency = defaultHashConcurrency();
  const hasher = createPasswordHasher({ concurrency, queueSize: HASHES });
  await Promise.all(Array.from({ length: concurrency }, (_, i) => hasher.hash(`warm-up ${i}`)));
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: HASHES }, (_, i) => hasher.hash(`${SIGNIN_PASSWORD} ${i}`)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate: HashRate = {
    hashes: HASHES,
    concurrency,
    seconds: Number(seconds.toFixed(3)),
    hashesPerSecond: Math.round((HASHES / seconds) * 10) / 10,
    msPerHash: Number(((seconds * 1000 * availableParallelism()) / HASHES).toFixed(1)),
  };
  process.stdout.write(
    `argon2id (19 MiB, t=2, p=1): ${rate.hashes} hashes, ${concurrency} at once, in ${rate.seconds} s: ${rate.hashesPerSecond} hashes/s (${rate.msPerHash} ms per hash per core)\n`,
  );
  return rate;
}
