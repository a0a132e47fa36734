-- Shapelens for Neovim: starts the Shapelens language server for Python buffers.
--
-- Neovim >= 0.11 can use lsp/shapelens.lua directly (vim.lsp.enable('shapelens')); this module
-- does the same on any Neovim from 0.7 on:
--
--   require('shapelens').setup({ cmd = { '/path/to/venv/bin/shapelens', 'serve' } })
--
-- Options (all optional): cmd, filetypes, root_markers, settings (sent to the server as
-- `shapelens.*`), inlay_hints (default true), hover_key (default 'K'; false leaves K alone),
-- on_attach(client, bufnr).
--
-- :ShapelensCheckWorkspace (or require('shapelens').check_workspace()) checks every Python file
-- of the workspace; files that are not open get their diagnostics too.

local M = {}

M.name = 'shapelens'
-- The server's workspace-wide check (workspace/executeCommand); it answers { files, findings, cancelled }.
M.check_workspace_command = 'shapelens.checkWorkspace'

M.defaults = {
  cmd = { 'shapelens', 'serve' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git' },
  settings = {
    shapelens = {
      inlayHints = { enabled = true },
      severity = vim.empty_dict(),
      debounceMs = 150,
    },
  },
  inlay_hints = true,
  hover_key = 'K',
}

local options = vim.deepcopy(M.defaults)
-- On Neovim < 0.8 (no vim.lsp.start) clients are reused by root folder here.
local clients_by_root = {}

local function has(version_minor)
  local version = vim.version()
  return version.major > 0 or version.minor >= version_minor
end

--- Enables inlay hints for a buffer: built in from Neovim 0.10, end-of-line text before that.
function M.enable_inlay_hints(client, bufnr)
  if not options.inlay_hints then
    return
  end
  if vim.lsp.inlay_hint and has(10) then
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  else
    require('shapelens.inlay').attach(client, bufnr)
  end
end

--- Before Neovim 0.10, `K` runs 'keywordprg' (pydoc for Python) unless mapped: map it to the
--- LSP hover in the buffer, as Neovim 0.10 does itself, unless K is mapped already.
function M.map_hover(bufnr)
  local key = options.hover_key
  if not key or has(10) then
    return
  end
  local mapped = vim.api.nvim_buf_call(bufnr, function()
    return vim.fn.maparg(key, 'n') ~= ''
  end)
  if not mapped then
    vim.keymap.set('n', key, vim.lsp.buf.hover, { buffer = bufnr, desc = 'Shapelens: hover (vim.lsp.buf.hover)' })
  end
end

--- The active Shapelens clients (any Neovim from 0.7 on).
function M.clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local result = {}
  for _, client in ipairs(all) do
    if client.name == M.name then
      table.insert(result, client)
    end
  end
  return result
end

local function request(client, method, params, handler)
  if has(11) then
    return client:request(method, params, handler)
  end
  return client.request(method, params, handler)
end

--- Asks each running Shapelens server to check every Python file of its workspace. Diagnostics
--- of the files that are not open arrive as for open ones (`vim.diagnostic.setqflist()` lists
--- them all); the server reports its progress as LSP work-done progress. `on_done(err, result,
--- client)`, when given, is called once per server; otherwise the outcome is shown with vim.notify.
function M.check_workspace(on_done)
  local clients = M.clients()
  if #clients == 0 then
    local message = 'shapelens: no Shapelens server is running; open a Python file first'
    if on_done then
      on_done({ message = message }, nil, nil)
    else
      vim.notify(message, vim.log.levels.ERROR)
    end
    return 0
  end
  for _, client in ipairs(clients) do
    local params = { command = M.check_workspace_command, arguments = {} }
    request(client, 'workspace/executeCommand', params, function(err, result)
      if on_done then
        on_done(err, result, client)
      elseif err ~= nil or type(result) ~= 'table' then
        local reason = err and (err.message or vim.inspect(err)) or 'the server gave no result'
        vim.notify('shapelens: the workspace check failed: ' .. reason, vim.log.levels.ERROR)
      else
        vim.notify(string.format('shapelens: %d finding%s in %d file%s%s', result.findings,
          result.findings == 1 and '' or 's', result.files, result.files == 1 and '' or 's',
          result.cancelled and ' (cancelled)' or ''), vim.log.levels.INFO)
      end
    end)
  end
  return #clients
end

--- Defines :ShapelensCheckWorkspace (again, harmlessly, on each call).
function M.create_commands()
  vim.api.nvim_create_user_command('ShapelensCheckWorkspace', function()
    M.check_workspace()
  end, { desc = 'Shapelens: check every Python file of the workspace' })
end

local function on_attach(client, bufnr)
  M.enable_inlay_hints(client, bufnr)
  M.map_hover(bufnr)
  if options.on_attach then
    options.on_attach(client, bufnr)
  end
end

-- An empty Lua table is encoded as a JSON list; the server wants an object for severity.
local function with_object_severity(settings)
  local copy = vim.deepcopy(settings or {})
  local section = copy.shapelens
  if type(section) == 'table' and type(section.severity) == 'table' and vim.tbl_isempty(section.severity) then
    section.severity = vim.empty_dict()
  end
  return copy
end

--- The configuration in vim.lsp.config form (Neovim >= 0.11), with `opts` merged in.
function M.config(opts)
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  return {
    cmd = merged.cmd,
    filetypes = merged.filetypes,
    root_markers = merged.root_markers,
    settings = with_object_severity(merged.settings),
    init_options = with_object_severity(merged.settings),
    on_attach = on_attach,
  }
end

--- The folder holding the nearest root marker above the buffer's file, else the file's folder.
function M.root_dir(bufnr, markers)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local start = file ~= '' and vim.fn.fnamemodify(file, ':p:h') or vim.fn.getcwd()
  local dir = start
  while true do
    for _, marker in ipairs(markers or options.root_markers) do
      if vim.fn.glob(dir .. '/' .. marker, true) ~= '' then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function refresh_all_hints(_, _, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if client and vim.lsp.buf_is_attached(bufnr, client.id) then
      require('shapelens.inlay').refresh(client, bufnr)
    end
  end
  return vim.NIL
end

local function client_config(bufnr)
  local root = M.root_dir(bufnr, options.root_markers)
  local settings = with_object_severity(options.settings)
  local config = {
    name = M.name,
    cmd = options.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    settings = settings,
    init_options = settings,
    on_attach = on_attach,
  }
  if not (vim.lsp.inlay_hint and has(10)) then
    -- Older Neovim does not announce inlay hints; shapelens.inlay asks for them itself.
    local capabilities = vim.lsp.protocol.make_client_capabilities()
    capabilities.textDocument.inlayHint = { dynamicRegistration = false }
    capabilities.workspace.inlayHint = { refreshSupport = true }
    config.capabilities = capabilities
    config.handlers = { ['workspace/inlayHint/refresh'] = refresh_all_hints }
  end
  return config, root
end

--- Starts (or reuses) the server for a buffer and attaches it. Returns the client id.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local config, root = client_config(bufnr)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or vim.lsp.get_client_by_id(id).is_stopped() then
    id = vim.lsp.start_client(config)
    if id == nil then
      vim.notify('shapelens: could not start ' .. table.concat(config.cmd, ' '), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Registers the server: vim.lsp.config/enable on Neovim >= 0.11, a FileType autocommand before.
function M.setup(opts)
  options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  M.create_commands()
  if vim.lsp.config and vim.lsp.enable and has(11) then
    vim.lsp.config(M.name, M.config(opts))
    vim.lsp.enable(M.name)
    return
  end
  local group = vim.api.nvim_create_augroup('shapelens', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  -- Buffers already open when setup runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(options.filetypes, vim.bo[bufnr].filetype) then
      M.start(bufnr)
    end
  end
end

return M
