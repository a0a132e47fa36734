import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  bundledWheel,
  chooseInterpreter,
  commandLine,
  findOnPath,
  installCommand,
  BUNDLED_LAUNCHER,
  venvInstallCommand,
  parseProbe,
  PROBE_SCRIPT,
  SERVER_LAUNCHER,
  probeProblem,
  serverCommand,
  shellQuote,
  substitute,
  type VariableContext,
} from '../src/interpreter';
import { readSettings } from '../src/settings';

const context: VariableContext = { workspaceFolder: '/work/proj', userHome: '/home/ada', env: { VENV: '/opt/venv' } };
const nothingOnPath = (): undefined => undefined;

describe('substitute', () => {
  it('expands the variables of Microsoft Python tool settings', () => {
    assert.equal(substitute('${workspaceFolder}/.venv/bin/python', context), '/work/proj/.venv/bin/python');
    assert.equal(substitute('${userHome}/py', context), '/home/ada/py');
    assert.equal(substitute('${env:VENV}/bin/python', context), '/opt/venv/bin/python');
    assert.equal(substitute('${env:UNSET}x', context), 'x');
    assert.equal(substitute('~/bin/python', context), '/home/ada/bin/python');
  });
  it('leaves ${workspaceFolder} alone without a workspace, and other text untouched', () => {
    assert.equal(substitute('${workspaceFolder}/p', { ...context, workspaceFolder: undefined }), '${workspaceFolder}/p');
    assert.equal(substitute('/a/~/b', context), '/a/~/b');
  });
});

describe('chooseInterpreter', () => {
  it('prefers the shapelens.interpreter setting', () => {
    const chosen = chooseInterpreter(['${workspaceFolder}/.venv/bin/python'], ['/from/python/ext'], () => '/usr/bin/python3', 'linux', context);
    assert.deepEqual(chosen, { argv: ['/work/proj/.venv/bin/python'], source: 'setting' });
  });
  it("then the Python extension's active environment", () => {
    const chosen = chooseInterpreter([], ['/from/python/ext'], () => '/usr/bin/python3', 'linux', context);
    assert.deepEqual(chosen, { argv: ['/from/python/ext'], source: 'python-extension' });
  });
  it('then python3 on PATH, and python when there is no python3', () => {
    assert.deepEqual(chooseInterpreter([], undefined, (name) => (name === 'python3' ? '/usr/bin/python3' : '/usr/bin/python'), 'linux', context), {
      argv: ['/usr/bin/python3'],
      source: 'path',
    });
    assert.deepEqual(chooseInterpreter([], [], (name) => (name === 'python' ? '/usr/bin/python' : undefined), 'linux', context), {
      argv: ['/usr/bin/python'],
      source: 'path',
    });
  });
  it('looks for python first on Windows', () => {
    const looked: string[] = [];
    chooseInterpreter([], undefined, (name) => void looked.push(name), 'win32', context);
    assert.deepEqual(looked, ['python', 'python3', 'py']);
  });
  it('gives undefined when there is no Python at all', () => {
    assert.equal(chooseInterpreter([], undefined, nothingOnPath, 'linux', context), undefined);
  });
});

describe('serverCommand', () => {
  it('runs `python -c SERVER_LAUNCHER` (not `-m server`) with the extra arguments', () => {
    const settings = readSettings((key) => ({ args: ['--log-file', '${userHome}/sl.log'] })[key]);
    const command = serverCommand(settings, { argv: ['/usr/bin/python3', '-X', 'utf8'], source: 'path' }, context);
    assert.deepEqual(command && { command: command.command, args: command.args, origin: command.origin }, {
      command: '/usr/bin/python3',
      args: ['-X', 'utf8', '-c', SERVER_LAUNCHER, '--log-file', '/home/ada/sl.log'],
      origin: 'path',
    });
  });
  it('runs `python -c BUNDLED_LAUNCHER <libs>` from the bundled libraries (importStrategy useBundled)', () => {
    const command = serverCommand(readSettings(() => undefined), { argv: ['/usr/bin/python3'], source: 'path' }, context, '/ext/bundled/libs');
    assert.deepEqual(command?.args, ['-c', BUNDLED_LAUNCHER, '/ext/bundled/libs']);
    assert.equal(command?.bundledLibs, '/ext/bundled/libs');
    assert.equal(command && commandLine(command), '/usr/bin/python3 -c <launcher of the bundled `shapelens serve`> /ext/bundled/libs');
  });
  it('shows the launcher by what it runs', () => {
    const command = serverCommand(readSettings(() => undefined), { argv: ['/usr/bin/python3'], source: 'path' }, context);
    assert.equal(command && commandLine(command), '/usr/bin/python3 -c <launcher of `shapelens serve`>');
  });
  it('runs `<shapelens.path> serve` when shapelens.path is set', () => {
    const settings = readSettings((key) => ({ path: ['${env:VENV}/bin/shapelens'], args: ['--log-file', 'x'] })[key]);
    const command = serverCommand(settings, undefined, context);
    assert.deepEqual(command && { command: command.command, args: command.args, origin: command.origin, interpreter: command.interpreter }, {
      command: '/opt/venv/bin/shapelens',
      args: ['serve', '--log-file', 'x'],
      origin: 'shapelens.path',
      interpreter: undefined,
    });
  });
  it('gives undefined without an interpreter or a path', () => {
    assert.equal(serverCommand(readSettings(() => undefined), undefined, context), undefined);
  });
});

describe('installCommand', () => {
  const wheel = '/home/ada/.vscode/extensions/shapelens.shapelens-0.1.0/bundled/shapelens-0.1.0-py3-none-any.whl';
  it('is the exact pip command that installs the given wheel into the interpreter', () => {
    assert.equal(installCommand({ argv: ['/usr/bin/python3'], source: 'path' }, 'linux', wheel), `/usr/bin/python3 -m pip install ${wheel}`);
  });
  it('quotes paths with spaces', () => {
    assert.equal(
      installCommand({ argv: ['/home/a b/venv/bin/python'], source: 'setting' }, 'linux', '/x y/shapelens-0.1.0-py3-none-any.whl'),
      "'/home/a b/venv/bin/python' -m pip install '/x y/shapelens-0.1.0-py3-none-any.whl'",
    );
    assert.equal(
      installCommand({ argv: ['C:\\Program Files\\Python311\\python.exe'], source: 'setting' }, 'win32', 'C:\\ext\\shapelens-0.1.0-py3-none-any.whl'),
      '"C:\\Program Files\\Python311\\python.exe" -m pip install C:\\ext\\shapelens-0.1.0-py3-none-any.whl',
    );
  });
  it('makes a virtual environment first for an externally managed Python (PEP 668)', () => {
    assert.equal(
      venvInstallCommand({ argv: ['/usr/bin/python3'], source: 'path' }, 'linux', wheel, '/home/ada/.shapelens venv'),
      `/usr/bin/python3 -m venv '/home/ada/.shapelens venv' && '/home/ada/.shapelens venv/bin/python' -m pip install ${wheel}`,
    );
    assert.equal(
      venvInstallCommand({ argv: ['py', '-3.12'], source: 'path' }, 'win32', 'C:\\w.whl', 'C:\\sl'),
      'py -3.12 -m venv C:\\sl && C:\\sl\\Scripts\\python.exe -m pip install C:\\w.whl',
    );
  });
  it('quotes single quotes for a POSIX shell', () => {
    assert.equal(shellQuote("it's", 'linux'), `'it'\\''s'`);
  });
});

describe('bundledWheel', () => {
  it('finds the Shapelens wheel among the bundled files', () => {
    assert.equal(bundledWheel(['README.md', 'shapelens-0.1.0-py3-none-any.whl']), 'shapelens-0.1.0-py3-none-any.whl');
  });
  it('takes the newest of several, comparing versions as numbers', () => {
    assert.equal(
      bundledWheel(['shapelens-0.9.0-py3-none-any.whl', 'shapelens-0.10.1-py3-none-any.whl', 'shapelens-0.10.0-py3-none-any.whl']),
      'shapelens-0.10.1-py3-none-any.whl',
    );
  });
  it("ignores other packages' wheels and sdists", () => {
    assert.equal(bundledWheel([]), undefined);
    assert.equal(bundledWheel(['pygls-2.0.0-py3-none-any.whl', 'shapelens-0.1.0.tar.gz', 'shapelens_extra-0.1.0-py3-none-any.whl']), undefined);
  });
});

describe('findOnPath', () => {
  it('returns the first executable match in PATH order', () => {
    const executables = new Set(['/opt/bin/python3', '/usr/bin/python3']);
    assert.equal(findOnPath('python3', '/nope::/opt/bin:/usr/bin', 'linux', (file) => executables.has(file)), '/opt/bin/python3');
    assert.equal(findOnPath('python9', '/opt/bin:/usr/bin', 'linux', (file) => executables.has(file)), undefined);
    assert.equal(findOnPath('python3', undefined, 'linux', () => true), undefined);
  });
  it('tries PATHEXT suffixes on Windows', () => {
    const found = findOnPath('python', 'C:\\Py;D:\\x', 'win32', (file) => file === 'C:\\Py\\python.exe', '.COM;.EXE');
    assert.equal(found, 'C:\\Py\\python.exe');
  });
});

describe('probe', () => {
  it('parses the last line the probe prints', () => {
    const probe = parseProbe('noise\n{"python": [3, 11, 2], "executable": "/usr/bin/python3", "shapelens": "0.1.0", "importable": true}\n');
    assert.deepEqual(probe, { python: [3, 11, 2], executable: '/usr/bin/python3', shapelens: '0.1.0', importable: true, location: null, externallyManaged: false });
    assert.equal(probeProblem(probe), undefined);
  });
  it('reports a missing package', () => {
    const probe = parseProbe('{"python": [3, 12, 0], "executable": "/v/bin/python", "shapelens": null, "importable": false}');
    assert.deepEqual(probeProblem(probe!), { kind: 'missing-package' });
  });
  it('reports a Python that is too old', () => {
    const probe = parseProbe('{"python": [3, 8, 10], "executable": "/usr/bin/python3.8", "shapelens": null, "importable": false}');
    assert.deepEqual(probeProblem(probe!), { kind: 'old-python', version: '3.8.10' });
  });
  it('gives undefined for output that is not a probe answer', () => {
    assert.equal(parseProbe(''), undefined);
    const bundled = parseProbe('{"python": [3, 12, 0], "executable": "/usr/bin/python3", "shapelens": "0.1.0", "importable": true, "location": "/ext/bundled/libs", "externallyManaged": true}');
    assert.equal(bundled?.location, '/ext/bundled/libs');
    assert.equal(bundled?.externallyManaged, true);
    assert.equal(parseProbe('Traceback (most recent call last):'), undefined);
    assert.equal(parseProbe('{"python": "3"}'), undefined);
  });
});

describe('PROBE_SCRIPT', () => {
  const python = findOnPath('python3', process.env.PATH, process.platform, (file) => existsSync(file));
  it('runs in a real Python and answers in the expected form', { skip: python === undefined ? 'no python3 on PATH' : false }, () => {
    const stdout = execFileSync(python!, ['-c', PROBE_SCRIPT], { cwd: tmpdir(), encoding: 'utf8' });
    const probe = parseProbe(stdout);
    assert.ok(probe, `unexpected probe output: ${stdout}`);
    assert.ok(probe.python[0] >= 3);
    assert.equal(typeof probe.importable, 'boolean');
  });
  it('finds the Shapelens of the bundled libraries folder first', { skip: python === undefined ? 'no python3 on PATH' : false }, () => {
    const libs = mkdtempSync(path.join(tmpdir(), 'shapelens-libs-'));
    try {
      for (const pkg of ['shape_engine', 'server']) {
        mkdirSync(path.join(libs, pkg));
        writeFileSync(path.join(libs, pkg, '__init__.py'), '');
      }
      mkdirSync(path.join(libs, 'shapelens-9.9.dist-info'));
      writeFileSync(path.join(libs, 'shapelens-9.9.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: shapelens\nVersion: 9.9\n');
      const probe = parseProbe(execFileSync(python!, ['-c', PROBE_SCRIPT, libs], { cwd: tmpdir(), encoding: 'utf8' }));
      assert.equal(probe?.importable, true);
      assert.equal(probe?.shapelens, '9.9');
      assert.equal(probe?.location, libs);
    } finally {
      rmSync(libs, { recursive: true, force: true });
    }
  });
});
