// `zod` for the deployed bundle, minus its 40-odd locales (260 KiB of the 860 KiB worker).
// wrangler.toml aliases "zod" here for `wrangler deploy` and `wrangler dev`; tests use zod itself.
//
// Why: zod's index re-exports `z`, a namespace object of everything in classic/external.js,
// `locales` included. A namespace used as a value cannot be tree-shaken, so esbuild keeps every
// locale although only English (registered by classic/schemas.js itself) is ever used. This
// module is external.js without that one line; src/lib/vendor/zod.test.ts fails when a zod
// upgrade adds an export here missing. Paths are relative because the "zod" alias would also
// rewrite "zod/…" subpaths back to this file.
import * as z from './zod.js';

export * from '../../../node_modules/zod/v4/classic/checks.js';
export * as coerce from '../../../node_modules/zod/v4/classic/coerce.js';
export * from '../../../node_modules/zod/v4/classic/compat.js';
export { deepPartial } from '../../../node_modules/zod/v4/classic/deep-partial.js';
export * from '../../../node_modules/zod/v4/classic/errors.js';
export { fromJSONSchema } from '../../../node_modules/zod/v4/classic/from-json-schema.js';
export { input, output } from '../../../node_modules/zod/v4/classic/in-out.js';
export * as iso from '../../../node_modules/zod/v4/classic/iso.js';
export { ZodISODate, ZodISODateTime, ZodISODuration, ZodISOTime } from '../../../node_modules/zod/v4/classic/iso.js';
export * from '../../../node_modules/zod/v4/classic/parse.js';
export * from '../../../node_modules/zod/v4/classic/schemas.js';
export { toJSONSchema } from '../../../node_modules/zod/v4/core/json-schema-processors.js';
export * as core from './zod-core.js';
export {
  $brand,
  $input,
  $output,
  clone,
  compile,
  config,
  flattenError,
  formatError,
  getDiscriminatedOption,
  globalRegistry,
  INVALID,
  memoizer,
  NEVER,
  prettifyError,
  regexes,
  registry,
  TimePrecision,
  toZod,
  treeifyError,
  util,
  withParser,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
} from './zod-core.js';
export { z, z as default };
