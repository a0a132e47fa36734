-- Inlay hints for Neovim < 0.10, which has no built-in support: asks the server for
-- textDocument/inlayHint and shows each hint as virtual text at the end of its line.

local M = {}

M.namespace = vim.api.nvim_create_namespace('shapelens-inlay-hints')

local DELAY_MS = 200
local pending = {}

local function label_text(hint)
  if type(hint.label) == 'string' then
    return hint.label
  end
  local parts = {}
  for _, part in ipairs(hint.label or {}) do
    table.insert(parts, part.value)
  end
  return table.concat(parts)
end

--- Replaces the buffer's hints by `hints` (LSP InlayHint[]); several on a line are joined.
function M.show(bufnr, hints)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  vim.api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  local by_line = {}
  for _, hint in ipairs(hints or {}) do
    local line = hint.position.line
    by_line[line] = by_line[line] or {}
    table.insert(by_line[line], label_text(hint))
  end
  local last = vim.api.nvim_buf_line_count(bufnr) - 1
  for line, labels in pairs(by_line) do
    if line <= last then
      vim.api.nvim_buf_set_extmark(bufnr, M.namespace, line, 0, {
        virt_text = { { table.concat(labels, '  '), 'Comment' } },
        virt_text_pos = 'eol',
        hl_mode = 'combine',
      })
    end
  end
end

--- Asks the client's server for the hints of the whole buffer and shows them.
function M.refresh(client, bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = last, character = 0 } },
  }
  client.request('textDocument/inlayHint', params, function(err, result)
    if err == nil then
      M.show(bufnr, result)
    end
  end, bufnr)
end

local function schedule_refresh(client, bufnr)
  if pending[bufnr] then
    pending[bufnr]:stop()
    pending[bufnr]:close()
  end
  local timer = vim.loop.new_timer()
  pending[bufnr] = timer
  timer:start(DELAY_MS, 0, vim.schedule_wrap(function()
    if pending[bufnr] == timer then
      pending[bufnr] = nil
      timer:close()
    end
    M.refresh(client, bufnr)
  end))
end

--- Shows hints in `bufnr` and keeps them current while the buffer changes.
function M.attach(client, bufnr)
  local capabilities = client.server_capabilities or client.resolved_capabilities or {}
  if not capabilities.inlayHintProvider then
    return
  end
  local group = vim.api.nvim_create_augroup('shapelens-inlay-' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'TextChanged', 'InsertLeave' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      schedule_refresh(client, bufnr)
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    buffer = bufnr,
    callback = function()
      vim.api.nvim_del_augroup_by_id(group)
    end,
  })
  schedule_refresh(client, bufnr)
end

return M
