-- Shapelens for Neovim >= 0.11: with this folder on 'runtimepath' (or this file copied to
-- ~/.config/nvim/lsp/), `vim.lsp.enable('shapelens')` starts the server for Python buffers.
-- With the whole folder on 'runtimepath', :ShapelensCheckWorkspace checks every Python file.
-- Override any field, e.g. the executable of a virtual environment:
--   vim.lsp.config('shapelens', { cmd = { '/path/to/venv/bin/shapelens', 'serve' } })

local settings = {
  shapelens = {
    inlayHints = { enabled = true },
    -- e.g. { SL101 = 'warning' }; 'off' hides a finding. Must stay a dict when empty.
    severity = vim.empty_dict(),
    debounceMs = 150,
  },
}

---@type vim.lsp.Config
return {
  cmd = { 'shapelens', 'serve' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git' },
  settings = settings,
  init_options = settings,
  on_attach = function(client, bufnr)
    if vim.lsp.inlay_hint and client:supports_method('textDocument/inlayHint') then
      vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
    end
    -- :ShapelensCheckWorkspace, when the whole clients/neovim folder is on 'runtimepath'.
    local ok, shapelens = pcall(require, 'shapelens')
    if ok then
      shapelens.create_commands()
    end
  end,
}
