// What the language status item (the `{}` entry of the status bar, for Python files and
// notebooks) shows for each server state. Pure logic, unit-tested.

export type ServerState = 'starting' | 'running' | 'stopped' | 'disabled' | 'error' | 'missing';

export interface StatusView {
  /** The item's text, with its codicon. */
  text: string;
  /** What the server runs with, or what went wrong. */
  detail: string;
  /** Warnings and errors show on the `{}` entry itself, so a failure is seen without hovering. */
  severity: 'information' | 'warning' | 'error';
  /** A spinner while the server starts. */
  busy: boolean;
}

export function statusView(state: ServerState, detail: string | undefined): StatusView {
  const more = detail ?? '';
  switch (state) {
    case 'starting':
      return { text: '$(loading~spin) Shapelens', detail: more || 'starting the server', severity: 'information', busy: true };
    case 'running':
      return { text: '$(check) Shapelens', detail: more || 'running', severity: 'information', busy: false };
    case 'stopped':
      return { text: '$(circle-slash) Shapelens', detail: more || 'stopped', severity: 'information', busy: false };
    case 'disabled':
      return { text: '$(circle-slash) Shapelens', detail: 'disabled by shapelens.enable', severity: 'information', busy: false };
    case 'missing':
      return { text: '$(warning) Shapelens', detail: more ? `not installed: ${more}` : 'not installed', severity: 'warning', busy: false };
    case 'error':
      return { text: '$(error) Shapelens', detail: more ? `failed: ${more}` : 'failed', severity: 'error', busy: false };
  }
}
