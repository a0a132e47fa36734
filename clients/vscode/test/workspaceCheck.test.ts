import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CHECK_WORKSPACE_COMMAND, describeWorkspaceCheck, parseWorkspaceCheck, SERVER_CHECK_WORKSPACE } from '../src/workspaceCheck';

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
});
