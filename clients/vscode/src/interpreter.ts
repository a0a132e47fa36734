// Which Python runs the server and with what command line. Pure logic (no `vscode` import):
// the extension feeds it the settings, the Python extension's answer and a PATH lookup.

import * as path from 'node:path';

import type { Settings } from './settings';

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface Interpreter {
  /** The executable followed by its own arguments, e.g. ["py", "-3.11"]. */
  argv: string[];
  source: InterpreterSource;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** How the command was chosen, for the output channel and the status bar tooltip. */
  origin: 'shapelens.path' | InterpreterSource;
  /** The interpreter when the server runs as `<python> -c SERVER_LAUNCHER`; undefined for shapelens.path. */
  interpreter?: Interpreter;
  /** The extension's bundled/libs when the server runs from there (importStrategy useBundled). */
  bundledLibs?: string;
}

export interface VariableContext {
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
}

/** The server's own package, which the probe looks for. */
export const SERVER_MODULE = 'server';
/**
 * What `<python> -c` runs to start the server over stdio: not `python -m server`, which looks in the
 * current folder first and so would run a workspace's own `server` package. It drops the current
 * folder from sys.path before importing anything (`-P` needs Python 3.11; `-I` would also drop
 * PYTHONPATH and user site-packages). The same text as server/launcher.py (a Python test checks).
 */
export const SERVER_LAUNCHER = "import sys; sys.path[:] = [p for p in sys.path if p]; from server.cli import main; sys.exit(main(['serve', *sys.argv[1:]]))";
/**
 * The launcher for `shapelens.importStrategy` `useBundled`: `<python> -c BUNDLED_LAUNCHER <libs> <args>`
 * puts `<libs>` (the extension's bundled/libs: Shapelens and its pure-Python dependencies) first
 * on sys.path, after dropping the current folder as SERVER_LAUNCHER does. The same text as
 * server/launcher.py's BUNDLED_LAUNCHER.
 */
export const BUNDLED_LAUNCHER = "import sys; sys.path[:] = [p for p in sys.path if p]; sys.path.insert(0, sys.argv.pop(1)); from server.cli import main; sys.exit(main(['serve', *sys.argv[1:]]))";
/** The folder of bundled/ that holds Shapelens and its dependencies, installed at package time. */
export const BUNDLED_LIBS = 'libs';
/** The Python distribution, as pip and importlib.metadata name it. */
export const PACKAGE_NAME = 'shapelens';
export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Expands ${workspaceFolder}, ${userHome}, ${env:NAME} and a leading ~, as Microsoft's Python tools do. */
export function substitute(value: string, context: VariableContext): string {
  let result = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (whole: string, name: string, envName?: string) => {
    if (envName !== undefined) {
      return context.env[envName] ?? '';
    }
    if (name === 'userHome') {
      return context.userHome;
    }
    return context.workspaceFolder ?? whole;
  });
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = context.userHome + result.slice(1);
  }
  return result;
}

/**
 * The interpreter in order of precedence: the shapelens.interpreter setting, the Python
 * extension's active environment, then python3 (python on Windows) on PATH.
 */
export function chooseInterpreter(
  setting: readonly string[],
  fromPythonExtension: readonly string[] | undefined,
  findOnPath: (name: string) => string | undefined,
  platform: NodeJS.Platform,
  context: VariableContext,
): Interpreter | undefined {
  if (setting.length > 0) {
    return { argv: setting.map((part) => substitute(part, context)), source: 'setting' };
  }
  if (fromPythonExtension !== undefined && fromPythonExtension.length > 0 && fromPythonExtension[0] !== '') {
    return { argv: [...fromPythonExtension], source: 'python-extension' };
  }
  const names = platform === 'win32' ? ['python', 'python3', 'py'] : ['python3', 'python'];
  for (const name of names) {
    const found = findOnPath(name);
    if (found !== undefined) {
      return { argv: [found], source: 'path' };
    }
  }
  return undefined;
}

/**
 * `<shapelens.path...> serve <args>` when shapelens.path is set; else, given the bundled
 * libraries' folder (importStrategy useBundled), `<python> -c BUNDLED_LAUNCHER <libs> <args>`;
 * else `<python> -c SERVER_LAUNCHER <args>`.
 */
export function serverCommand(
  settings: Settings,
  interpreter: Interpreter | undefined,
  context: VariableContext,
  bundledLibs: string | undefined = undefined,
): ServerCommand | undefined {
  const extraArgs = settings.args.map((arg) => substitute(arg, context));
  if (settings.path.length > 0) {
    const [command, ...rest] = settings.path.map((part) => substitute(part, context));
    return { command, args: [...rest, 'serve', ...extraArgs], origin: 'shapelens.path' };
  }
  if (interpreter === undefined) {
    return undefined;
  }
  const [command, ...rest] = interpreter.argv;
  if (bundledLibs !== undefined) {
    return { command, args: [...rest, '-c', BUNDLED_LAUNCHER, bundledLibs, ...extraArgs], origin: interpreter.source, interpreter, bundledLibs };
  }
  return { command, args: [...rest, '-c', SERVER_LAUNCHER, ...extraArgs], origin: interpreter.source, interpreter };
}

/** The folder of the extension that holds the Shapelens wheel (`npm run package` puts it there). */
export const BUNDLED_DIR = 'bundled';

const WHEEL_NAME = new RegExp(`^${PACKAGE_NAME}-(\\d[^-]*)-py3-none-any\\.whl$`);

/**
 * The Shapelens wheel among the names of the files in the extension's bundled folder: Shapelens
 * is not on the package index, so the extension ships it. The newest version wins if there are several.
 */
export function bundledWheel(fileNames: readonly string[]): string | undefined {
  const versions = fileNames
    .map((name) => ({ name, version: WHEEL_NAME.exec(name)?.[1]?.split('.').map((part) => parseInt(part, 10) || 0) }))
    .filter((entry): entry is { name: string; version: number[] } => entry.version !== undefined);
  versions.sort((a, b) => compareVersions(b.version, a.version));
  return versions[0]?.name;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/**
 * The exact command that installs Shapelens into this interpreter, quoted for a shell. `source`
 * is what pip installs: the wheel bundled with the extension (its dependencies, pygls,
 * lsprotocol and jedi, come from the package index), or a checkout of Shapelens.
 */
export function installCommand(interpreter: Interpreter, platform: NodeJS.Platform, source: string): string {
  return [...interpreter.argv, '-m', 'pip', 'install', source].map((arg) => shellQuote(arg, platform)).join(' ');
}

/** The Python of a virtual environment made in `folder`. */
export function venvPython(folder: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.win32.join(folder, 'Scripts', 'python.exe') : path.posix.join(folder, 'bin', 'python');
}

/**
 * For an interpreter pip refuses to install into (PEP 668, e.g. Debian's python3): a command
 * that makes a virtual environment in `folder` with it and installs Shapelens there. The
 * extension then runs the server with that environment's Python.
 */
export function venvInstallCommand(interpreter: Interpreter, platform: NodeJS.Platform, source: string, folder: string): string {
  const make = [...interpreter.argv, '-m', 'venv', folder].map((arg) => shellQuote(arg, platform)).join(' ');
  return `${make} && ${installCommand({ argv: [venvPython(folder, platform)], source: 'setting' }, platform, source)}`;
}

export function shellQuote(arg: string, platform: NodeJS.Platform): string {
  if (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg)) {
    return arg;
  }
  if (platform === 'win32') {
    return `"${arg.replace(/"/g, '\\"')}"`;
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Searches PATH like a shell: the first directory holding an executable `name` wins. */
export function findOnPath(
  name: string,
  pathVariable: string | undefined,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => boolean,
  pathExt: string | undefined = undefined,
): string | undefined {
  const delimiter = platform === 'win32' ? ';' : ':';
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const suffixes = platform === 'win32' ? (pathExt ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((s) => s !== '') : [''];
  for (const dir of (pathVariable ?? '').split(delimiter)) {
    if (dir === '') {
      continue;
    }
    for (const suffix of suffixes) {
      const candidate = paths.join(dir, name + suffix.toLowerCase());
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

// Run as `python -c PROBE_SCRIPT`: reports the Python version and whether Shapelens is importable,
// without importing the server (which would be slow and might fail for unrelated reasons).
export const PROBE_SCRIPT = [
  'import sys',
  'sys.path[:] = [p for p in sys.path if p]  # not the current folder, as SERVER_LAUNCHER',
  '# The bundled libraries first, as BUNDLED_LAUNCHER: their Shapelens is the one found.',
  'libs = sys.argv[1] if len(sys.argv) > 1 else None',
  'if libs:',
  '    sys.path.insert(0, libs)',
  'import json, importlib.util',
  'import os, sysconfig',
  'try:',
  '    from importlib.metadata import version, PackageNotFoundError',
  '    try:',
  `        v = version(${JSON.stringify(PACKAGE_NAME)})`,
  '    except PackageNotFoundError:',
  '        v = None',
  'except ImportError:',
  '    v = None',
  'def has(m):',
  '    try:',
  '        return importlib.util.find_spec(m) is not None',
  '    except Exception:',
  '        return False',
  `ok = has("shape_engine") and has(${JSON.stringify(SERVER_MODULE)})`,
  'spec = importlib.util.find_spec("shape_engine") if ok else None',
  'origin = os.path.dirname(os.path.dirname(spec.origin)) if spec is not None and spec.origin else None',
  '# PEP 668: pip refuses to install into this interpreter outside a virtual environment.',
  'managed = sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))',
  'print(json.dumps({"python": list(sys.version_info[:3]), "executable": sys.executable, "shapelens": v, "importable": ok, "location": origin, "externallyManaged": managed}))',
].join('\n');

export interface ProbeResult {
  python: [number, number, number];
  executable: string;
  shapelens: string | null;
  importable: boolean;
  /** The folder Shapelens is imported from (site-packages, a checkout or the bundled libs). */
  location: string | null;
  /** Whether pip refuses to install into this interpreter (PEP 668). */
  externallyManaged: boolean;
}

export function parseProbe(stdout: string): ProbeResult | undefined {
  const line = stdout.trim().split(/\r?\n/).pop() ?? '';
  try {
    const data = JSON.parse(line) as Partial<ProbeResult>;
    if (!Array.isArray(data.python) || data.python.length < 2 || typeof data.importable !== 'boolean') {
      return undefined;
    }
    return {
      python: [Number(data.python[0]), Number(data.python[1]), Number(data.python[2] ?? 0)],
      executable: typeof data.executable === 'string' ? data.executable : '',
      shapelens: typeof data.shapelens === 'string' ? data.shapelens : null,
      importable: data.importable,
      location: typeof data.location === 'string' ? data.location : null,
      externallyManaged: data.externallyManaged === true,
    };
  } catch {
    return undefined;
  }
}

export type ProbeProblem = { kind: 'old-python'; version: string } | { kind: 'missing-package' };

/** Why this interpreter cannot run the server, or undefined when it can. */
export function probeProblem(probe: ProbeResult): ProbeProblem | undefined {
  const [major, minor] = probe.python;
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return { kind: 'old-python', version: probe.python.join('.') };
  }
  if (!probe.importable) {
    return { kind: 'missing-package' };
  }
  return undefined;
}

/** The command line as the output and the status tooltip show it: the launcher by what it runs. */
export function commandLine(command: ServerCommand): string {
  const shown = (arg: string): string =>
    arg === SERVER_LAUNCHER ? '<launcher of `shapelens serve`>' : arg === BUNDLED_LAUNCHER ? '<launcher of the bundled `shapelens serve`>' : arg;
  return [command.command, ...command.args.map(shown)].join(' ');
}

export function describeOrigin(command: ServerCommand): string {
  switch (command.origin) {
    case 'shapelens.path':
      return 'the shapelens.path setting';
    case 'setting':
      return 'the shapelens.interpreter setting';
    case 'python-extension':
      return "the Python extension's active environment";
    case 'path':
      return 'PATH';
  }
}
