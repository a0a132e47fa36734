// Runs the compiled unit tests (out/test/*.test.js) with node:test. The files are listed here
// rather than passed as a folder or a glob: `node --test <folder>` and glob arguments behave
// differently across Node versions and shells.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'out', 'test');
const files = fs.existsSync(folder)
  ? fs.readdirSync(folder).filter((name) => name.endsWith('.test.js')).sort().map((name) => path.join(folder, name))
  : [];
if (files.length === 0) {
  console.error(`no compiled tests in ${folder}: run \`tsc -p tsconfig.test.json\` first`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
