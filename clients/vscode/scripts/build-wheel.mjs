// Builds what the .vsix ships in bundled/: the wheel of the Shapelens Python package, and
// bundled/libs, Shapelens with its pure-Python dependencies (pygls, lsprotocol, jedi, parso,
// attrs, cattrs...) installed from the package index by scripts/bundle_libs.py. The extension
// runs the server from bundled/libs by default (shapelens.importStrategy `useBundled`); the
// wheel is what it offers to install into an interpreter for `fromEnvironment`
// (`<python> -m pip install <extension>/bundled/shapelens-<version>-py3-none-any.whl`).
//
// Run by `npm run package` (vscode:prepublish). The package is copied to a temporary folder
// first, so that no build/ or egg-info folder lands in the checkout and no stale build
// output gets into the wheel. SHAPELENS_PYTHON names the Python that runs pip (default python3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(extensionRoot, '..', '..');
const bundled = path.join(extensionRoot, 'bundled');
const python = process.env.SHAPELENS_PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');

function fail(message) {
  console.error(`build-wheel: ${message}`);
  process.exit(1);
}

const pyproject = path.join(repoRoot, 'pyproject.toml');
if (!fs.existsSync(pyproject)) {
  fail(`${pyproject} not found: the extension must sit in clients/vscode of a Shapelens checkout`);
}
// The [project] table runs to the next table header; its version names the wheel.
const table = /^\[project\][ \t]*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(fs.readFileSync(pyproject, 'utf8'))?.[1] ?? '';
const version = /^version\s*=\s*["']([^"']+)["']/m.exec(table)?.[1];
if (version === undefined) {
  fail(`no [project] version in ${pyproject}`);
}
const wheel = `shapelens-${version}-py3-none-any.whl`;

const source = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelens-wheel-'));
try {
  // The project files and every top-level Python package; pyproject.toml chooses what goes in.
  for (const name of fs.readdirSync(repoRoot)) {
    const from = path.join(repoRoot, name);
    const isPackage = fs.statSync(from).isDirectory() && fs.existsSync(path.join(from, '__init__.py'));
    if (isPackage || /^(pyproject\.toml|setup\.(py|cfg)|MANIFEST\.in|README(\.\w+)?|LICEN[CS]E(\.\w+)?)$/i.test(name)) {
      fs.cpSync(from, path.join(source, name), {
        recursive: true,
        filter: (file) => !/(^|[\\/])__pycache__$/.test(file) && !file.endsWith('.pyc'),
      });
    }
  }
  fs.rmSync(bundled, { recursive: true, force: true });
  fs.mkdirSync(bundled, { recursive: true });
  const result = spawnSync(python, ['-m', 'pip', 'wheel', '--no-deps', '--disable-pip-version-check', '--quiet', '--wheel-dir', bundled, source], {
    stdio: 'inherit',
  });
  if (result.error !== undefined) {
    fail(`could not run ${python}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    fail(`\`${python} -m pip wheel\` failed with exit code ${result.status}`);
  }
} finally {
  fs.rmSync(source, { recursive: true, force: true });
}
const built = fs.readdirSync(bundled);
if (built.length !== 1 || built[0] !== wheel) {
  fail(`expected bundled/ to hold only ${wheel}, found: ${built.join(', ') || 'nothing'}`);
}
console.log(`build-wheel: bundled/${wheel} (${fs.statSync(path.join(bundled, wheel)).size} bytes)`);
const libs = spawnSync(python, [path.join(extensionRoot, 'scripts', 'bundle_libs.py'), path.join(bundled, wheel), path.join(bundled, 'libs')], {
  stdio: 'inherit',
});
if (libs.error !== undefined || libs.status !== 0) {
  fail(`bundling the libraries into bundled/libs failed (${libs.error?.message ?? `exit code ${libs.status}`})`);
}
