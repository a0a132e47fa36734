-- End-to-end test of the Neovim client against the real Shapelens server, in a real Neovim
-- (0.7 and later), headless:
--
--   nvim --headless --clean -u NONE -c 'luafile clients/neovim/test/e2e.lua'
--
-- Environment: SHAPELENS_NVIM_EXPECTATIONS (JSON from `python -m tests.clients.expectations`),
-- SHAPELENS_NVIM_WORKSPACE (a folder holding copies of the fixture files), SHAPELENS_NVIM_CMD
-- (JSON list, a server command to use instead of the module's default, `shapelens serve`, which
-- the test runs), SHAPELENS_NVIM_TIMEOUT_MS; SHAPELENS_E2E_ONLY=functional (or subclassed) runs
-- the functional (or subclassed) model's checks alone, for debugging them.
-- Opens the broken fixture, waits for the server's diagnostics and checks their text and
-- range, shows a hover, lists code actions and applies the expected quick fix through
-- vim.lsp.buf.code_action, then checks the correct fixture has no diagnostics and shows
-- inlay shapes, and that :ShapelensCheckWorkspace gives diagnostics to a file never opened;
-- last, a functional model: its refusal at the layer call, a tensor's hover and inlay shapes,
-- and its quick fix; and a subclassed model with a custom layer: its refusal on the line inside
-- `call` naming the input that reached it, inlay shapes inside `call`, the model variable's
-- summary and the custom layer's shapes and parameters on hover.
-- Exits 0 on success and 1 on any failure.

local here = debug.getinfo(1, 'S').source:sub(2)
local client_root = vim.fn.fnamemodify(here, ':p:h:h')
vim.opt.runtimepath:prepend(client_root)
vim.cmd('filetype on')
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. 'F'

local TIMEOUT = tonumber(os.getenv('SHAPELENS_NVIM_TIMEOUT_MS') or '') or 60000
local started = vim.loop.hrtime()
local SEVERITY = { error = 1, warning = 2, information = 3, info = 3, hint = 4 }
-- A copy of the broken fixture that is never opened: only the workspace check reports it.
local UNOPENED = 'unopened_model.py'

local function log(message)
  io.stdout:write(string.format('[%6.1fs] %s\n', (vim.loop.hrtime() - started) / 1e9, message))
  io.stdout:flush()
end

local function fail(message)
  error({ failure = message }, 2)
end

local function check(condition, message)
  if not condition then
    fail(message)
  end
end

local function wait_for(what, predicate)
  local ok = vim.wait(TIMEOUT, predicate, 50)
  check(ok, 'timed out waiting for ' .. what)
end

local function read_file(path)
  local file = assert(io.open(path, 'rb'))
  local text = file:read('*a')
  file:close()
  return text
end

local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.bo[bufnr].eol then
    text = text .. '\n'
  end
  return text
end

local function open(workspace, name)
  vim.cmd('edit ' .. vim.fn.fnameescape(workspace .. '/' .. name))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'python', name .. ' did not get the python filetype')
  wait_for('the shapelens client to attach to ' .. name, function()
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
    for _, client in pairs(clients) do
      if client.name == 'shapelens' and client.initialized ~= false then
        return true
      end
    end
    return false
  end)
  log('opened ' .. name)
  return bufnr
end

local function diagnostic_code(diagnostic)
  if diagnostic.code ~= nil then
    return diagnostic.code
  end
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp
  return lsp and lsp.code
end

local function describe(diagnostic)
  return string.format('%d:%d-%d:%d %s %s', diagnostic.lnum, diagnostic.col, diagnostic.end_lnum, diagnostic.end_col,
    tostring(diagnostic_code(diagnostic)), diagnostic.message)
end

--- The buffer's diagnostics must be exactly the expected ones: code, severity, message, range.
local function check_diagnostics(bufnr, expected, when)
  local seen
  local matches = function()
    seen = vim.diagnostic.get(bufnr)
    if #seen ~= #expected then
      return false
    end
    table.sort(seen, function(a, b)
      return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
    end)
    for i, want in ipairs(expected) do
      local got = seen[i]
      if got.message ~= want.message or diagnostic_code(got) ~= want.code or got.severity ~= SEVERITY[want.severity]
          or got.lnum ~= want.range.start.line or got.col ~= want.range.start.character
          or got.end_lnum ~= want.range['end'].line or got.end_col ~= want.range['end'].character then
        return false
      end
    end
    return true
  end
  if not vim.wait(TIMEOUT, matches, 50) then
    local lines = {}
    for _, d in ipairs(seen or {}) do
      table.insert(lines, describe(d))
    end
    local wanted = {}
    for _, d in ipairs(expected) do
      table.insert(wanted, string.format('%d:%d-%d:%d %s %s', d.range.start.line, d.range.start.character,
        d.range['end'].line, d.range['end'].character, d.code, d.message))
    end
    fail(string.format('diagnostics %s:\n  expected:\n    %s\n  got:\n    %s', when, table.concat(wanted, '\n    '),
      table.concat(lines, '\n    ')))
  end
  for _, d in ipairs(seen) do
    log('diagnostic ' .. describe(d))
  end
end

local function floating_windows()
  local result = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      table.insert(result, win)
    end
  end
  return result
end

--- Presses K at `at` and waits for a hover float holding every string of `wants`.
local function hover_text(bufnr, at, wants)
  vim.api.nvim_win_set_cursor(0, { at.line + 1, at.character })
  -- K, as a user presses it: before Neovim 0.10 it runs 'keywordprg' (pydoc) unless mapped, so
  -- the module maps it in the buffer to the LSP hover; from 0.10 Neovim maps it itself.
  if vim.version().major == 0 and vim.version().minor < 10 then
    local mapping = vim.fn.maparg('K', 'n', false, true)
    check(mapping.buffer == 1, 'K is not mapped in the buffer: ' .. vim.inspect(mapping))
  end
  vim.cmd('normal K')
  local text
  wait_for('a hover window showing ' .. table.concat(wants, ' and '), function()
    for _, win in ipairs(floating_windows()) do
      local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
      text = table.concat(lines, '\n')
      local all = true
      for _, want in ipairs(wants) do
        all = all and text:find(want, 1, true) ~= nil
      end
      if all then
        return true
      end
    end
    return false
  end)
  for _, win in ipairs(floating_windows()) do
    vim.api.nvim_win_close(win, true)
  end
  check(vim.api.nvim_get_current_buf() == bufnr, 'the hover took the focus')
  return text
end

local function check_hover(bufnr, layer)
  local text = hover_text(bufnr, layer.hover_at, { layer.output_shape })
  log('hover over ' .. layer.kind .. ': ' .. text:gsub('%s+', ' '))
end

-- The static model.summary() on hover reads as Keras prints it in the float: aligned columns,
-- no Markdown table pipes or fences.
local function check_summary_hover(bufnr, layers)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local row, col
  for index, line in ipairs(lines) do
    col = line:find('Sequential%(')
    if col then
      row = index
      break
    end
  end
  check(row ~= nil, 'no Sequential( in the buffer')
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.cmd('normal K')
  local text
  wait_for('a hover window with the model summary', function()
    for _, win in ipairs(floating_windows()) do
      text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false), '\n')
      if text:find('Output Shape', 1, true) then
        return true
      end
    end
    return false
  end)
  log('model summary hover:\n' .. text)
  check(not text:find('|', 1, true) and not text:find('```', 1, true), 'the summary shows Markdown syntax:\n' .. text)
  local last = layers[#layers]
  check(text:find(last.output_shape, 1, true) ~= nil, 'the summary lacks ' .. last.output_shape)
  check(text:find('Layer%s+Output Shape%s+Param #') ~= nil, 'the summary has no aligned header:\n' .. text)
  for _, win in ipairs(floating_windows()) do
    vim.api.nvim_win_close(win, true)
  end
  check(vim.api.nvim_get_current_buf() == bufnr, 'the hover took the focus')
end

local function check_code_action(bufnr, fix, workspace, file)
  local start = fix.diagnostic.range.start
  vim.api.nvim_win_set_cursor(0, { start.line + 1, start.character })
  local titles = {}
  local chosen = false
  -- The user's choice in the code action menu: the quick fix the engine proposes.
  vim.ui.select = function(items, opts, on_choice)
    for index, item in ipairs(items) do
      local action = item[2] or item.action or item
      local title = opts.format_item and opts.format_item(item) or action.title
      table.insert(titles, title)
      if action.title == fix.title then
        chosen = true
        on_choice(item, index)
        return
      end
    end
    on_choice(nil, nil)
  end
  vim.lsp.buf.code_action()
  wait_for('the code action "' .. fix.title .. '"', function()
    return chosen or #titles > 0
  end)
  check(chosen, string.format('no code action titled "%s"; offered: %s', fix.title, table.concat(titles, ' | ')))
  wait_for('the quick fix to change the buffer', function()
    return buffer_text(bufnr) == fix.result
  end)
  log('applied "' .. fix.title .. '"')
  vim.cmd('silent write')
  check(read_file(workspace .. '/' .. file) == fix.result, 'the saved file differs from the expected fix')
  check_diagnostics(bufnr, fix.diagnostics_after, 'after the quick fix')
end

local function check_inlay_hints(bufnr, layers)
  local namespace = vim.api.nvim_create_namespace('shapelens-inlay-hints')
  local function hints_by_line()
    local lines = {}
    if vim.lsp.inlay_hint and vim.lsp.inlay_hint.get then
      for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
        local label = item.inlay_hint.label
        if type(label) ~= 'string' then
          local parts = {}
          for _, part in ipairs(label) do
            table.insert(parts, part.value)
          end
          label = table.concat(parts)
        end
        local line = item.inlay_hint.position.line
        lines[line] = (lines[line] or '') .. label
      end
      return lines
    end
    for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, namespace, 0, -1, { details = true })) do
      for _, chunk in ipairs(mark[4].virt_text or {}) do
        lines[mark[2]] = (lines[mark[2]] or '') .. chunk[1]
      end
    end
    return lines
  end
  local missing
  local ok = vim.wait(TIMEOUT, function()
    local lines = hints_by_line()
    for _, layer in ipairs(layers) do
      if not (lines[layer.line] or ''):find(layer.output_shape, 1, true) then
        missing = layer
        return false
      end
    end
    return true
  end, 50)
  check(ok, 'no inlay hint showing ' .. (missing and (missing.output_shape .. ' on line ' .. (missing.line + 1)) or '?'))
  local lines = hints_by_line()
  for _, layer in ipairs(layers) do
    log(string.format('inlay hint line %d: %s', layer.line + 1, lines[layer.line]))
  end
end

local function write_file(path, text)
  local file = assert(io.open(path, 'wb'))
  file:write(text)
  file:close()
end

--- :ShapelensCheckWorkspace: the unopened file gets the diagnostics of the broken fixture,
--- without being loaded, and the outcome counts every Python file and finding.
local function check_workspace_command(workspace, expected)
  local path = workspace .. '/' .. UNOPENED
  check(vim.fn.bufexists(path) == 0, UNOPENED .. ' has a buffer before the workspace check')
  check(vim.fn.exists(':ShapelensCheckWorkspace') == 2, ':ShapelensCheckWorkspace is not defined')
  local notified = {}
  local notify = vim.notify
  vim.notify = function(message, level)
    table.insert(notified, { message = message, level = level })
  end
  local ok, err = pcall(vim.cmd, 'ShapelensCheckWorkspace')
  local done = vim.wait(TIMEOUT, function() return #notified > 0 end, 50)
  vim.notify = notify
  check(ok, ':ShapelensCheckWorkspace failed: ' .. tostring(err))
  check(done, 'timed out waiting for :ShapelensCheckWorkspace to report')
  local message = notified[1].message
  log('workspace check: ' .. message)
  local findings = #expected.broken.fix.diagnostics_after + #expected.good.diagnostics + #expected.broken.diagnostics
  local files = #vim.fn.glob(workspace .. '/*.py', true, true)
  local want = string.format('shapelens: %d finding%s in %d files', findings, findings == 1 and '' or 's', files)
  check(message == want and notified[1].level == vim.log.levels.INFO,
    string.format('the workspace check said "%s", not "%s"', message, want))
  local bufnr = vim.fn.bufnr(path)
  check(bufnr ~= -1, 'no diagnostics for ' .. UNOPENED .. ' after the workspace check')
  check_diagnostics(bufnr, expected.broken.diagnostics, 'in the unopened ' .. UNOPENED)
  check(not vim.api.nvim_buf_is_loaded(bufnr), 'the workspace check loaded ' .. UNOPENED)
end

--- The functional fixture, opened last (in a folder of its own, so the workspace check above
--- counts only the other files): the refusal at the layer call, a tensor variable's hover
--- (its shape and the call that made it, with its line), an inlay shape after each tensor
--- assignment, and the graph's quick fix.
local function check_functional(workspace, expected)
  local functional = expected.functional
  local name = 'functional/' .. functional.file
  vim.fn.mkdir(workspace .. '/functional', 'p')
  write_file(workspace .. '/' .. name, functional.text)
  local bufnr = open(workspace, name)
  check_diagnostics(bufnr, functional.diagnostics, 'in ' .. name)
  local shapes = {}
  for _, tensor in ipairs(functional.tensors) do
    table.insert(shapes, { line = tensor.line, output_shape = tensor.shape })
  end
  check(#shapes > 0, 'the functional fixture has no tensor with a known shape')
  check_inlay_hints(bufnr, shapes)
  local tensor = functional.tensors[#functional.tensors]
  local made_by = string.format('%s (line %d)', tensor.made_by, tensor.line + 1)
  local text = hover_text(bufnr, tensor.hover_at, { tensor.shape, made_by })
  log('hover over the tensor ' .. tensor.name .. ': ' .. text:gsub('%s+', ' '))
  check(functional.fix ~= vim.NIL and functional.fix ~= nil, 'the engine offers no fix for the functional fixture')
  check_code_action(bufnr, functional.fix, workspace, name)
end

--- The subclassed fixture, opened after the functional one (in a folder of its own too): the
--- refusal on the line inside `call`, whose message names the input that reached it, an inlay
--- shape after each tensor assignment inside `call`, the model variable's hover (its static
--- summary, the custom layer's row in it) and the hover on the custom layer's call in `call`.
local function check_subclassed(workspace, expected)
  local subclassed = expected.subclassed
  local name = 'subclassed/' .. subclassed.file
  vim.fn.mkdir(workspace .. '/subclassed', 'p')
  write_file(workspace .. '/' .. name, subclassed.text)
  local bufnr = open(workspace, name)
  check(#subclassed.diagnostics > 0, 'the engine finds nothing wrong with the subclassed fixture')
  check_diagnostics(bufnr, subclassed.diagnostics, 'in ' .. name)
  local shapes = {}
  for _, tensor in ipairs(subclassed.tensors) do
    table.insert(shapes, { line = tensor.line, output_shape = tensor.shape })
  end
  check(#shapes > 0, 'the subclassed fixture has no tensor with a known shape inside call')
  check_inlay_hints(bufnr, shapes)
  local model = subclassed.model
  local text = hover_text(bufnr, model.hover_at, model.wants)
  log('hover over the model ' .. model.variable .. ':\n' .. text)
  local layer = subclassed.layer
  local wants = { layer.output_shape }
  vim.list_extend(wants, layer.wants)
  text = hover_text(bufnr, layer.hover_at, wants)
  log('hover over the custom layer ' .. layer.kind .. ' in call: ' .. text:gsub('%s+', ' '))
end

local function check_settings_files()
  -- lsp/shapelens.lua is for Neovim >= 0.11; here it must at least load and agree with the module.
  local config = dofile(client_root .. '/lsp/shapelens.lua')
  local module = require('shapelens')
  check(vim.deep_equal(config.cmd, module.defaults.cmd), 'lsp/shapelens.lua and the module disagree on cmd')
  check(vim.deep_equal(config.filetypes, { 'python' }), 'lsp/shapelens.lua filetypes must be { "python" }')
  check(vim.deep_equal(config.root_markers, module.defaults.root_markers), 'root_markers disagree')
  check(vim.json.encode(config.settings) == vim.json.encode(module.defaults.settings), 'settings disagree')
  check(type(config.on_attach) == 'function', 'lsp/shapelens.lua has no on_attach')
end

local function main()
  local expected = vim.json.decode(read_file(assert(os.getenv('SHAPELENS_NVIM_EXPECTATIONS'), 'SHAPELENS_NVIM_EXPECTATIONS')))
  local workspace = assert(os.getenv('SHAPELENS_NVIM_WORKSPACE'), 'SHAPELENS_NVIM_WORKSPACE is not set')
  local cmd = os.getenv('SHAPELENS_NVIM_CMD')
  log('Neovim ' .. tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch)
  check_settings_files()
  write_file(workspace .. '/' .. UNOPENED, expected.broken.text)
  local shapelens = require('shapelens')
  shapelens.setup({ cmd = cmd and vim.json.decode(cmd) or nil })
  local server = cmd and vim.json.decode(cmd) or shapelens.defaults.cmd
  local executable = vim.fn.exepath(server[1])
  check(executable ~= '', string.format('%s (the server command) is not on PATH', server[1]))
  log(string.format('server command: %s (%s)', table.concat(server, ' '), executable))
  local only = os.getenv('SHAPELENS_E2E_ONLY')
  if only == 'functional' then
    check_functional(workspace, expected)
    return
  elseif only == 'subclassed' then
    check_subclassed(workspace, expected)
    return
  end

  local broken = open(workspace, expected.broken.file)
  check(#expected.broken.diagnostics > 0, 'the engine finds nothing wrong with the broken fixture')
  check_diagnostics(broken, expected.broken.diagnostics, 'in ' .. expected.broken.file)

  local hovered
  for _, layer in ipairs(expected.broken.layers) do
    if layer.kind ~= 'Input' and layer.output_shape ~= '(unknown)' then
      hovered = layer
    end
  end
  check(hovered ~= nil, 'no layer of the broken fixture has a known shape to hover')
  check_hover(broken, hovered)

  check(expected.broken.fix ~= vim.NIL and expected.broken.fix ~= nil, 'the engine offers no fix for the broken fixture')
  check_code_action(broken, expected.broken.fix, workspace, expected.broken.file)

  local good = open(workspace, expected.good.file)
  check_inlay_hints(good, expected.good.layers)
  check_summary_hover(good, expected.good.layers)
  vim.wait(500, function() return false end)
  check_diagnostics(good, expected.good.diagnostics, 'in ' .. expected.good.file)

  check_workspace_command(workspace, expected)
  check_functional(workspace, expected)
  check_subclassed(workspace, expected)
end

local ok, err = xpcall(main, function(e)
  if type(e) == 'table' and e.failure then
    return e.failure
  end
  return debug.traceback(tostring(e), 2)
end)
if ok then
  log('PASS')
  vim.cmd('qall!')
else
  io.stderr:write('FAIL: ' .. tostring(err) .. '\n')
  io.stderr:flush()
  vim.cmd('cquit 1')
end
