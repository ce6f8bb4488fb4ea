// The web build: bundles the browser app (src/web) into public/assets/app.js and
// vendors Swagger UI into public/docs/vendor, so the app and /api/docs load nothing
// from a CDN. wrangler runs it before `wrangler dev` and `wrangler deploy`
// ([build] in wrangler.toml); `npm run build` runs it by hand. Both outputs are gitignored.
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const publicDir = path.join(root, 'public');
const swaggerDir = path.join(root, 'node_modules', 'swagger-ui-dist');
const vendorDir = path.join(publicDir, 'docs', 'vendor');
const appBundle = path.join(publicDir, 'assets', 'app.js');

async function bundleApp() {
  await build({
    entryPoints: [path.join(root, 'src', 'web', 'main.tsx')],
    outfile: appBundle,
    tsconfig: path.join(root, 'src', 'web', 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

async function vendorSwaggerUi() {
  await mkdir(vendorDir, { recursive: true });
  await Promise.all(
    ['swagger-ui-bundle.js', 'swagger-ui.css'].map((file) =>
      copyFile(path.join(swaggerDir, file), path.join(vendorDir, file)),
    ),
  );
}

try {
  await Promise.all([bundleApp(), vendorSwaggerUi()]);
  const { size } = await stat(appBundle);
  console.log(`web: public/assets/app.js ${(size / 1024).toFixed(1)} KiB; Swagger UI vendored`);
} catch (error) {
  // esbuild has already printed its diagnostics; anything else gets one line.
  if (!error?.errors) console.error(`web build failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
