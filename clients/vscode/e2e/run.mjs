// End-to-end test of the packaged extension in a real VS Code (code-server, driven in Chromium).
//
// Installs shapelens.vsix into a fresh code-server whose only Python on PATH is a fresh virtual
// environment without Shapelens (and without PYTHONPATH): the server runs from the Shapelens
// bundled in the .vsix (shapelens.importStrategy useBundled, the default). It opens a workspace
// holding a broken and a correct Keras file (and a third, never opened), and checks through the
// UI: the language status item, the Problems count and diagnostic text, a hover with a layer's
// shape, inlay shapes rendered inline, a quick fix from the light-bulb menu, settings changes
// (severity, inlay hints, shapelens.ignorePatterns, shapelens.enable), the commands (Check
// Workspace reports the unopened file's findings), and, with importStrategy fromEnvironment,
// that the install command the notification offers really installs the bundled wheel into the
// environment and the server then starts from there.
// What the UI must show comes from the engine (tests/clients/expectations.py). Exits non-zero
// on the first failure; screenshots and logs go to the artifacts folder.
//
// A notebook (.ipynb) is then opened in the built-in notebook editor, without a kernel: the
// diagnostic in its cell (squiggle and Problems entry), a hover and inlay shapes in a cell, and
// a quick fix applied in the cell of the finding and saved.
//
// Last, a functional model (tests/clients/fixtures/functional, written into the workspace then,
// so that Check Workspace counted only the files above): its refusals in the Problems panel at
// the layer calls, inlay shapes after the tensor assignments, a tensor variable's hover with
// its shape and the call that made it, and the graph's quick fix (a 1x1 projection before Add);
// then a subclassed model with a custom layer (tests/clients/fixtures/subclassed, written then
// too): its refusal on the line inside `call` naming the input that reached it, inlay shapes
// inside `call`, the model variable's hover (its static summary) and the custom layer's hover.
//
// Environment: SHAPELENS_E2E_CODE_SERVER (code-server binary), SHAPELENS_E2E_PYTHON (a Python
// that computes the expectations with this checkout's engine and makes the fresh venv), SHAPELENS_E2E_VSIX, SHAPELENS_E2E_ARTIFACTS, SHAPELENS_E2E_CHROMIUM;
// SHAPELENS_E2E_ONLY=notebook (or functional, or subclassed) runs the notebook (or functional
// model, or subclassed model) checks alone (for debugging them).

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionRoot = path.resolve(here, '..');
const repoRoot = path.resolve(extensionRoot, '..', '..');
const cacheDir = process.env.SHAPELENS_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'shapelens-e2e');
const codeServer = process.env.SHAPELENS_E2E_CODE_SERVER ?? path.join(cacheDir, 'code-server', 'node_modules', '.bin', 'code-server');
const python = process.env.SHAPELENS_E2E_PYTHON ?? 'python3';
const vsix = process.env.SHAPELENS_E2E_VSIX ?? path.join(extensionRoot, 'shapelens.vsix');
const artifacts = process.env.SHAPELENS_E2E_ARTIFACTS ?? path.join(repoRoot, 'test-artifacts', 'vscode');
const chromiumPath = process.env.SHAPELENS_E2E_CHROMIUM ?? '/usr/bin/chromium';
const fixtures = path.join(repoRoot, 'tests', 'clients', 'fixtures');
// What the extension runs with `<python> -c` to start the server (src/interpreter.ts holds it).
const SERVER_LAUNCHER = JSON.parse(
  /export const SERVER_LAUNCHER = (".*");/.exec(fs.readFileSync(path.join(extensionRoot, 'src', 'interpreter.ts'), 'utf8'))[1],
);
// A copy of the broken fixture that is never opened: only Shapelens: Check Workspace reports it.
const UNOPENED = 'unopened_model.py';
// Liveness limits only: each step normally takes a second or two.
const STEP_TIMEOUT_MS = Number(process.env.SHAPELENS_E2E_STEP_TIMEOUT_MS ?? 60_000);
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const started = Date.now();

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
}

class Failure extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new Failure(message);
  }
}

/** Polls `probe` until it returns a truthy value; fails with `what` after the step timeout. */
async function waitFor(what, probe, timeout = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) {
        return last;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Failure(`timed out waiting for ${what} (last seen: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function expectations() {
  if (process.env.SHAPELENS_E2E_EXPECTATIONS) {
    return JSON.parse(fs.readFileSync(process.env.SHAPELENS_E2E_EXPECTATIONS, 'utf8'));
  }
  const result = spawnSync(python, ['-m', 'tests.clients.expectations', fixtures], { cwd: repoRoot, encoding: 'utf8' });
  check(result.status === 0, `computing the expectations failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function prepare(workDir, expected, venvPython) {
  const dirs = {
    userData: path.join(workDir, 'user-data'),
    extensions: path.join(workDir, 'extensions'),
    workspace: path.join(workDir, 'workspace'),
  };
  for (const dir of Object.values(dirs)) {
    fs.mkdirSync(dir, { recursive: true });
  }
  for (const name of fs.readdirSync(fixtures).filter((file) => file.endsWith('.py'))) {
    fs.copyFileSync(path.join(fixtures, name), path.join(dirs.workspace, name));
  }
  fs.writeFileSync(path.join(dirs.workspace, UNOPENED), expected.broken.text);
  dirs.settings = {
    // The fresh venv's Python, which has no Shapelens: code-server's extension host takes PATH
    // from the login shell, so a PATH lookup would find the machine's python3 first.
    'shapelens.interpreter': [venvPython],
    'editor.inlayHints.enabled': 'on',
    'editor.lightbulb.enabled': 'on',
    'editor.hover.delay': 150,
    'editor.minimap.enabled': false,
    'editor.fontSize': 15,
    'files.autoSave': 'off',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
    'git.enabled': false,
    // Extra settings for debugging, e.g. '{"shapelens.trace.server": "verbose"}'.
    ...JSON.parse(process.env.SHAPELENS_E2E_SETTINGS ?? '{}'),
  };
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  writeSettings(dirs, {});
  return dirs;
}

/** The user settings file before code-server starts. */
function writeSettings(dirs, changes) {
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...dirs.settings, ...changes }, null, 2));
}

/** Edits settings.json in the editor as a user would, saves it, and returns to the previous editor. */
async function editSettings(page, dirs, changes) {
  await runCommand(page, 'Preferences: Open User Settings (JSON)');
  await page.locator('.tabs-container .tab.active', { hasText: 'settings.json' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const editor = activeEditor(page);
  await editor.locator('.view-lines').waitFor({ timeout: STEP_TIMEOUT_MS });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  // insertText types no keys, so auto-closing brackets and quotes leave the JSON alone.
  await page.keyboard.insertText(JSON.stringify({ ...dirs.settings, ...changes }, null, 2));
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.active.dirty', { hasText: 'settings.json' }).waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Control+W');
  await page.locator('.tabs-container .tab', { hasText: 'settings.json' }).waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
  log(`settings: ${JSON.stringify(changes)}`);
}

function installExtension(dirs) {
  check(fs.existsSync(vsix), `${vsix} does not exist: run \`npm run package\` in clients/vscode first`);
  check(fs.existsSync(codeServer), `${codeServer} does not exist: run clients/install-e2e.sh first`);
  const result = spawnSync(
    codeServer,
    ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix],
    { encoding: 'utf8', timeout: 120_000 },
  );
  check(result.status === 0 && /successfully installed/i.test(result.stdout), `installing ${vsix} failed:\n${result.stdout}\n${result.stderr}`);
  log(`installed ${path.basename(vsix)}: ${result.stdout.trim().split('\n').pop()}`);
}

async function startCodeServer(dirs, port, venvPython) {
  const logFile = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
  const child = spawn(
    codeServer,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      dirs.workspace,
    ],
    // The fresh venv first on PATH (for the terminal), and no PYTHONPATH leading to a checkout.
    { stdio: ['ignore', logFile, logFile], env: { ...withoutPythonPath(process.env), PATH: `${path.dirname(venvPython)}${path.delimiter}${process.env.PATH}` } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('code-server to answer', async () => {
    check(child.exitCode === null, `code-server exited with ${child.exitCode}; see code-server.log`);
    const response = await fetch(`${url}/healthz`);
    return response.ok;
  });
  log(`code-server ${port} is up`);
  return { child, url };
}

function withoutPythonPath(env) {
  const copy = { ...env };
  delete copy.PYTHONPATH;
  delete copy.PYTHONHOME;
  return copy;
}

// -- UI helpers --------------------------------------------------------------------------------

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  log(`screenshot ${name}.png`);
}

/** The top of the active editor group only, for the README. */
async function editorScreenshot(page, name) {
  const box = await page.locator('.editor-group-container.active').boundingBox();
  check(box !== null, 'no active editor group');
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 320) } });
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
}

async function openFile(page, name) {
  // Quick Open can swallow an Enter pressed while its list is still filling: try again then.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press('Enter');
    try {
      await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
      await page.keyboard.press('Escape');
    }
  }
  await activeEditor(page).locator('.view-lines').waitFor({ timeout: STEP_TIMEOUT_MS });
  await activeEditor(page).click({ position: { x: 200, y: 10 } });
  log(`opened ${name}`);
}

function activeEditor(page) {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/** Moves the cursor to a 0-based line and character with Go to Line. */
async function goTo(page, position) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`:${position.line + 1}:${position.character + 1}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await waitFor(`the cursor at ${position.line + 1}:${position.character + 1}`, async () => {
    const text = await page.locator('.statusbar-item[id$="status.editor.selection"]').innerText();
    return text.includes(`Ln ${position.line + 1}, Col ${position.character + 1}`);
  });
}

/** The text of a 0-based line as rendered, inlay hints included. */
async function renderedLine(page, line) {
  return activeEditor(page).evaluate((element, wanted) => {
    // A line's number in the margin and its text share the same `top`.
    const margin = [...element.querySelectorAll('.margin-view-overlays > div')].find(
      (row) => row.querySelector('.line-numbers')?.textContent.trim() === String(wanted + 1),
    );
    const row = margin && [...element.querySelectorAll('.view-lines .view-line')].find((candidate) => candidate.style.top === margin.style.top);
    return row ? row.textContent.replace(/\u00a0/g, ' ') : null;
  }, line);
}

async function problemsCounts(page) {
  const label = await page.locator('.statusbar-item[id$="status.problems"] a, .statusbar-item[id$="status.problems"]').first().getAttribute('aria-label');
  const errors = /(\d+)\s+errors?/i.exec(label ?? '') ?? /Errors?:\s*(\d+)/i.exec(label ?? '');
  const warnings = /(\d+)\s+warnings?/i.exec(label ?? '') ?? /Warnings?:\s*(\d+)/i.exec(label ?? '');
  return { label, errors: errors ? Number(errors[1]) : 0, warnings: warnings ? Number(warnings[1]) : 0 };
}

/** Clicks a button of a notification: on its toast, or in the notification center once the toast has hidden. */
async function clickNotificationButton(page, hasText, button) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText }).first();
  if (!(await toast.isVisible())) {
    await runCommand(page, 'Notifications: Show Notifications');
  }
  const where = page.locator('.notifications-toasts .notification-toast:visible, .notifications-center .notification-list-item:visible', { hasText }).first();
  await where.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await where.locator('.monaco-button', { hasText: button }).click();
  log(`clicked "${button}" on the notification "${hasText}"`);
}

/**
 * The Shapelens item of the language status (the `{}` entry of the status bar, shown for a
 * Python file): its label's codicons and text, read from the hover the entry opens.
 */
async function languageStatus(page) {
  const entry = page.locator('.statusbar-item[id="status.languageStatus"]').first();
  await entry.waitFor({ state: 'visible', timeout: 5_000 });
  const box = await entry.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
  const hover = page.locator('.hover-language-status').first();
  try {
    await hover.waitFor({ state: 'visible', timeout: 5_000 });
    return await hover.evaluate((element) => {
      // One `.element` per item: `.left` holds its text (codicons as spans) and detail.
      const item = [...element.querySelectorAll('.element')].find((candidate) => candidate.querySelector('.left')?.textContent.includes('Shapelens'));
      if (item === undefined) {
        return { text: element.textContent, icons: [], html: element.outerHTML.slice(0, 2000) };
      }
      const left = item.querySelector('.left');
      return { text: left.textContent.replace(/\s+/g, ' ').trim(), icons: [...left.querySelectorAll('.codicon')].map((icon) => icon.className) };
    });
  } finally {
    await page.mouse.move(box.x - 300, box.y - 300);
  }
}

/** Waits until the Shapelens language status shows `icon` (check = running, warning = not installed). */
async function waitForStatus(page, icon) {
  let last;
  try {
    await waitFor(`the Shapelens language status to show $(${icon})`, async () => {
      last = await languageStatus(page);
      return last.icons.some((name) => name.includes(`codicon-${icon}`));
    });
  } catch (error) {
    throw new Failure(`${error.message}; the language status last read: ${JSON.stringify(last)}`);
  }
  log(`language status: ${last.text}`);
  return last;
}

async function waitForCounts(page, want, why) {
  return waitFor(`the status bar to count ${want.errors} errors and ${want.warnings} warnings ${why}`, async () => {
    const seen = await problemsCounts(page);
    return seen.errors === want.errors && seen.warnings === want.warnings ? seen : false;
  });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function countBySeverity(diagnostics) {
  return {
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
  };
}

// -- the checks --------------------------------------------------------------------------------

async function checkProblems(page, expected) {
  const diagnostics = [...expected.broken.diagnostics, ...expected.good.diagnostics];
  check(diagnostics.length > 0, 'the broken fixture has no finding: the engine does not see its error');
  const counts = await waitForCounts(page, countBySeverity(diagnostics), 'for the fixtures');
  log(`status bar problems: ${counts.label}`);
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const rows = await waitFor('the Problems panel to list the diagnostics', async () => {
    const texts = await panel.locator('.monaco-list-row').allInnerTexts();
    const markers = texts.filter((text) => !/\.py\b/.test(text.split('\n')[0]) || /\[Ln \d+/.test(text));
    return markers.length >= diagnostics.length ? texts : false;
  });
  const panelText = rows.join('\n').replace(/\s+/g, ' ');
  for (const diagnostic of diagnostics) {
    const where = `[Ln ${diagnostic.range.start.line + 1}, Col ${diagnostic.range.start.character + 1}]`;
    check(panelText.includes(diagnostic.message.replace(/\s+/g, ' ')), `the Problems panel does not show "${diagnostic.message}":\n${rows.join('\n')}`);
    check(panelText.includes(diagnostic.code), `the Problems panel does not show the code ${diagnostic.code}`);
    check(panelText.includes(where), `the Problems panel does not place the diagnostic at ${where}:\n${rows.join('\n')}`);
  }
  check(!panelText.includes(expected.good.file) || expected.good.diagnostics.length > 0, `the correct file ${expected.good.file} has problems:\n${rows.join('\n')}`);
  const badge = (await page.locator('.panel .composite-bar .action-item.checked .badge-content').first().innerText()).trim();
  check(badge === String(diagnostics.length), `the Problems tab counts ${badge}, not ${diagnostics.length}`);
  log(`Problems panel: ${rows.length} rows, badge ${badge}`);
  await screenshot(page, '1-problems');
}

async function checkInlayHints(page, layers, shot = '2-inlay-hints') {
  check(layers.length > 0, 'the correct fixture has no layers');
  for (const layer of layers) {
    const text = await waitFor(`the inlay shape ${layer.output_shape} on line ${layer.line + 1}`, async () => {
      const rendered = await renderedLine(page, layer.line);
      return rendered !== null && rendered.includes(layer.output_shape) ? rendered : false;
    });
    log(`line ${layer.line + 1}: ${text.trim()}`);
  }
  // Inlay hints are decorations, not text: the document itself must not contain the shapes.
  const hints = (await activeEditor(page).locator('.view-lines [class*="inlay"], .view-lines [class*="dyn-rule"]').allInnerTexts()).map((hint) =>
    hint.replace(/\u00a0/g, ' '),
  );
  check(hints.some((hint) => hint.includes(layers[layers.length - 1].output_shape)), `no inlay hint element shows ${layers[layers.length - 1].output_shape}: ${JSON.stringify(hints)}`);
  await screenshot(page, shot);
}

/** A hover at `layer.hover_at` showing `layer.output_shape` and every string of `wants`; its
 * screenshots are `shot` (the page) and `readme` (the top of the editor alone, if not null). */
async function checkHover(page, layer, { shot = '3-hover', readme = 'readme-hover-inlay', wants = [] } = {}) {
  await goTo(page, layer.hover_at);
  const cursor = await activeEditor(page).locator('.cursors-layer .cursor').first().boundingBox();
  check(cursor !== null, 'no cursor in the editor');
  await page.mouse.move(cursor.x + 40, cursor.y - 200);
  await page.mouse.move(cursor.x + 4, cursor.y + cursor.height / 2, { steps: 5 });
  const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents, .monaco-hover:not(.hidden) .monaco-hover-content').first();
  const text = await waitFor(`a hover showing ${layer.output_shape}`, async () => {
    if (!(await hover.isVisible())) {
      // Hovers need the mouse to rest; nudge it so the editor sees a fresh mouse move.
      await page.mouse.move(cursor.x + 5, cursor.y + cursor.height / 2);
      return false;
    }
    const contents = await hover.innerText();
    return [layer.output_shape, ...wants].every((want) => contents.includes(want)) ? contents : false;
  });
  log(`hover over ${layer.kind}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  await page.waitForTimeout(400); // let the hover finish fading in before the screenshot
  await screenshot(page, shot);
  // The editor alone, hover and inlay shapes together: the picture in the extension's README
  // (none when `readme` is null: the top of the editor would not hold a hover further down).
  if (readme) {
    await editorScreenshot(page, readme);
  }
  await page.keyboard.press('Escape');
}

/** The preferred quick fix of `subject` (expected.broken by default) chosen from the light bulb,
 * applied and saved; then the status bar counts `after`. Screenshots `${prefix}4-light-bulb` ... */
async function checkQuickFix(page, expected, workspace, {
  subject = expected.broken,
  file = path.join(workspace, expected.broken.file),
  after = countBySeverity([...expected.broken.fix?.diagnostics_after ?? [], ...expected.good.diagnostics]),
  prefix = '',
  // The light bulb of a line that starts at column 1 is drawn in the gutter, not where the
  // inline one is looked for: there the quick fix menu is opened with Ctrl+. as users do.
  bulbInline = true,
} = {}) {
  const fix = subject.fix;
  check(fix !== null, `the engine offers no fix for ${subject.file}`);
  await goTo(page, fix.diagnostic.range.start);
  if (bulbInline) {
    const bulb = page.locator('.lightBulbWidget .codicon, .lightBulbWidget').first();
    await bulb.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    await screenshot(page, `${prefix}4-light-bulb`);
    await bulb.click();
  } else {
    await page.keyboard.press('Control+.');
  }
  const menu = page.locator('.action-widget');
  await menu.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const item = menu.locator('.monaco-list-row.action', { hasText: fix.title }).first();
  await waitFor(`the quick fix "${fix.title}" in the light-bulb menu`, async () => item.isVisible().catch(() => false));
  // The menu blocks pointer events until the mouse moves over it, as a user's would.
  const box = await item.boundingBox();
  check(box !== null, 'the quick fix item has no box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
  await screenshot(page, `${prefix}5-quick-fix-menu`);
  if (!prefix) {
    await editorScreenshot(page, 'readme-quick-fix');
  }
  await item.click();
  await menu.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Control+S');
  const saved = await waitFor('the fixed file to be saved', () => {
    const text = fs.readFileSync(file, 'utf8');
    return text !== subject.text ? text : false;
  });
  check(saved === fix.result, `the quick fix produced:\n${saved}\nbut the expected text is:\n${fix.result}`);
  log(`quick fix "${fix.title}" applied and saved`);
  await waitForCounts(page, after, 'after the fix');
  await screenshot(page, `${prefix}6-after-quick-fix`);
}

/** Settings edited while the server runs: severity and inlay hints change without a reload. */
async function checkSettingsChange(page, dirs, expected) {
  const diagnostic = expected.broken.diagnostics[0];
  const layer = expected.broken.layers.find((candidate) => candidate.kind !== 'Input' && candidate.output_shape !== '(unknown)');
  const before = countBySeverity(expected.broken.diagnostics);
  await waitFor(`the inlay shape ${layer.output_shape} on line ${layer.line + 1}`, async () => (await renderedLine(page, layer.line))?.includes(layer.output_shape));
  await editSettings(page, dirs, { 'shapelens.severity': { [diagnostic.code]: 'warning' }, 'shapelens.inlayHints.enabled': false });
  await waitForCounts(page, { errors: before.errors - 1, warnings: before.warnings + 1 }, `with ${diagnostic.code} set to warning`);
  await waitFor(`the inlay shapes to disappear with shapelens.inlayHints.enabled false`, async () => {
    const text = await renderedLine(page, layer.line);
    return text !== null && !text.includes(layer.output_shape);
  });
  await screenshot(page, '2-settings-changed');
  await editSettings(page, dirs, {});
  await waitForCounts(page, before, 'with the default settings again');
  await waitFor(`the inlay shape ${layer.output_shape} to come back`, async () => (await renderedLine(page, layer.line))?.includes(layer.output_shape));
  log('settings changes took effect and were undone');
}

/** shapelens.ignorePatterns hides a file's findings; shapelens.enable false stops the server. */
async function checkEnableAndIgnore(page, dirs, expected) {
  const all = countBySeverity([...expected.broken.diagnostics, ...expected.good.diagnostics]);
  await editSettings(page, dirs, { 'shapelens.ignorePatterns': [expected.broken.file] });
  await waitForCounts(page, countBySeverity(expected.good.diagnostics), `with ${expected.broken.file} in shapelens.ignorePatterns`);
  await editSettings(page, dirs, {});
  await waitForCounts(page, all, 'with no ignore patterns again');
  await editSettings(page, dirs, { 'shapelens.enable': false });
  await waitForStatus(page, 'circle-slash');
  await waitForCounts(page, { errors: 0, warnings: 0 }, 'with shapelens.enable false');
  await screenshot(page, '2b-disabled');
  await editSettings(page, dirs, {});
  await waitForStatus(page, 'check');
  await waitForCounts(page, all, 'with Shapelens enabled again');
  log('shapelens.ignorePatterns and shapelens.enable took effect and were undone');
}

/** Shapelens: Show Output and Shapelens: Restart Server from the command palette. */
async function checkCommands(page, expected) {
  await runCommand(page, 'Shapelens: Restart Server');
  await waitForStatus(page, 'check');
  await runCommand(page, 'Shapelens: Show Output');
  const output = page.locator('.panel .output-view, .panel [id="workbench.panel.output"]').first();
  await output.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The output view shows its last lines: filter it down to the line that tells of the restart.
  const wanted = 'Starting the server (the Restart Server command)';
  await page.locator('.panel .viewpane-filter input, .panel input[placeholder="Filter"]').first().fill('Restart Server');
  const text = await waitFor('the Shapelens output to tell of the restart', async () => {
    const content = (await output.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
    return content.includes(wanted) ? content : false;
  });
  log(`output: ${text.trim()}`);
  await screenshot(page, '7-output');
  await openFile(page, expected.good.file);
  const last = expected.good.layers[expected.good.layers.length - 1];
  await waitFor(`the inlay shape ${last.output_shape} after the restart`, async () => (await renderedLine(page, last.line))?.includes(last.output_shape));
}

/** Shapelens: Check Workspace reports the findings of a file that was never opened. */
async function checkWorkspaceCommand(page, expected, workspace) {
  const open = [...expected.broken.fix.diagnostics_after, ...expected.good.diagnostics];
  const unopened = expected.broken.diagnostics;
  await waitForCounts(page, countBySeverity(open), 'before the workspace check');
  check((await page.locator('.tabs-container .tab', { hasText: UNOPENED }).count()) === 0, `${UNOPENED} is open in an editor`);
  await runCommand(page, 'Shapelens: Check Workspace');
  const counts = await waitForCounts(page, countBySeverity([...open, ...unopened]), `with the findings of ${UNOPENED}`);
  log(`status bar problems after the workspace check: ${counts.label}`);
  // The outcome in the status bar: every Python file of the workspace, every finding.
  const files = fs.readdirSync(workspace).filter((name) => name.endsWith('.py')).length;
  const findings = open.length + unopened.length;
  const summary = await waitFor('the workspace check summary in the status bar', async () => {
    const texts = await page.locator('.statusbar-item').allInnerTexts();
    return texts.find((text) => /Shapelens: \d+ findings? in \d+ files? of the workspace/.test(text)) ?? false;
  });
  const [, seenFindings, seenFiles] = /(\d+) findings? in (\d+) files?/.exec(summary);
  check(Number(seenFindings) === findings && Number(seenFiles) === files, `the summary "${summary}" should count ${findings} findings in ${files} files`);
  log(`status bar: ${summary}`);
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const panel = page.locator('.markers-panel');
  const rows = await waitFor(`the Problems panel to list ${UNOPENED}`, async () => {
    const texts = await panel.locator('.monaco-list-row').allInnerTexts();
    return texts.some((text) => text.split('\n')[0].includes(UNOPENED)) ? texts : false;
  });
  const panelText = rows.join('\n').replace(/\s+/g, ' ');
  for (const diagnostic of unopened) {
    const where = `[Ln ${diagnostic.range.start.line + 1}, Col ${diagnostic.range.start.character + 1}]`;
    check(panelText.includes(`${diagnostic.message.replace(/\s+/g, ' ')}`) && panelText.includes(where), `the Problems panel does not show "${diagnostic.message}" at ${where}:\n${rows.join('\n')}`);
  }
  check((await page.locator('.tabs-container .tab', { hasText: UNOPENED }).count()) === 0, `the workspace check opened ${UNOPENED}`);
  await screenshot(page, '6b-check-workspace');
}

// -- notebooks ---------------------------------------------------------------------------------

/** The row of cell `index` (0-based among all cells) in the active notebook editor. */
function notebookCell(page, index) {
  // The notebook editor renders its cells in an overlay above the editor group.
  return page.locator(`.notebookOverlay .cell-list-container .monaco-list-row[data-index="${index}"]`).first();
}

/** The text of a code cell as rendered, inlay hints included. */
async function renderedCell(page, index) {
  const text = await notebookCell(page, index).locator('.view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** The box of the first occurrence of `text` in a code cell's rendered lines (a token may hold more). */
async function cellTextBox(page, index, text) {
  return notebookCell(page, index)
    .locator('.view-lines')
    .first()
    .evaluate((element, needle) => {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.textContent.indexOf(needle);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + needle.length);
          const { x, y, width, height } = range.getBoundingClientRect();
          return { x, y, width, height };
        }
      }
      return null;
    }, text);
}

/**
 * A notebook in the built-in notebook editor (no kernel): the diagnostic in its cell (squiggle and
 * Problems entry), a hover and inlay shapes in the model's cell, and a quick fix applied in the
 * cell of the finding, saved to the .ipynb.
 */
async function checkNotebook(page, expected, workspace) {
  const notebook = expected.notebook;
  check(notebook.diagnostics.length > 0 && notebook.fix !== null, 'the notebook fixture has no fixable finding');
  const before = await problemsCounts(page);
  const file = path.join(workspace, notebook.file);
  fs.copyFileSync(path.join(fixtures, notebook.file), file);
  // Tall enough for the notebook's cells to render together (the list renders what it shows).
  await page.setViewportSize({ width: 1280, height: 1100 });
  // Opened from the Explorer: Quick Open's file index may not list a file this new yet.
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: notebook.file }).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await row.dblclick();
  await page.locator('.tabs-container .tab.active', { hasText: notebook.file }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.notebookOverlay .cell-list-container').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  log(`opened ${notebook.file} in the notebook editor`);
  await waitFor(`the notebook's ${notebook.cells} cells`, async () => (await page.locator('.notebookOverlay .cell-list-container .monaco-list-row').count()) >= notebook.cells);

  // The diagnostic: a squiggle in its cell and no other, and its entry in the Problems panel.
  const diagnostic = notebook.diagnostics[0];
  const squiggle = `.squiggly-${diagnostic.severity}`;
  await waitFor(`a ${diagnostic.severity} squiggle in cell ${diagnostic.cell + 1}`, async () => (await notebookCell(page, diagnostic.cell).locator(squiggle).count()) > 0);
  const codeCells = [...new Set([...notebook.layers.map((layer) => layer.cell), diagnostic.cell])];
  for (const cell of codeCells.filter((index) => index !== diagnostic.cell)) {
    check((await notebookCell(page, cell).locator('[class*="squiggly-"]').count()) === 0, `cell ${cell + 1} has a squiggle`);
  }
  const counts = await waitForCounts(page, { errors: before.errors + countBySeverity(notebook.diagnostics).errors, warnings: before.warnings + countBySeverity(notebook.diagnostics).warnings }, 'with the notebook open');
  log(`status bar problems with the notebook: ${counts.label}`);
  await screenshot(page, '11-notebook-squiggle');
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const where = `[Ln ${diagnostic.range.start.line + 1}, Col ${diagnostic.range.start.character + 1}]`;
  const rows = await waitFor(`the Problems panel to list the notebook's finding`, async () => {
    const texts = await panel.locator('.monaco-list-row').allInnerTexts();
    const text = texts.join('\n').replace(/\s+/g, ' ');
    return text.includes(diagnostic.message.replace(/\s+/g, ' ')) && text.includes(where) ? texts : false;
  });
  const entry = rows.find((row) => row.replace(/\s+/g, ' ').includes(diagnostic.message.replace(/\s+/g, ' ')));
  check(entry.includes(diagnostic.code), `the Problems entry does not show ${diagnostic.code}: ${entry}`);
  const header = rows.find((row) => row.includes(notebook.file));
  check(header !== undefined, `the Problems panel does not name ${notebook.file}:\n${rows.join('\n')}`);
  log(`Problems panel: ${header.replace(/\s+/g, ' ')} / ${entry.replace(/\s+/g, ' ').slice(0, 120)}`);
  await screenshot(page, '12-notebook-problems');
  await runCommand(page, 'View: Toggle Panel Visibility');

  // Inlay shapes after each layer of the model's cell.
  const modelCell = notebook.layers.find((layer) => layer.kind !== 'Input').cell;
  const layers = notebook.layers.filter((layer) => layer.cell === modelCell && layer.kind !== 'Input');
  const rendered = await waitFor(`the inlay shapes in cell ${modelCell + 1}`, async () => {
    const text = await renderedCell(page, modelCell);
    return layers.every((layer) => text.includes(layer.output_shape)) ? text : false;
  });
  log(`cell ${modelCell + 1} with its inlay shapes:\n${rendered}`);
  const hints = await notebookCell(page, modelCell).locator('.view-lines [class*="dyn-rule"], .view-lines [class*="inlay"]').allInnerTexts();
  check(hints.some((hint) => hint.replace(/\u00a0/g, ' ').includes(layers[0].output_shape)), `no inlay hint element in cell ${modelCell + 1} shows ${layers[0].output_shape}: ${JSON.stringify(hints)}`);
  await screenshot(page, '13-notebook-inlay-hints');

  // A hover over the first layer of the model's cell.
  const layer = layers[0];
  const box = await cellTextBox(page, modelCell, layer.kind);
  check(box !== null, `no ${layer.kind} token in cell ${modelCell + 1}`);
  await page.mouse.move(box.x + 40, box.y - 150);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents, .monaco-hover:not(.hidden) .monaco-hover-content').first();
  const hoverText = await waitFor(`a hover in cell ${modelCell + 1} showing ${layer.output_shape}`, async () => {
    if (!(await hover.isVisible())) {
      await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2);
      return false;
    }
    const contents = await hover.innerText();
    return contents.includes(layer.output_shape) ? contents : false;
  });
  log(`hover in cell ${modelCell + 1}: ${hoverText.replace(/\s+/g, ' ').slice(0, 200)}`);
  await page.waitForTimeout(400);
  await screenshot(page, '14-notebook-hover');
  await page.mouse.move(box.x, box.y + 400);
  await page.keyboard.press('Escape');

  // The quick fix, from the light bulb of the finding's cell.
  const fix = notebook.fix;
  const start = diagnostic.range.start;
  const source = fs.readFileSync(path.join(fixtures, notebook.file), 'utf8');
  const wrong = JSON.parse(source).cells[fix.cell].source.join('').split('\n')[start.line].slice(start.character, diagnostic.range.end.character);
  const target = await cellTextBox(page, fix.cell, wrong);
  check(target !== null, `no ${wrong} in cell ${fix.cell + 1}`);
  await page.mouse.click(target.x + target.width / 2, target.y + target.height / 2);
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget');
  await menu.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const item = menu.locator('.monaco-list-row.action', { hasText: fix.title }).first();
  await waitFor(`the quick fix "${fix.title}" in cell ${fix.cell + 1}`, async () => item.isVisible().catch(() => false));
  const itemBox = await item.boundingBox();
  check(itemBox !== null, 'the quick fix item has no box');
  await page.mouse.move(itemBox.x + itemBox.width / 2, itemBox.y + itemBox.height / 2, { steps: 4 });
  await screenshot(page, '15-notebook-quick-fix-menu');
  await item.click();
  await menu.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  await waitFor(`cell ${fix.cell + 1} to read the fixed source`, async () => (await renderedCell(page, fix.cell)).includes(fix.source.split('\n')[start.line].trim()));
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+S');
  const saved = await waitFor('the fixed notebook to be saved', () => {
    const text = fs.readFileSync(file, 'utf8');
    return text !== source ? JSON.parse(text) : false;
  });
  const cells = saved.cells.map((cell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source));
  const original = JSON.parse(source).cells.map((cell) => cell.source.join(''));
  check(cells[fix.cell] === fix.source, `the fixed cell reads:\n${cells[fix.cell]}\nnot:\n${fix.source}`);
  for (const [index, text] of original.entries()) {
    check(index === fix.cell || cells[index] === text, `cell ${index + 1} changed: ${cells[index]}`);
  }
  log(`quick fix "${fix.title}" applied in cell ${fix.cell + 1} and saved`);
  await waitFor(`the squiggle in cell ${fix.cell + 1} to go`, async () => (await notebookCell(page, fix.cell).locator('[class*="squiggly-"]').count()) === 0);
  await waitForCounts(page, { errors: before.errors + countBySeverity(fix.diagnostics_after).errors, warnings: before.warnings + countBySeverity(fix.diagnostics_after).warnings }, 'after the fix in the notebook');
  await screenshot(page, '16-notebook-after-quick-fix');
  await page.keyboard.press('Control+W');
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The status bar's problem counts once they have not changed for 1.5 s: a file closed just
 * before (the functional fixture, before the subclassed one) loses its findings a moment later. */
async function settledCounts(page) {
  let last = await problemsCounts(page);
  let since = Date.now();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() - since < 1500) {
    check(Date.now() < deadline, `the problem counts kept changing (last: ${last.label})`);
    await page.waitForTimeout(250);
    const now = await problemsCounts(page);
    if (now.errors !== last.errors || now.warnings !== last.warnings) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/** Writes `subject` (a fixture opened after the other checks) into the workspace folder `folder`
 * now, so the workspace check counted only the other files; opens it from the Explorer, waits
 * for the status bar to count its findings too and checks their text and place in the
 * Problems panel (screenshot `shot`). Returns the file and the counts plus some findings. */
async function openInOwnFolder(page, subject, workspace, folder, shot) {
  const file = path.join(workspace, folder, subject.file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, subject.text);
  const before = await settledCounts(page);
  const plus = (diagnostics) => {
    const added = countBySeverity(diagnostics);
    return { errors: before.errors + added.errors, warnings: before.warnings + added.warnings };
  };
  // From the Explorer: Quick Open's file index may not have the new file yet.
  const rows = page.locator('.explorer-folders-view .monaco-list-row');
  await rows.filter({ hasText: new RegExp(`^${escapeRegExp(folder)}$`) }).first().click({ timeout: STEP_TIMEOUT_MS });
  await rows.filter({ hasText: subject.file }).first().dblclick({ timeout: STEP_TIMEOUT_MS });
  await page.locator('.tabs-container .tab.active', { hasText: subject.file }).waitFor({ timeout: STEP_TIMEOUT_MS });
  await activeEditor(page).locator('.view-lines').waitFor({ timeout: STEP_TIMEOUT_MS });
  await activeEditor(page).click({ position: { x: 200, y: 10 } });
  log(`opened ${subject.file} from the Explorer`);
  await waitForCounts(page, plus(subject.diagnostics), `with ${subject.file} open`);
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const panel = page.locator('.markers-panel');
  const listed = await waitFor(`the Problems panel to list ${subject.file}`, async () => {
    const texts = await panel.locator('.monaco-list-row').allInnerTexts();
    return texts.some((text) => text.split('\n')[0].includes(subject.file)) ? texts : false;
  });
  const panelText = listed.join('\n').replace(/\s+/g, ' ');
  for (const diagnostic of subject.diagnostics) {
    const where = `[Ln ${diagnostic.range.start.line + 1}, Col ${diagnostic.range.start.character + 1}]`;
    check(panelText.includes(diagnostic.message.replace(/\s+/g, ' ')) && panelText.includes(where), `the Problems panel does not show "${diagnostic.message}" at ${where}:\n${listed.join('\n')}`);
  }
  log(`Problems panel shows the ${subject.diagnostics.length} findings of ${subject.file}`);
  await screenshot(page, shot);
  await runCommand(page, 'View: Toggle Panel Visibility');
  await activeEditor(page).click({ position: { x: 200, y: 10 } });
  return { file, plus };
}

/** A functional model, opened after the other checks: the refusal at the layer call in the
 * Problems panel, an inlay shape after each tensor assignment, a tensor variable's hover (its
 * shape and the call that made it), and the graph's quick fix. */
async function checkFunctional(page, expected, workspace) {
  const functional = expected.functional;
  const { file, plus } = await openInOwnFolder(page, functional, workspace, 'functional', '17-functional-problems');
  const tensors = functional.tensors.map((tensor) => ({ line: tensor.line, output_shape: tensor.shape }));
  check(tensors.length > 0, 'the functional fixture has no tensor with a known shape');
  await checkInlayHints(page, tensors, '18-functional-inlay-hints');
  const tensor = functional.tensors[functional.tensors.length - 1];
  await checkHover(page, { kind: `the tensor ${tensor.name}`, hover_at: tensor.hover_at, output_shape: tensor.shape }, {
    shot: '19-functional-hover',
    readme: 'functional-hover-inlay',
    wants: [`${tensor.made_by} (line ${tensor.line + 1})`],
  });
  await checkQuickFix(page, expected, workspace, { subject: functional, file, after: plus(functional.fix.diagnostics_after), prefix: '20-functional-', bulbInline: false });
  await page.keyboard.press('Control+W');
}

/** A subclassed model with a custom layer, opened after the functional one: the refusal on the
 * line inside `call`, saying which input reached it, in the Problems panel; inlay shapes after
 * the tensor assignments inside `call`; the model variable's hover (its static summary, the
 * custom layer's row in it) and the hover on the custom layer's call inside `call` (its shapes
 * and parameters). */
async function checkSubclassed(page, expected, workspace) {
  const subclassed = expected.subclassed;
  await openInOwnFolder(page, subclassed, workspace, 'subclassed', '21-subclassed-problems');
  const tensors = subclassed.tensors.map((tensor) => ({ line: tensor.line, output_shape: tensor.shape }));
  check(tensors.length > 0, 'the subclassed fixture has no tensor with a known shape inside call');
  await checkInlayHints(page, tensors, '22-subclassed-inlay-hints');
  const { model, layer } = subclassed;
  await checkHover(page, { kind: `the model ${model.variable}`, hover_at: model.hover_at, output_shape: model.wants[0] }, {
    shot: '23-subclassed-model-hover',
    readme: null,
    wants: model.wants,
  });
  await checkHover(page, { kind: `the custom layer ${layer.kind} in call`, hover_at: layer.hover_at, output_shape: layer.output_shape }, {
    shot: '24-subclassed-layer-hover',
    readme: null,
    wants: layer.wants,
  });
  await page.keyboard.press('Control+W');
}

/** A fresh virtual environment (with pip, without Shapelens), made while the other checks run. */
function createVenv(workDir) {
  const venv = path.join(workDir, 'venv without shapelens');
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'venv', venv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve(path.join(venv, 'bin', 'python'));
      } else {
        reject(new Failure(`\`${python} -m venv\` failed (exit ${code}): ${output}`));
      }
    });
  });
}

/** Whether `interpreter` (run outside the checkout, without PYTHONPATH) can import Shapelens. */
function hasShapelens(interpreter, cwd) {
  const probe = spawnSync(interpreter, ['-c', 'import importlib.util as u; print(u.find_spec("server") is not None or u.find_spec("shape_engine") is not None)'], {
    cwd,
    encoding: 'utf8',
    env: withoutPythonPath(process.env),
  });
  check(probe.status === 0, `${interpreter} does not run: ${probe.stderr}`);
  return probe.stdout.trim() === 'True';
}

/** The folder the .vsix was installed into. */
function installedExtension(dirs) {
  const installed = fs.readdirSync(dirs.extensions).find((name) => name.startsWith('shapelens.shapelens-'));
  check(installed !== undefined, `no Shapelens extension in ${dirs.extensions}`);
  return path.join(dirs.extensions, installed);
}

/**
 * The server runs from the Shapelens bundled in the extension, with the venv's Python that has
 * none: the output names the interpreter and the bundled folder Shapelens comes from.
 */
async function checkBundled(page, dirs, interpreter) {
  check(!hasShapelens(interpreter, dirs.extensions), `the fresh venv ${interpreter} has Shapelens`);
  const libs = path.join(installedExtension(dirs), 'bundled', 'libs');
  check(fs.existsSync(path.join(libs, 'shape_engine', '__init__.py')), `the installed extension has no ${libs}/shape_engine`);
  const wanted = `Interpreter ${interpreter} (Python`;
  await runCommand(page, 'Shapelens: Show Output');
  const output = page.locator('.panel .output-view, .panel [id="workbench.panel.output"]').first();
  await output.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.locator('.panel .viewpane-filter input, .panel input[placeholder="Filter"]').first().fill('(bundled)');
  const reported = new RegExp(`${escapeRegExp(wanted)} [\\d.]+\\), shapelens [\\d.]+ from ${escapeRegExp(libs)} \\(bundled\\)`);
  const line = await waitFor(`the Shapelens output to report the bundled Shapelens in ${libs} run by ${interpreter}`, async () => {
    const content = (await output.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
    return reported.exec(content)?.[0] ?? false;
  });
  log(`output: ${line}`);
  await screenshot(page, '0-bundled-server');
  await page.locator('.panel .viewpane-filter input, .panel input[placeholder="Filter"]').first().fill('');
  await runCommand(page, 'View: Toggle Panel Visibility');
}

/**
 * shapelens.importStrategy fromEnvironment with the venv without Shapelens: the notification
 * gives the exact command, which installs the wheel bundled in the extension; run from the
 * notification's "Install in Terminal" button, it really installs Shapelens, and after
 * "Restart Server" the server runs from that environment.
 */
async function checkInstall(page, dirs, interpreter, expected) {
  check(!hasShapelens(interpreter, dirs.extensions), `the fresh venv ${interpreter} already has Shapelens`);
  const bundled = path.join(installedExtension(dirs), 'bundled');
  const wheels = fs.existsSync(bundled) ? fs.readdirSync(bundled).filter((name) => name.endsWith('.whl')) : [];
  check(wheels.length === 1 && /^shapelens-[\d.]+-py3-none-any\.whl$/.test(wheels[0]), `the installed extension should bundle one Shapelens wheel, not ${JSON.stringify(wheels)}`);
  const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`);
  const command = [interpreter, '-m', 'pip', 'install', path.join(bundled, wheels[0])].map(quote).join(' ');

  await editSettings(page, dirs, { 'shapelens.importStrategy': 'fromEnvironment', 'shapelens.interpreter': [interpreter] });
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Shapelens is not installed' }).first();
  await toast.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const text = (await toast.innerText()).replace(/\s+/g, ' ');
  check(text.includes(command), `the notification does not give the install command ${command}: ${text}`);
  for (const button of ['Install in Terminal', 'Copy Command', 'Use Bundled']) {
    check((await toast.locator('.monaco-button', { hasText: button }).count()) > 0, `the notification has no "${button}" button: ${text}`);
  }
  await waitForStatus(page, 'warning');
  log(`notification: ${text}`);
  await screenshot(page, '8-missing-package');

  const installStarted = Date.now();
  await toast.locator('.monaco-button', { hasText: 'Install in Terminal' }).click();
  await page.locator('.terminal-tab, .single-terminal-tab, .terminal-wrapper').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  // pip installs Shapelens after its dependencies: once the server module and what it imports
  // load in the venv, the install is done.
  await waitFor(`the install command to install Shapelens into ${interpreter}`, () => {
    const loaded = spawnSync(interpreter, ['-c', 'import server.app, importlib.metadata as m; print(m.version("shapelens"))'], {
      cwd: dirs.extensions,
      encoding: 'utf8',
      env: withoutPythonPath(process.env),
    });
    return loaded.status === 0 && loaded.stdout.trim();
  }, 180_000);
  const help = spawnSync(interpreter, ['-c', SERVER_LAUNCHER, '--help'], { cwd: dirs.extensions, encoding: 'utf8', env: withoutPythonPath(process.env) });
  check(help.status === 0 && help.stdout.includes('usage'), `\`${interpreter} -c SERVER_LAUNCHER --help\` fails after the install: ${help.stdout}${help.stderr}`);
  log(`the offered command installed Shapelens in ${((Date.now() - installStarted) / 1000).toFixed(1)}s`);
  await screenshot(page, '9-installed-in-terminal');

  await clickNotificationButton(page, 'once the install has finished', 'Restart Server');
  await waitForStatus(page, 'check');
  // The output names the interpreter the server now runs in, and the Shapelens it found there.
  const version = /^shapelens-([\d.]+)-/.exec(wheels[0])[1];
  const wanted = `Interpreter ${interpreter} (Python`;
  await runCommand(page, 'Shapelens: Show Output');
  const output = page.locator('.panel .output-view, .panel [id="workbench.panel.output"]').first();
  await output.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // From the venv's site-packages now, not from the extension's bundled libraries: the filter
  // keeps that line alone (the earlier ones name the bundled folder).
  const venv = path.dirname(path.dirname(interpreter));
  const filter = page.locator('.panel .viewpane-filter input:visible, .panel input[placeholder="Filter"]:visible').first();
  const reported = new RegExp(`${escapeRegExp(wanted)} [\\d.]+\\), shapelens ${escapeRegExp(version)} from ${escapeRegExp(venv)}/`);
  const line = await waitFor(`the Shapelens output to report shapelens ${version} in ${interpreter}`, async () => {
    // Filled again at each look: a fill made while the panel was still switching views can
    // land in another view's filter (seen once: the output kept the earlier filter).
    if ((await filter.inputValue()) !== `from ${venv}/`) {
      await filter.fill(`from ${venv}/`);
    }
    // Long lines wrap in the output view: join the rendered rows again.
    const content = (await output.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ').replace(/\n/g, '');
    return reported.exec(content)?.[0] ?? false;
  });
  log(`output: ${line}`);
  await openFile(page, expected.good.file);
  const last = expected.good.layers[expected.good.layers.length - 1];
  await waitFor(`the inlay shape ${last.output_shape} from the server in the venv`, async () => (await renderedLine(page, last.line))?.includes(last.output_shape));
  await screenshot(page, '10-running-from-the-venv');
}

async function main() {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const expected = expectations();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelens-vscode-e2e-'));
  const venvReady = createVenv(workDir);
  const venvPython = await venvReady;
  const dirs = prepare(workDir, expected, venvPython);
  installExtension(dirs);
  const port = await freePort();
  const { child, url } = await startCodeServer(dirs, port, venvPython);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS, headless: true });
  let page;
  let failed = false;
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    await page.goto(`${url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS * 2 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: expected.broken.file }).waitFor({ timeout: STEP_TIMEOUT_MS });
    log('workbench loaded');
    if (process.env.SHAPELENS_E2E_ONLY === 'notebook') {
      // For debugging the notebook checks alone.
      await openFile(page, expected.good.file);
      await waitForStatus(page, 'check');
      await checkNotebook(page, expected, dirs.workspace);
      log('PASS (notebook checks only)');
      return;
    }
    if (process.env.SHAPELENS_E2E_ONLY === 'functional') {
      // For debugging the functional model's checks alone.
      await openFile(page, expected.good.file);
      await waitForStatus(page, 'check');
      await checkFunctional(page, expected, dirs.workspace);
      log('PASS (functional model checks only)');
      return;
    }
    if (process.env.SHAPELENS_E2E_ONLY === 'subclassed') {
      // For debugging the subclassed model's checks alone.
      await openFile(page, expected.good.file);
      await waitForStatus(page, 'check');
      await checkSubclassed(page, expected, dirs.workspace);
      log('PASS (subclassed model checks only)');
      return;
    }
    await openFile(page, expected.good.file);
    await openFile(page, expected.broken.file);
    await waitForStatus(page, 'check');
    await checkBundled(page, dirs, venvPython);
    await checkProblems(page, expected);
    await checkSettingsChange(page, dirs, expected);
    await checkEnableAndIgnore(page, dirs, expected);
    await openFile(page, expected.good.file);
    await checkInlayHints(page, expected.good.layers);
    await checkHover(page, expected.good.layers.find((layer) => layer.kind !== 'Input') ?? expected.good.layers[0]);
    await openFile(page, expected.broken.file);
    await checkQuickFix(page, expected, dirs.workspace);
    await checkWorkspaceCommand(page, expected, dirs.workspace);
    await checkCommands(page, expected);
    await checkNotebook(page, expected, dirs.workspace);
    await checkFunctional(page, expected, dirs.workspace);
    await checkSubclassed(page, expected, dirs.workspace);
    await checkInstall(page, dirs, venvPython, expected);
    log('PASS');
  } catch (error) {
    failed = true;
    console.error(`FAIL: ${error instanceof Failure ? error.message : error.stack}`);
    if (page) {
      await screenshot(page, 'failure').catch(() => undefined);
    }
  } finally {
    await browser.close().catch(() => undefined);
    child.kill('SIGTERM');
    fs.cpSync(path.join(dirs.userData, 'logs'), path.join(artifacts, 'logs'), { recursive: true, force: true });
    if (!process.env.SHAPELENS_E2E_KEEP) {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(`FAIL: ${error instanceof Failure ? error.message : error.stack}`);
  process.exitCode = 1;
});
