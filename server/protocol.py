"""pygls' LSP protocol, with what a long-running command needs and pygls 2 does not give it.

- Its request: pygls passes a command handler only `arguments`, not the rest of its
  ExecuteCommandParams, such as the `workDoneToken` a client may send (LSP 3.15) so that the
  server reports progress on it instead of creating its own. `current_command()` is the
  request of the command handler running now.
- Cancellation: on $/cancelRequest pygls answers RequestCancelled at once and leaves an async
  handler running to its end. The commands in `answers_cancellation` are told instead
  (`CommandRequest.cancelled`): they stop and answer themselves, with what they did so far.
- They can be given a `workDoneToken`: the server says so (`workDoneProgress` in its
  executeCommandProvider).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import MsgId
from pygls.protocol.language_server import lsp_method


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

    def current_command(self) -> CommandRequest | None:
        """The request of the command handler that asks (None outside one)."""
        msg_id = self.msg_id  # the request's id, in the context its handler runs in
        return self._commands.get(msg_id) if msg_id is not None else None

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams
                       ) -> Generator[Any, Any, types.InitializeResult]:
        result: types.InitializeResult = yield from super().lsp_initialize(params)
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
