/**
 * `npm run build`'s second step: bundle the live page (live/) into
 * dist/live/app.js and app.css, which the admin server of the container
 * serves (its image has no esbuild). `node --import tsx scripts/build-live-page.ts`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLivePage } from '../workers/admin/live/assets';

const root = join(__dirname, '..');
const out = join(root, 'dist', 'live');

bundleLivePage(join(root, 'live')).then(
  ({ js, css }) => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'app.js'), js);
    writeFileSync(join(out, 'app.css'), css);
    process.stdout.write(`live page: ${out}/app.js (${js.length} bytes), app.css (${css.length} bytes)\n`);
  },
  (error: unknown) => {
    process.stderr.write(`live page bundle failed: ${String(error)}\n`);
    process.exit(1);
  },
);
