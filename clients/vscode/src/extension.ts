// Shapelens for VS Code: starts the Shapelens language server with the right Python and keeps
// it in step with the user's settings. Diagnostics, hover, inlay shapes and quick fixes come
// from the server through vscode-languageclient; "Shapelens: Check Workspace" runs the server's
// workspace-wide check.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  InlayHintRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  WorkDoneProgress,
} from 'vscode-languageclient/node';

import {
  BUNDLED_DIR,
  bundledWheel,
  chooseInterpreter,
  commandLine,
  describeOrigin,
  findOnPath,
  installCommand,
  type Interpreter,
  parseProbe,
  PROBE_SCRIPT,
  probeProblem,
  type ServerCommand,
  serverCommand,
  type VariableContext,
} from './interpreter';
import { activeInterpreter, onActiveInterpreterChange } from './pythonExtension';
import { needsRestart, readSettings, serverSettings, type Settings, severityFor, type SeverityLevel, shouldNotify } from './settings';
import { type ServerState, statusView } from './status';
import { CHECK_WORKSPACE_COMMAND, checkWorkspaceParams, describeWorkspaceCheck, ProgressSteps, workspaceCheckOutcome } from './workspaceCheck';

const CLIENT_ID = 'shapelens';
const CLIENT_NAME = 'Shapelens';
const PROBE_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const RESTART_DELAY_MS = 250;
const STATUS_MESSAGE_MS = 10_000;
// Python files, and the Python cells of notebooks (as Microsoft's Python tool extensions select
// them): the server advertises notebook document sync for `jupyter-notebook` notebooks, so the
// client syncs those cells as notebooks, and hover, inlay hints and code actions reach them too.
const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'vscode-notebook', language: 'python' },
  { scheme: 'vscode-notebook-cell', language: 'python' },
];

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  const status = vscode.window.createStatusBarItem('shapelens.status', vscode.StatusBarAlignment.Right, 100);
  status.name = CLIENT_NAME;
  status.command = 'shapelens.showOutput';
  const server = new ServerController(context, output, status);
  controller = server;
  context.subscriptions.push(
    output,
    status,
    server,
    vscode.commands.registerCommand('shapelens.restart', () => server.restart('the Restart Server command')),
    vscode.commands.registerCommand('shapelens.showOutput', () => output.show()),
    vscode.commands.registerCommand(CHECK_WORKSPACE_COMMAND, () => server.checkWorkspace()),
    vscode.workspace.onDidChangeConfiguration((event) => server.onConfigurationChanged(event)),
  );
  const pythonListener = await onActiveInterpreterChange(() => server.onPythonEnvironmentChanged());
  if (pythonListener !== undefined) {
    context.subscriptions.push(pythonListener);
  }
  await server.restart('activation');
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private settings: Settings;
  private command: ServerCommand | undefined;
  private queue: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  // Diagnostics as the server sent them, so that a shapelens.severity change re-maps them.
  private readonly serverDiagnostics = new Map<string, vscode.Diagnostic[]>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly status: vscode.StatusBarItem,
  ) {
    this.settings = this.readSettings();
  }

  dispose(): void {
    clearTimeout(this.restartTimer);
    void this.stop();
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.output.info(`Starting the server (${reason})`);
      await this.stopClient();
      await this.startClient();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.stopClient());
  }

  /** Starts and stops are serialised; a step that fails is reported and does not block the next. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      this.output.error(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      this.setState('error', String(error));
    });
    return this.queue;
  }

  /**
   * Checks every Python file of the workspace: the findings of files that are not open join the
   * Problems view. Its progress shows in a notification whose Cancel button cancels the request
   * (the server then stops and answers with what it checked); the outcome goes to the status bar
   * and the output.
   */
  async checkWorkspace(): Promise<void> {
    await this.queue; // a start or restart under way finishes first
    const client = this.client;
    if (client === undefined || !client.isRunning()) {
      const message = 'Shapelens: the server is not running, so the workspace cannot be checked. See the Shapelens output.';
      this.output.error(message);
      const choice = await this.notify('error', message, 'Show Output');
      if (choice === 'Show Output') {
        this.output.show();
      }
      return;
    }
    this.output.info('Checking the workspace');
    const { answer, cancelled } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Shapelens: checking the workspace', cancellable: true },
      async (progress, token) => {
        const workDoneToken = randomUUID();
        const steps = new ProgressSteps();
        const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
          const step = steps.next(value);
          if (step !== undefined) {
            progress.report(step);
          }
        });
        let answer: unknown;
        try {
          // The token cancels the request ($/cancelRequest) when the user presses Cancel.
          answer = await client.sendRequest(ExecuteCommandRequest.type, checkWorkspaceParams(workDoneToken), token);
        } catch (error) {
          answer = error;
        } finally {
          listener.dispose();
        }
        return { answer, cancelled: token.isCancellationRequested };
      },
    );
    const result = workspaceCheckOutcome(answer, cancelled);
    if (result === undefined) {
      const detail = answer instanceof Error ? answer.message : 'the server gave no result';
      const message = `Shapelens: the workspace check failed (${detail}). See the Shapelens output.`;
      this.output.error(message);
      void this.notify('error', message);
      return;
    }
    const summary = describeWorkspaceCheck(result);
    this.output.info(summary);
    vscode.window.setStatusBarMessage(summary, STATUS_MESSAGE_MS);
    void this.notify('info', summary);
  }

  onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('shapelens')) {
      return;
    }
    const before = this.settings;
    this.settings = this.readSettings();
    if (needsRestart(before, this.settings) || this.client === undefined || !this.client.isRunning()) {
      this.scheduleRestart('a settings change');
      return;
    }
    this.output.info('Settings changed; sending them to the server');
    this.client
      .sendNotification(DidChangeConfigurationNotification.type, { settings: { shapelens: serverSettings(this.settings) } })
      .catch((error: unknown) => this.output.error(`Could not send the settings: ${String(error)}`));
    this.remapDiagnostics();
    this.refreshInlayHints();
  }

  onPythonEnvironmentChanged(): void {
    if (this.command?.origin === 'python-extension' || this.settings.interpreter.length === 0) {
      this.scheduleRestart("a change of the Python extension's environment");
    }
  }

  /** Settings often change in bursts (typing in the Settings editor): restart once they settle. */
  private scheduleRestart(reason: string): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.restart(reason), RESTART_DELAY_MS);
  }

  private readSettings(): Settings {
    const config = vscode.workspace.getConfiguration('shapelens', this.resource());
    return readSettings((key) => config.get(key));
  }

  private resource(): vscode.Uri | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  private variables(): VariableContext {
    return { workspaceFolder: this.resource()?.fsPath, userHome: os.homedir(), env: process.env };
  }

  private async startClient(): Promise<void> {
    this.settings = this.readSettings();
    this.setState('starting');
    const command = await this.resolveCommand();
    this.command = command;
    if (command === undefined) {
      return;
    }
    this.output.info(`Server command (from ${describeOrigin(command)}): ${commandLine(command)}`);
    if (command.interpreter !== undefined && !(await this.interpreterIsReady(command.interpreter))) {
      return;
    }
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, this.serverOptions(command), this.clientOptions());
    client.onDidChangeState((event) => {
      if (this.client === client) {
        this.setState(event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.setState('running');
    } catch (error) {
      this.setState('error', String(error));
      this.output.error(`The server did not start: ${String(error)}`);
      this.notify('error', `Shapelens: the server did not start (${String(error)}). See the Shapelens output for details.`);
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.serverDiagnostics.clear();
    if (client === undefined) {
      return;
    }
    try {
      await client.dispose(STOP_TIMEOUT_MS);
    } catch (error) {
      this.output.warn(`Stopping the server: ${String(error)}`);
    }
    this.setState('stopped');
  }

  private async resolveCommand(): Promise<ServerCommand | undefined> {
    const settings = this.settings;
    const variables = this.variables();
    let interpreter: Interpreter | undefined;
    if (settings.path.length === 0) {
      const fromPython = settings.interpreter.length > 0 ? undefined : await activeInterpreter(this.resource());
      interpreter = chooseInterpreter(
        settings.interpreter,
        fromPython,
        (name) => findOnPath(name, process.env.PATH, process.platform, isExecutable, process.env.PATHEXT),
        process.platform,
        variables,
      );
    }
    const command = serverCommand(settings, interpreter, variables);
    if (command === undefined) {
      const message = 'Shapelens: no Python interpreter found. Set "shapelens.interpreter" or install python3.';
      this.output.error(message);
      this.setState('missing', 'No Python interpreter found');
      this.notify('error', message, 'Open Settings').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'shapelens.interpreter');
        }
      }, () => undefined);
    }
    return command;
  }

  /** Runs a probe in the interpreter; explains and offers the install command when it cannot serve. */
  private async interpreterIsReady(interpreter: Interpreter): Promise<boolean> {
    const [executable, ...rest] = interpreter.argv;
    const { stdout, error } = await run(executable, [...rest, '-c', PROBE_SCRIPT], this.context.extensionPath);
    const probe = parseProbe(stdout);
    if (probe === undefined) {
      const detail = error ? String(error) : 'no answer';
      this.output.error(`Could not run the interpreter ${interpreter.argv.join(' ')}: ${detail}`);
      this.setState('error', `Cannot run ${executable}`);
      this.notify('error', `Shapelens: could not run the Python interpreter ${executable}. Set "shapelens.interpreter" to a working Python.`);
      return false;
    }
    this.output.info(`Interpreter ${probe.executable} (Python ${probe.python.join('.')}), shapelens ${probe.shapelens ?? 'not installed'}`);
    const problem = probeProblem(probe);
    if (problem === undefined) {
      return true;
    }
    if (problem.kind === 'old-python') {
      const message = `Shapelens needs Python 3.10 or newer, but ${executable} is Python ${problem.version}. Set "shapelens.interpreter" to a newer Python.`;
      this.output.error(message);
      this.setState('error', message);
      this.notify('error', message);
      return false;
    }
    const source = this.installSource();
    if (source === undefined) {
      const install = installCommand(interpreter, process.platform, '/path/to/shapelens-checkout');
      const message = `Shapelens is not installed in ${executable}, and this copy of the extension carries no Shapelens wheel. Install it from a checkout of Shapelens with: ${install}`;
      this.output.error(message);
      this.setState('missing', message);
      void this.notify('error', message, 'Choose Interpreter').then((choice) => {
        if (choice === 'Choose Interpreter') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'shapelens.interpreter');
        }
      }, () => undefined);
      return false;
    }
    const install = installCommand(interpreter, process.platform, source);
    const message = `Shapelens is not installed in ${executable}. Install it with: ${install}`;
    this.output.error(message);
    this.setState('missing', message);
    void this.offerInstall(message, install);
    return false;
  }

  /**
   * What pip installs: the wheel that `npm run package` bundles into the extension (Shapelens is
   * not on the package index), else, for an extension run from a checkout, the checkout itself.
   */
  private installSource(): string | undefined {
    const folder = path.join(this.context.extensionPath, BUNDLED_DIR);
    let names: string[] = [];
    try {
      names = fs.readdirSync(folder);
    } catch {
      // no bundled folder: an extension run from its sources
    }
    const wheel = bundledWheel(names);
    if (wheel !== undefined) {
      return path.join(folder, wheel);
    }
    const checkout = path.resolve(this.context.extensionPath, '..', '..');
    const isCheckout = fs.existsSync(path.join(checkout, 'pyproject.toml')) && fs.existsSync(path.join(checkout, 'server', '__main__.py'));
    return isCheckout ? checkout : undefined;
  }

  private async offerInstall(message: string, install: string): Promise<void> {
    const choice = await this.notify('error', message, 'Install in Terminal', 'Copy Command', 'Choose Interpreter');
    if (choice === 'Install in Terminal') {
      // In the extension's folder: `python -m pip` run in the workspace would find a `pip`
      // package of the workspace first.
      const terminal = vscode.window.createTerminal({ name: 'Shapelens install', cwd: this.context.extensionPath });
      terminal.show();
      terminal.sendText(install);
      const restart = await vscode.window.showInformationMessage('Restart the Shapelens server once the install has finished.', 'Restart Server');
      if (restart === 'Restart Server') {
        await this.restart('the install finished');
      }
    } else if (choice === 'Copy Command') {
      await vscode.env.clipboard.writeText(install);
    } else if (choice === 'Choose Interpreter') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'shapelens.interpreter');
    }
  }

  private serverOptions(command: ServerCommand): ServerOptions {
    // The server runs from the extension's folder, which is not the user's workspace (the
    // launcher also leaves the current folder out of sys.path).
    const options = { cwd: this.context.extensionPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } };
    const executable = { command: command.command, args: command.args, options };
    return { run: executable, debug: executable };
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { shapelens: serverSettings(this.settings) },
      middleware: this.middleware(),
    };
  }

  private middleware(): Middleware {
    return {
      handleDiagnostics: (uri, diagnostics, next) => {
        this.serverDiagnostics.set(uri.toString(), diagnostics);
        next(uri, this.applySeverity(uri, diagnostics));
      },
      // VS Code asks for these on its own, also while a restart stops the old client; a
      // stopping client would answer with an error in the output, so it answers nothing.
      provideInlayHints: (document, range, token, next) => {
        if (!this.inlayHintsEnabled(document.uri) || !this.isServing()) {
          return [];
        }
        return next(document, range, token);
      },
      provideCodeActions: (document, range, context, token, next) => {
        return this.isServing() ? next(document, range, context, token) : [];
      },
    };
  }

  private isServing(): boolean {
    return this.client !== undefined && this.client.isRunning();
  }

  private inlayHintsEnabled(uri: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration('shapelens', uri).get<boolean>('inlayHints.enabled', true);
  }

  /** shapelens.severity applied on the client too, so it works whatever the server does with it. */
  private applySeverity(uri: vscode.Uri, diagnostics: vscode.Diagnostic[]): vscode.Diagnostic[] {
    const severity = readSettings((key) => vscode.workspace.getConfiguration('shapelens', uri).get(key)).severity;
    if (Object.keys(severity).length === 0) {
      return diagnostics;
    }
    const result: vscode.Diagnostic[] = [];
    for (const diagnostic of diagnostics) {
      const level = severityFor(diagnosticCode(diagnostic), severity);
      if (level === 'off') {
        continue;
      }
      if (level === undefined) {
        result.push(diagnostic);
      } else {
        const copy = cloneDiagnostic(diagnostic);
        copy.severity = toVscodeSeverity(level);
        result.push(copy);
      }
    }
    return result;
  }

  private remapDiagnostics(): void {
    const collection = this.client?.diagnostics;
    if (collection === undefined) {
      return;
    }
    for (const [uri, diagnostics] of this.serverDiagnostics) {
      const parsed = vscode.Uri.parse(uri);
      collection.set(parsed, this.applySeverity(parsed, diagnostics));
    }
  }

  private refreshInlayHints(): void {
    const feature = this.client?.getFeature(InlayHintRequest.method);
    for (const editor of vscode.window.visibleTextEditors) {
      feature?.getProvider(editor.document)?.onDidChangeInlayHints.fire();
    }
  }

  private setState(state: ServerState, detail?: string): void {
    const description = detail ?? (this.command ? `${commandLine(this.command)}\n(from ${describeOrigin(this.command)})` : undefined);
    const view = statusView(state, description);
    this.status.text = view.text;
    this.status.tooltip = view.tooltip;
    this.status.backgroundColor = view.alarming ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.status.show();
  }

  private notify(kind: 'error' | 'warning' | 'info', message: string, ...actions: string[]): Thenable<string | undefined> {
    if (!shouldNotify(this.settings.showNotifications, kind)) {
      return Promise.resolve(undefined);
    }
    if (kind === 'error') {
      return vscode.window.showErrorMessage(message, ...actions);
    }
    if (kind === 'warning') {
      return vscode.window.showWarningMessage(message, ...actions);
    }
    return vscode.window.showInformationMessage(message, ...actions);
  }
}

function diagnosticCode(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  if (code === undefined) {
    return '';
  }
  return typeof code === 'object' ? String(code.value) : String(code);
}

function toVscodeSeverity(level: Exclude<SeverityLevel, 'off'>): vscode.DiagnosticSeverity {
  switch (level) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'information':
      return vscode.DiagnosticSeverity.Information;
    case 'hint':
      return vscode.DiagnosticSeverity.Hint;
  }
}

/**
 * A copy that keeps the prototype: vscode-languageclient's own Diagnostic subclass carries the
 * LSP `data` that the server needs back when it is asked for code actions.
 */
function cloneDiagnostic(source: vscode.Diagnostic): vscode.Diagnostic {
  return Object.assign(Object.create(Object.getPrototypeOf(source) as object) as vscode.Diagnostic, source);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

interface RunResult {
  stdout: string;
  error?: Error;
}

function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      resolve({ stdout: String(stdout), error: error ?? undefined });
    });
  });
}
