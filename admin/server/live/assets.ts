/**
 * The live page's script and stylesheet: the plain TypeScript modules of
 * `admin/page/` bundled by esbuild. `npm run build` writes them into `dist/admin/page/`
 * (build-page.ts), which the container serves; from the sources
 * (make up, tests) they are bundled in memory on the first request, once.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PageAssets {
  js: string;
  css: string;
}

/** The page's folder from this file: admin/server/live/ → admin/page/, and dist/admin/server/live/ → dist/admin/page/. */
export const LIVE_DIR = join(__dirname, '..', '..', 'page');

/** Bundle admin/page/main.ts and admin/page/style.css (esbuild, a dependency of tsx: nothing more to install). */
export async function bundleLivePage(dir = LIVE_DIR, minify = true): Promise<PageAssets> {
  const esbuild = await import('esbuild');
  // One bundle per process (livePageAssets caches it): end esbuild's child process after it, or it
  // keeps the process alive (a test runner that never exits).
  const built = await esbuild
    .build({
      entryPoints: { app: join(dir, 'main.ts'), style: join(dir, 'style.css') },
      bundle: true,
      format: 'esm',
      target: ['es2020'],
      minify,
      write: false,
      outdir: 'out',
      logLevel: 'silent',
    })
    .finally(() => esbuild.stop());
  const find = (suffix: string) => built.outputFiles.find((file) => file.path.endsWith(suffix))?.text ?? '';
  return { js: find('app.js'), css: find('style.css') };
}

let assets: Promise<PageAssets> | undefined;

/** The prebuilt files when they exist, else a bundle made now; one promise shared by every request (a failure is not kept). */
export function livePageAssets(): Promise<PageAssets> {
  if (!assets) {
    const prebuilt = join(LIVE_DIR, 'app.js');
    assets = existsSync(prebuilt)
      ? Promise.all([readFile(prebuilt, 'utf8'), readFile(join(LIVE_DIR, 'app.css'), 'utf8')]).then(([js, css]) => ({
          js,
          css,
        }))
      : bundleLivePage();
    assets.catch(() => {
      assets = undefined;
    });
  }
  return assets;
}
