import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as emulators from '@suggested-sync/emulators';
import { WORKFLOW_STATE_TYPES } from '@suggested-sync/emulators/linear/model';
import { describe, expect, it } from 'vitest';
import type { EmulatorsPackage } from '../../src/connectors/sandbox-emulators.ts';
import { LINEAR_STATE_TYPES } from '../../src/domain/tracker.ts';

const PACKAGE_SRC = fileURLToPath(new URL('../../packages/emulators/src/', import.meta.url));

describe('the emulators package', () => {
  it('is what the service loads in sandbox mode (the type check holds the two together)', () => {
    const loaded: EmulatorsPackage = emulators;
    expect(typeof loaded.startEmulators).toBe('function');
  });

  it("knows Linear's workflow state types as the service does", () => {
    expect([...WORKFLOW_STATE_TYPES]).toEqual([...LINEAR_STATE_TYPES]);
  });

  it('stands alone: none of its files imports from outside the package', () => {
    const files = readdirSync(PACKAGE_SRC, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((file) =>
      [
        ...readFileSync(path.join(PACKAGE_SRC, file), 'utf8').matchAll(
          /(?:\bfrom|\bimport\(?)\s*'(\.[^']*)'/g,
        ),
      ]
        .map((m) => m[1] ?? '')
        .filter((spec) => !path.resolve(PACKAGE_SRC, path.dirname(file), spec).startsWith(PACKAGE_SRC))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(outside).toEqual([]);
  });
});
