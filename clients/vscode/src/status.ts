// What the status bar item shows for each server state. Pure logic, unit-tested.

export type ServerState = 'starting' | 'running' | 'stopped' | 'error' | 'missing';

export interface StatusView {
  text: string;
  tooltip: string;
  /** Whether the item gets the error background. */
  alarming: boolean;
}

export function statusView(state: ServerState, detail: string | undefined): StatusView {
  const suffix = detail ? `\n${detail}` : '';
  switch (state) {
    case 'starting':
      return { text: '$(loading~spin) Shapelens', tooltip: `Shapelens: starting the server${suffix}`, alarming: false };
    case 'running':
      return { text: '$(check) Shapelens', tooltip: `Shapelens: running${suffix}\nClick to show the output`, alarming: false };
    case 'stopped':
      return { text: '$(circle-slash) Shapelens', tooltip: `Shapelens: stopped${suffix}\nClick to show the output`, alarming: false };
    case 'missing':
      return {
        text: '$(warning) Shapelens',
        tooltip: `Shapelens: the server is not installed${suffix}\nClick to show the output`,
        alarming: true,
      };
    case 'error':
      return { text: '$(error) Shapelens', tooltip: `Shapelens: the server failed${suffix}\nClick to show the output`, alarming: true };
  }
}
