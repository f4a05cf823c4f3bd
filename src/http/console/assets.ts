import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AppDeps } from '../app.ts';
import type { RouteHandlers } from '../route-table.ts';
import { sendConsoleError } from './error-page.ts';

/** The only files served under /console/assets/: a name not listed here is a 404, so no path reaches the disk. */
const ASSETS = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
} as const;

type AssetName = keyof typeof ASSETS;

interface LoadedAsset {
  body: Buffer;
  etag: string;
}

const isAssetName = (name: string): name is AssetName => Object.hasOwn(ASSETS, name);

/**
 * The files change only with a release, so browsers may keep them a few minutes and then revalidate by ETag:
 * short enough that a new release's look arrives without a hard reload, and no build step renames the files.
 */
const CACHE_CONTROL = 'public, max-age=300, must-revalidate';

/** `GET /` leads to the console; `GET /console/assets/<name>` serves the console's stylesheet and script. */
export function assetHandlers(_deps?: AppDeps): Pick<RouteHandlers, 'root' | 'consoleAsset'> {
  const loaded = new Map<AssetName, Promise<LoadedAsset>>();
  // Read once per process: the files sit beside the templates and only change with a new build.
  const load = (name: AssetName) => {
    let asset = loaded.get(name);
    if (!asset) {
      asset = readFile(new URL(`../views/assets/${name}`, import.meta.url)).then((body) => ({
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      }));
      // A failed read (a broken image) is retried on the next request rather than remembered.
      asset.catch(() => loaded.delete(name));
      loaded.set(name, asset);
    }
    return asset;
  };

  return {
    root: (_input, _req, res) => {
      res.redirect(303, '/console');
    },

    consoleAsset: async ({ params: { name } }, req, res) => {
      if (!isAssetName(name)) {
        return sendConsoleError(req, res, {
          status: 404,
          title: 'Not found',
          detail: 'The console has no such file.',
        });
      }
      const { body, etag } = await load(name);
      res.set({
        'Content-Type': ASSETS[name],
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': CACHE_CONTROL,
        ETag: etag,
      });
      const sent = req.get('if-none-match');
      if (sent?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        return void res.status(304).end();
      }
      res.status(200).send(body);
    },
  };
}
