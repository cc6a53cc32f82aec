/**
 * `npm run build`'s second step: bundle the live page (admin/page/) into
 * dist/admin/page/app.js and app.css, which the admin server of the container
 * serves (its image has no esbuild). `node --import tsx admin/server/live/build-page.ts`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLivePage } from './assets';

const root = join(__dirname, '..', '..', '..');
const out = join(root, 'dist', 'admin', 'page');

bundleLivePage(join(root, 'admin', 'page')).then(
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
