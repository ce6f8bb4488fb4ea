// Fails when src/db/schema has changes that no committed migration carries.
// drizzle-kit diffs the schema against the latest snapshot in a scratch copy of
// migrations/, so nothing in the working tree is touched.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// drizzle-kit resolves --out relative to the working directory, so the scratch copy lives inside the repo.
const scratch = path.join('node_modules', '.cache', 'hearth-migrations-check');
rmSync(path.join(root, scratch), { recursive: true, force: true });
mkdirSync(path.join(root, scratch), { recursive: true });
try {
  cpSync(path.join(root, 'migrations'), path.join(root, scratch), { recursive: true });
  let output;
  try {
    output = execFileSync(
      path.join(root, 'node_modules', '.bin', 'drizzle-kit'),
      ['generate', '--dialect', 'sqlite', '--schema', 'src/db/schema/index.ts', '--out', scratch, '--name', 'pending'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    console.error(`drizzle-kit generate failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    process.exit(1);
  }
  if (!output.includes('No schema changes')) {
    console.error(output);
    console.error(
      'The Drizzle schema has changes with no migration: run `npm run db:generate` and commit migrations/.',
    );
    process.exit(1);
  }
  console.log('migrations: in step with src/db/schema');
} finally {
  rmSync(path.join(root, scratch), { recursive: true, force: true });
}
