// The workspace-wide check: the server's `shapelens.checkWorkspace` command, run through
// workspace/executeCommand. Pure logic (no `vscode` import), unit-tested.

/** The server's command (server/app.py); it reports work-done progress and returns a WorkspaceCheckResult. */
export const SERVER_CHECK_WORKSPACE = 'shapelens.checkWorkspace';

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
export function describeWorkspaceCheck(result: WorkspaceCheckResult): string {
  if (result.cancelled) {
    return `Shapelens: workspace check cancelled after ${plural(result.files, 'file')} (${plural(result.findings, 'finding')} so far)`;
  }
  return `Shapelens: ${plural(result.findings, 'finding')} in ${plural(result.files, 'file')} of the workspace`;
}
