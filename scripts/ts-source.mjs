// Imports the worker's own TypeScript modules into plain Node (22.18 and later strip types
// by themselves), so scripts/restore.mjs and its test read archives with the exact code the
// worker uses. The only gap is that the worker's imports name no extension ('./manifest'):
// a resolve hook tries `.ts` and `/index.ts` for those, for modules under src/ only.
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const source = pathToFileURL(path.join(root, 'src')).href;

let registered = false;

function register() {
  if (registered) return;
  if (typeof nodeModule.registerHooks !== 'function') {
    throw new Error(
      `Node ${process.version} has no module.registerHooks; use Node 22.18 or later (npm run uses the one in node_modules).`,
    );
  }
  registered = true;
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (!relative || !context.parentURL?.startsWith(source) || /\.[cm]?[jt]sx?$|\.json$/.test(specifier)) {
        return next(specifier, context);
      }
      for (const suffix of ['.ts', '/index.ts']) {
        try {
          return next(specifier + suffix, context);
        } catch {
          // try the next one
        }
      }
      return next(specifier, context);
    },
  });
}

/** `await importSource('src/features/backups/manifest.ts')`: a module of the worker's source. */
export async function importSource(relativePath) {
  register();
  try {
    return await import(pathToFileURL(path.join(root, relativePath)).href);
  } catch (error) {
    if (error?.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new Error(
        `Node ${process.version} cannot load TypeScript by itself; use Node 22.18 or later (npm run uses the one in node_modules).`,
      );
    }
    throw error;
  }
}
