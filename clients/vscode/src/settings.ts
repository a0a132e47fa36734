// The extension's settings: read from VS Code's configuration, normalised, and mapped to what the
// server receives. Pure logic (no `vscode` import) so it is unit-tested in plain node.

export type NotificationLevel = 'off' | 'onError' | 'onWarning' | 'always';
export type TraceLevel = 'off' | 'messages' | 'verbose';
export type SeverityLevel = 'error' | 'warning' | 'information' | 'hint' | 'off';
export type KerasVersion = '3' | '2';

export interface Settings {
  interpreter: string[];
  path: string[];
  args: string[];
  showNotifications: NotificationLevel;
  traceServer: TraceLevel;
  inlayHintsEnabled: boolean;
  severity: Record<string, SeverityLevel>;
  debounceMs: number;
  maxFileSize: string | number;
  /** Not set: the server follows the Keras installed in the workspace's environment. */
  kerasVersion: KerasVersion | undefined;
}

/** What the server receives in initializationOptions and workspace/didChangeConfiguration. */
export interface ServerSettings {
  inlayHints: { enabled: boolean };
  severity: Record<string, SeverityLevel>;
  debounceMs: number;
  maxFileSize: string | number;
  showNotifications: NotificationLevel;
  kerasVersion?: KerasVersion;
}

/** Reads one key below `shapelens.`; mirrors `WorkspaceConfiguration.get`. */
export type ConfigGetter = (key: string) => unknown;

export const DEFAULT_DEBOUNCE_MS = 150;
export const DEFAULT_MAX_FILE_SIZE = '2MB';
const MAX_DEBOUNCE_MS = 10_000;

const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['off', 'onError', 'onWarning', 'always'];
const TRACE_LEVELS: readonly TraceLevel[] = ['off', 'messages', 'verbose'];
const SEVERITY_LEVELS: readonly SeverityLevel[] = ['error', 'warning', 'information', 'hint', 'off'];
const KERAS_VERSIONS: readonly KerasVersion[] = ['3', '2'];
// Accepted spellings in shapelens.severity besides the canonical ones.
const SEVERITY_ALIASES: Record<string, SeverityLevel> = {
  info: 'information',
  warn: 'warning',
  none: 'off',
  ignore: 'off',
};

export function readSettings(get: ConfigGetter): Settings {
  return {
    interpreter: stringList(get('interpreter')),
    path: stringList(get('path')),
    args: stringList(get('args')),
    showNotifications: oneOf(get('showNotifications'), NOTIFICATION_LEVELS, 'onError'),
    traceServer: oneOf(get('trace.server'), TRACE_LEVELS, 'off'),
    inlayHintsEnabled: typeof get('inlayHints.enabled') === 'boolean' ? (get('inlayHints.enabled') as boolean) : true,
    severity: severityMap(get('severity')),
    debounceMs: debounce(get('debounceMs')),
    maxFileSize: maxFileSize(get('maxFileSize')),
    kerasVersion: KERAS_VERSIONS.includes(get('kerasVersion') as KerasVersion) ? (get('kerasVersion') as KerasVersion) : undefined,
  };
}

export function serverSettings(settings: Settings): ServerSettings {
  return {
    inlayHints: { enabled: settings.inlayHintsEnabled },
    severity: { ...settings.severity },
    debounceMs: settings.debounceMs,
    maxFileSize: settings.maxFileSize,
    showNotifications: settings.showNotifications,
    ...(settings.kerasVersion === undefined ? {} : { kerasVersion: settings.kerasVersion }),
  };
}

/** Settings that change how the server process is started need a restart; the others are sent. */
export function needsRestart(before: Settings, after: Settings): boolean {
  return (
    !sameList(before.interpreter, after.interpreter) ||
    !sameList(before.path, after.path) ||
    !sameList(before.args, after.args)
  );
}

/** The severity the user configured for a finding code (codes match regardless of case). */
export function severityFor(code: string, severity: Record<string, SeverityLevel>): SeverityLevel | undefined {
  return severity[code.trim().toUpperCase()];
}

/** Whether a notification of this kind is shown under the user's `showNotifications`. */
export function shouldNotify(level: NotificationLevel, kind: 'error' | 'warning' | 'info'): boolean {
  switch (level) {
    case 'off':
      return false;
    case 'onError':
      return kind === 'error';
    case 'onWarning':
      return kind !== 'info';
    case 'always':
      return true;
  }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.trim() === '' ? [] : [value];
  }
  if (Array.isArray(value)) {
    return value.filter((item): item is string => typeof item === 'string' && item !== '');
  }
  return [];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function severityMap(value: unknown): Record<string, SeverityLevel> {
  const result: Record<string, SeverityLevel> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return result;
  }
  for (const [code, raw] of Object.entries(value as Record<string, unknown>)) {
    if (typeof raw !== 'string' || code.trim() === '') {
      continue;
    }
    const level = raw.trim().toLowerCase();
    const canonical = SEVERITY_ALIASES[level] ?? (SEVERITY_LEVELS.includes(level as SeverityLevel) ? (level as SeverityLevel) : undefined);
    if (canonical !== undefined) {
      result[code.trim().toUpperCase()] = canonical;
    }
  }
  return result;
}

function debounce(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return DEFAULT_DEBOUNCE_MS;
  }
  return Math.min(MAX_DEBOUNCE_MS, Math.max(0, Math.round(value)));
}

/** A size as the user wrote it ("2MB", "512KB", a number of bytes): the server reads it and
 * says when it cannot; anything else is the default. */
function maxFileSize(value: unknown): string | number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    return value;
  }
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : DEFAULT_MAX_FILE_SIZE;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
