// The workspace-wide check: the server's `shapelens.checkWorkspace` command, run through
// workspace/executeCommand inside a cancellable progress notification. Pure logic (no `vscode`
// import), unit-tested.

/**
 * The server's command (server/app.py). It reports work-done progress on the request's
 * `workDoneToken`, stops when the request is cancelled, and returns a WorkspaceCheckResult.
 */
export const SERVER_CHECK_WORKSPACE = 'shapelens.checkWorkspace';

/** The JSON-RPC error code of a request the server dropped because the client cancelled it. */
export const REQUEST_CANCELLED = -32800;

/**
 * The extension's own command, "Shapelens: Check Workspace". It cannot share the server's id:
 * vscode-languageclient registers every command the server lists in executeCommandProvider
 * as a VS Code command of that name, and a second registration would fail. This one also works
 * (and says why not) while the server is not running, and tells the user the outcome.
 */
export const CHECK_WORKSPACE_COMMAND = 'shapelens.runWorkspaceCheck';

export interface WorkspaceCheckResult {
  files: number;
  findings: number;
  cancelled: boolean;
}

/**
 * The workspace/executeCommand parameters: with the client's own progress token the server
 * reports on it (LSP 3.15) rather than in a progress of its own that VS Code would show in
 * the status bar, without a cancel button.
 */
export function checkWorkspaceParams(workDoneToken: string): { command: string; arguments: unknown[]; workDoneToken: string } {
  return { command: SERVER_CHECK_WORKSPACE, arguments: [], workDoneToken };
}

/** A $/progress value of work-done progress (begin, report or end), as far as it is read here. */
export interface WorkDoneValue {
  kind: 'begin' | 'report' | 'end';
  message?: string;
  percentage?: number;
}

/** What to pass to VS Code's `Progress.report`. */
export interface ProgressStep {
  message?: string;
  increment?: number;
}

/**
 * The server reports the percentage done; VS Code's notification progress takes increments.
 * Percentages that do not rise are not reported (the LSP lets clients ignore them).
 */
export class ProgressSteps {
  private done = 0;

  next(value: WorkDoneValue): ProgressStep | undefined {
    if (value.kind === 'end') {
      return undefined; // the answer to the request tells the outcome
    }
    const step: ProgressStep = {};
    if (typeof value.message === 'string') {
      step.message = value.message;
    }
    if (typeof value.percentage === 'number' && Number.isFinite(value.percentage)) {
      const percentage = Math.min(Math.max(value.percentage, 0), 100);
      if (percentage > this.done) {
        step.increment = percentage - this.done;
        this.done = percentage;
      }
    }
    return step.message === undefined && step.increment === undefined ? undefined : step;
  }
}

/**
 * The outcome of a check: the server's counts (those it reached, when cancelled), 'cancelled'
 * when the user cancelled and the server answered without counts (RequestCancelled), or
 * undefined when the check failed.
 */
export function workspaceCheckOutcome(answer: unknown, cancelRequested: boolean): WorkspaceCheckResult | 'cancelled' | undefined {
  const result = parseWorkspaceCheck(answer);
  if (result !== undefined) {
    return result; // also when cancelled: the server may have finished first
  }
  if (cancelRequested && isRequestCancelled(answer)) {
    return 'cancelled';
  }
  return undefined;
}

function isRequestCancelled(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && (answer as { code?: unknown }).code === REQUEST_CANCELLED;
}

/** The server's answer, or undefined when it is not one (the server answers null when the check failed). */
export function parseWorkspaceCheck(result: unknown): WorkspaceCheckResult | undefined {
  if (typeof result !== 'object' || result === null) {
    return undefined;
  }
  const { files, findings, cancelled } = result as Record<string, unknown>;
  if (typeof files !== 'number' || typeof findings !== 'number') {
    return undefined;
  }
  return { files, findings, cancelled: cancelled === true };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** One line for the status bar and the output. */
export function describeWorkspaceCheck(result: WorkspaceCheckResult | 'cancelled'): string {
  if (result === 'cancelled') {
    return 'Shapelens: workspace check cancelled';
  }
  if (result.cancelled) {
    return `Shapelens: workspace check cancelled after ${plural(result.files, 'file')} (${plural(result.findings, 'finding')} so far)`;
  }
  return `Shapelens: ${plural(result.findings, 'finding')} in ${plural(result.files, 'file')} of the workspace`;
}
