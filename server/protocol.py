"""pygls' LSP protocol, with what a long-running command needs and pygls 2 does not give it.

- Its request: pygls passes a command handler only `arguments`, not the rest of its
  ExecuteCommandParams, such as the `workDoneToken` a client may send (LSP 3.15) so that the
  server reports progress on it instead of creating its own. `current_command()` is the
  request of the command handler running now.
- Cancellation: on $/cancelRequest pygls answers RequestCancelled at once and leaves an async
  handler running to its end. The commands in `answers_cancellation` are told instead
  (`CommandRequest.cancelled`): they stop and answer themselves, with what they did so far.
- Text: documents keep the editor's text exactly (`server.text`), pygls' own documents do
  not (they cut lines with `str.splitlines`).
- They can be given a `workDoneToken`: the server says so (`workDoneProgress` in its
  executeCommandProvider).
- Finished handlers: pygls keeps the future of every handler it runs in `_request_futures`
  (to cancel it on $/cancelRequest) and removes it when it answers a request, but never for
  a notification (didOpen, didChange, didClose...) nor for the user handler a built-in one
  runs: each kept a task, a future and their contexts, about 2 KB a notification. Here
  each leaves the table when it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import MsgId
from pygls.protocol.language_server import lsp_method

from server.text import LspWorkspace


@dataclass
class CommandRequest:
    """A workspace/executeCommand request being handled."""

    params: types.ExecuteCommandParams
    cancelled: bool = False  # the client sent $/cancelRequest for it


class ShapelensProtocol(LanguageServerProtocol):
    # Commands that watch `CommandRequest.cancelled` and answer a cancelled request themselves.
    answers_cancellation: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._commands: dict[MsgId, CommandRequest] = {}

    def _execute_handler(self, msg_id: MsgId, handler: Callable[..., Any],
                         callback: Callable[[Any], None],
                         args: tuple[Any, ...] | None = None,
                         kwargs: dict[str, Any] | None = None) -> None:
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(partial(self._handler_ended, msg_id))

    def _handler_ended(self, msg_id: MsgId, future: Any) -> None:
        # A cancelled one stays: pygls cancels the running handlers at shutdown while it
        # iterates over the table (and cancellation runs a concurrent future's callbacks
        # at once); $/cancelRequest removes the others itself.
        if not future.cancelled() and self._request_futures.get(msg_id) is future:
            self._request_futures.pop(msg_id, None)

    def current_command(self) -> CommandRequest | None:
        """The request of the command handler that asks (None outside one)."""
        msg_id = self.msg_id  # the request's id, in the context its handler runs in
        return self._commands.get(msg_id) if msg_id is not None else None

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams
                       ) -> Generator[Any, Any, types.InitializeResult]:
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        # Documents whose lines break where LSP says (see server.text); no document is open
        # before initialize has been answered.
        self._workspace = LspWorkspace.like(self.workspace)
        commands = result.capabilities.execute_command_provider
        if commands is not None:
            commands.work_done_progress = True
        return result

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams
                                       ) -> Generator[Any, Any, Any]:
        msg_id = self.msg_id
        if msg_id is not None:
            self._commands[msg_id] = CommandRequest(params)
        try:
            return (yield from super().lsp_workspace__execute_command(params))
        finally:
            if msg_id is not None:
                self._commands.pop(msg_id, None)

    def _handle_cancel_notification(self, msg_id: MsgId) -> None:
        request = self._commands.get(msg_id)
        if request is not None:
            request.cancelled = True
            if request.params.command in self.answers_cancellation:
                return  # it answers itself, soon
        super()._handle_cancel_notification(msg_id)
