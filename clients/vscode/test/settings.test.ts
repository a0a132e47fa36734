import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_FILE_SIZE, needsRestart, readSettings, serverSettings, severityFor, shouldNotify } from '../src/settings';

function getter(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('readSettings', () => {
  it('gives the documented defaults when nothing is set', () => {
    const settings = readSettings(getter({}));
    assert.deepEqual(settings, {
      interpreter: [],
      path: [],
      args: [],
      showNotifications: 'onError',
      traceServer: 'off',
      inlayHintsEnabled: true,
      severity: {},
      debounceMs: DEFAULT_DEBOUNCE_MS,
      maxFileSize: DEFAULT_MAX_FILE_SIZE,
      kerasVersion: undefined,
    });
  });

  it('reads every setting', () => {
    const settings = readSettings(
      getter({
        interpreter: ['/venv/bin/python', '-X', 'utf8'],
        path: ['/usr/local/bin/shapelens'],
        args: ['--log-file', '/tmp/log'],
        showNotifications: 'always',
        'trace.server': 'verbose',
        'inlayHints.enabled': false,
        severity: { SL101: 'warning', sl203: 'Info' },
        debounceMs: 750,
        maxFileSize: ' 5MB ',
        kerasVersion: '2',
      }),
    );
    assert.deepEqual(settings.interpreter, ['/venv/bin/python', '-X', 'utf8']);
    assert.deepEqual(settings.path, ['/usr/local/bin/shapelens']);
    assert.deepEqual(settings.args, ['--log-file', '/tmp/log']);
    assert.equal(settings.showNotifications, 'always');
    assert.equal(settings.traceServer, 'verbose');
    assert.equal(settings.inlayHintsEnabled, false);
    assert.deepEqual(settings.severity, { SL101: 'warning', SL203: 'information' });
    assert.equal(settings.debounceMs, 750);
    assert.equal(settings.maxFileSize, '5MB');
    assert.equal(readSettings(getter({ maxFileSize: 0 })).maxFileSize, 0);
    assert.equal(settings.kerasVersion, '2');
    assert.equal(serverSettings(settings).kerasVersion, '2');
  });

  it('leaves kerasVersion out unless it is "3" or "2"', () => {
    for (const value of [undefined, '1', 3, '']) {
      const settings = readSettings(getter({ kerasVersion: value }));
      assert.equal(settings.kerasVersion, undefined);
      assert.ok(!('kerasVersion' in serverSettings(settings)));
    }
  });

  it('accepts a plain string where a list is expected', () => {
    assert.deepEqual(readSettings(getter({ interpreter: '/usr/bin/python3' })).interpreter, ['/usr/bin/python3']);
    assert.deepEqual(readSettings(getter({ interpreter: '  ' })).interpreter, []);
  });

  it('falls back to defaults for values of the wrong kind', () => {
    const settings = readSettings(
      getter({
        interpreter: [1, '', '/bin/python3'],
        showNotifications: 'sometimes',
        'trace.server': 3,
        'inlayHints.enabled': 'yes',
        severity: { SL101: 'fatal', SL102: 4, '': 'error' },
        debounceMs: 'fast',
        maxFileSize: -1,
      }),
    );
    assert.deepEqual(settings.interpreter, ['/bin/python3']);
    assert.equal(settings.showNotifications, 'onError');
    assert.equal(settings.traceServer, 'off');
    assert.equal(settings.inlayHintsEnabled, true);
    assert.deepEqual(settings.severity, {});
    assert.equal(settings.debounceMs, DEFAULT_DEBOUNCE_MS);
    assert.equal(settings.maxFileSize, DEFAULT_MAX_FILE_SIZE);
  });

  it('clamps the debounce delay', () => {
    assert.equal(readSettings(getter({ debounceMs: -5 })).debounceMs, 0);
    assert.equal(readSettings(getter({ debounceMs: 1e9 })).debounceMs, 10_000);
    assert.equal(readSettings(getter({ debounceMs: 12.6 })).debounceMs, 13);
  });

  it('ignores a severity map that is not an object', () => {
    assert.deepEqual(readSettings(getter({ severity: ['SL101'] })).severity, {});
    assert.deepEqual(readSettings(getter({ severity: null })).severity, {});
  });
});

describe('serverSettings', () => {
  it('maps the settings the server uses and leaves out how it is started', () => {
    const settings = readSettings(getter({ interpreter: ['/p'], 'inlayHints.enabled': false, severity: { SL102: 'hint' }, debounceMs: 50 }));
    assert.deepEqual(serverSettings(settings), {
      inlayHints: { enabled: false },
      severity: { SL102: 'hint' },
      debounceMs: 50,
      maxFileSize: DEFAULT_MAX_FILE_SIZE,
      showNotifications: 'onError',
    });
  });
});

describe('needsRestart', () => {
  const base = readSettings(getter({}));
  it('restarts when the command line changes', () => {
    assert.equal(needsRestart(base, { ...base, interpreter: ['/other/python'] }), true);
    assert.equal(needsRestart(base, { ...base, path: ['/bin/shapelens'] }), true);
    assert.equal(needsRestart(base, { ...base, args: ['--log-file', 'x'] }), true);
  });
  it('only reconfigures for the other settings', () => {
    assert.equal(needsRestart(base, { ...base, inlayHintsEnabled: false }), false);
    assert.equal(needsRestart(base, { ...base, severity: { SL101: 'off' } }), false);
    assert.equal(needsRestart(base, { ...base, debounceMs: 10 }), false);
    assert.equal(needsRestart(base, { ...base, traceServer: 'verbose' }), false);
  });
});

describe('severityFor', () => {
  const map = { SL101: 'off', SL105: 'warning' } as const;
  it('looks the code up regardless of case', () => {
    assert.equal(severityFor('SL101', map), 'off');
    assert.equal(severityFor('sl105', map), 'warning');
  });
  it('returns undefined for a code without a setting', () => {
    assert.equal(severityFor('SL102', map), undefined);
    assert.equal(severityFor('', {}), undefined);
  });
});

describe('shouldNotify', () => {
  it('follows the showNotifications levels', () => {
    assert.deepEqual(
      (['off', 'onError', 'onWarning', 'always'] as const).map((level) =>
        (['error', 'warning', 'info'] as const).map((kind) => shouldNotify(level, kind)),
      ),
      [
        [false, false, false],
        [true, false, false],
        [true, true, false],
        [true, true, true],
      ],
    );
  });
});
