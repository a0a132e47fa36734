import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type ServerState, statusView } from '../src/status';

describe('statusView', () => {
  it('has a distinct text for every state', () => {
    const states: ServerState[] = ['starting', 'running', 'stopped', 'error', 'missing'];
    const texts = states.map((state) => statusView(state, undefined).text);
    assert.equal(new Set(texts).size, states.length);
    for (const text of texts) {
      assert.match(text, /Shapelens$/);
    }
  });
  it('alarms only for failures', () => {
    assert.equal(statusView('running', undefined).alarming, false);
    assert.equal(statusView('starting', undefined).alarming, false);
    assert.equal(statusView('error', 'boom').alarming, true);
    assert.equal(statusView('missing', undefined).alarming, true);
  });
  it('puts the detail in the tooltip', () => {
    assert.match(statusView('running', '/usr/bin/python3 -m server').tooltip, /\/usr\/bin\/python3 -m server/);
  });
});
