// `node scripts/complete-lockfile.cjs package-lock.json` after any `npm install`.
//
// Some registries (including the mirror this project is developed against) answer 404 for
// the other platforms' builds of packages such as @biomejs/biome and workerd. npm then
// leaves those optional packages out of package-lock.json, and `npm ci` refuses the lock as
// out of step with package.json. This adds each missing optional platform package as an
// entry limited to its os/cpu, which npm skips on other machines without fetching it and
// resolves normally where it applies.
const fs = require('node:fs');
const path = require('node:path');
const semver = require(path.resolve('node_modules/semver'));
const file = process.argv[2];
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const p = lock.packages;
const platform = (name) => {
  const m = name.match(/-(android|darwin|linux|win32|windows)-(arm64|x64|64)(-musl)?$/);
  if (!m) return {};
  return {
    os: [m[1] === 'windows' ? 'win32' : m[1]],
    cpu: [m[2] === '64' ? 'x64' : m[2]],
    ...(m[3] ? { libc: ['musl'] } : {}),
  };
};
for (const [key, pkg] of Object.entries(p)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    let dir = key;
    let found = false;
    for (;;) {
      const hit = p[`${dir ? `${dir}/` : ''}node_modules/${name}`];
      if (hit) {
        found = semver.satisfies(hit.version, range);
        break;
      }
      if (dir === '') break;
      const i = dir.lastIndexOf('/node_modules/');
      dir = i < 0 ? '' : dir.slice(0, i);
    }
    if (found) continue;
    if (!semver.valid(range)) throw new Error(`${key} wants ${name}@${range}: not an exact version, add it by hand`);
    const at = `${key.slice(0, key.lastIndexOf('node_modules/'))}node_modules/${name}`;
    // npm writes an entry's fields in this order (version, then the rest alphabetically); writing
    // them the same way keeps a later `npm install` from rewriting the lockfile.
    const fields = { dev: pkg.dev || undefined, optional: true, ...platform(name) };
    p[at] = { version: range };
    for (const key of Object.keys(fields).sort()) if (fields[key] !== undefined) p[at][key] = fields[key];
    console.log('added', at, range);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(p).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
