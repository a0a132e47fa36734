import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type ServerState, statusView } from '../src/status';

describe('statusView', () => {
  it('has a distinct text or detail for every state', () => {
    const states: ServerState[] = ['starting', 'running', 'stopped', 'disabled', 'error', 'missing'];
    const views = states.map((state) => statusView(state, undefined));
    assert.equal(new Set(views.map((view) => `${view.text} ${view.detail}`)).size, states.length);
    for (const view of views) {
      assert.match(view.text, /Shapelens$/);
    }
  });
  it('raises the severity only for failures', () => {
    assert.equal(statusView('running', undefined).severity, 'information');
    assert.equal(statusView('starting', undefined).severity, 'information');
    assert.equal(statusView('disabled', undefined).severity, 'information');
    assert.equal(statusView('error', 'boom').severity, 'error');
    assert.equal(statusView('missing', undefined).severity, 'warning');
  });
  it('spins only while starting', () => {
    assert.equal(statusView('starting', undefined).busy, true);
    assert.equal(statusView('running', undefined).busy, false);
  });
  it('puts the detail in the detail', () => {
    assert.match(statusView('running', '/usr/bin/python3 -c <launcher>').detail, /\/usr\/bin\/python3 -c <launcher>/);
    assert.match(statusView('error', 'boom').detail, /failed: boom/);
  });
});
