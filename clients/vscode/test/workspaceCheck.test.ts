import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  CHECK_WORKSPACE_COMMAND,
  checkWorkspaceParams,
  describeWorkspaceCheck,
  parseWorkspaceCheck,
  ProgressSteps,
  REQUEST_CANCELLED,
  SERVER_CHECK_WORKSPACE,
  workspaceCheckOutcome,
} from '../src/workspaceCheck';

describe('workspace check', () => {
  it("parses the server's answer", () => {
    assert.deepEqual(parseWorkspaceCheck({ files: 3, findings: 2, cancelled: false }), { files: 3, findings: 2, cancelled: false });
    assert.deepEqual(parseWorkspaceCheck({ files: 1, findings: 0 }), { files: 1, findings: 0, cancelled: false });
  });
  it('gives undefined for a failed check or an unexpected answer', () => {
    assert.equal(parseWorkspaceCheck(null), undefined);
    assert.equal(parseWorkspaceCheck(undefined), undefined);
    assert.equal(parseWorkspaceCheck({ files: '3', findings: 2 }), undefined);
  });
  it('describes the outcome', () => {
    assert.equal(describeWorkspaceCheck({ files: 3, findings: 1, cancelled: false }), 'Shapelens: 1 finding in 3 files of the workspace');
    assert.equal(
      describeWorkspaceCheck({ files: 1, findings: 2, cancelled: true }),
      'Shapelens: workspace check cancelled after 1 file (2 findings so far)',
    );
  });
  it("does not take the server command's id, which vscode-languageclient registers itself", () => {
    assert.notEqual(CHECK_WORKSPACE_COMMAND, SERVER_CHECK_WORKSPACE);
  });
  it("asks the server to report on the client's progress token", () => {
    assert.deepEqual(checkWorkspaceParams('token-1'), { command: SERVER_CHECK_WORKSPACE, arguments: [], workDoneToken: 'token-1' });
  });
  it("turns the server's percentages into the increments VS Code's progress takes", () => {
    const steps = new ProgressSteps();
    assert.deepEqual(steps.next({ kind: 'begin', message: '4 files', percentage: 0 }), { message: '4 files' });
    assert.deepEqual(steps.next({ kind: 'report', message: '1/4 a.py', percentage: 25 }), { message: '1/4 a.py', increment: 25 });
    assert.deepEqual(steps.next({ kind: 'report', percentage: 75 }), { increment: 50 });
    assert.deepEqual(steps.next({ kind: 'report', message: 'again', percentage: 60 }), { message: 'again' }); // not rising
    assert.equal(steps.next({ kind: 'report', percentage: 70 }), undefined);
    assert.deepEqual(steps.next({ kind: 'report', percentage: 250 }), { increment: 25 }); // at most 100 in all
    assert.equal(steps.next({ kind: 'end', message: '2 findings in 4 files' }), undefined);
  });
  it('takes the counts of a cancelled check from the server', () => {
    const partial = { files: 12, findings: 3, cancelled: true };
    assert.deepEqual(workspaceCheckOutcome(partial, true), partial);
    // The server finished before the cancellation reached it.
    assert.deepEqual(workspaceCheckOutcome({ files: 4, findings: 0, cancelled: false }, true), { files: 4, findings: 0, cancelled: false });
  });
  it('reads a RequestCancelled error as cancelled only when the user cancelled', () => {
    const error = Object.assign(new Error('Request cancelled'), { code: REQUEST_CANCELLED });
    assert.equal(workspaceCheckOutcome(error, true), 'cancelled');
    assert.equal(describeWorkspaceCheck('cancelled'), 'Shapelens: workspace check cancelled');
    assert.equal(workspaceCheckOutcome(error, false), undefined);
    assert.equal(workspaceCheckOutcome(new Error('boom'), true), undefined);
    assert.equal(workspaceCheckOutcome(null, false), undefined);
  });
});
