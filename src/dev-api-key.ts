import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Outside production with no API_KEYS configured, one key is generated on first start and kept in DATA_DIR so
 * it stays the same across restarts (and for `npm run api` beside `npm run worker`).
 */
export function devApiKey(dataDir: string): { key: string; file: string; created: boolean } {
  const file = path.join(dataDir, 'dev-api-key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 16) return { key, file, created: false };
  } catch {
    // not created yet
  }
  mkdirSync(dataDir, { recursive: true });
  const key = `ssk_dev_${randomBytes(18).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}

/** The development key if one was generated in `dataDir`, without creating one (for `npm run import`). */
export function readDevApiKey(dataDir: string): string | undefined {
  try {
    const key = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
    return key.length >= 16 ? key : undefined;
  } catch {
    return undefined;
  }
}
