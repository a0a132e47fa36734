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
- Messages as JSON-RPC says (pygls drops them silently or pops up an "Error in server" to
  the user): a body that is not JSON gets a ParseError, JSON that is not a request,
  notification or response an InvalidRequest (with its id when it has a usable one), a
  request after `shutdown` an InvalidRequest, a request whose params do not fit its method
  InvalidParams; a notification that is wrong is logged. `handle_body` takes the bytes of
  one message from server/transport.py.
- Documents never opened: didChange and didClose for them are logged and ignored.
- Finished handlers: pygls keeps the future of every handler it runs in `_request_futures`
  (to cancel it on $/cancelRequest) and removes it when it answers a request, but never for
  a notification (didOpen, didChange, didClose...) nor for the user handler a built-in one
  runs: each kept a task, a future and their contexts, about 2 KB a notification. Here
  each leaves the table when it ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import MsgId
from pygls.protocol.language_server import lsp_method

from server.text import LspWorkspace

logger = logging.getLogger(__name__)


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

    def forget_session(self) -> None:
        """A TCP client went away without shutdown: what was pending for it goes too."""
        for future in list(self._request_futures.values()):
            future.cancel()
        self._request_futures.clear()
        self._result_types.clear()
        self._commands.clear()

    # -- messages ----------------------------------------------------------------------------

    def handle_body(self, body: bytes) -> None:
        """Handle the body of one message; an exit notification raises SystemExit."""
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deep
            logger.warning("a message that is not JSON: %.200r", body)
            self._reply_error(None, types.ErrorCodes.ParseError, "Parse error: not JSON")
            return
        problem = _invalid(raw)
        if problem is not None:
            logger.warning("an invalid message (%s): %.200r", problem, body)
            if _needs_answer(raw):
                self._reply_error(_usable_id(raw), types.ErrorCodes.InvalidRequest,
                                  f"Invalid request: {problem}")
            return
        method = raw.get("method")
        if self._shutdown and method is not None and method != types.EXIT:
            if "id" in raw:
                self._reply_error(raw["id"], types.ErrorCodes.InvalidRequest,
                                  f"Invalid request: {method} after shutdown")
            else:
                logger.warning("%s after shutdown: ignored", method)
            return
        if method is not None:
            raw.setdefault("params", None)  # optional in JSON-RPC; pygls' own classes want it
        try:
            message = self.structure_message(raw)
        except JsonRpcException as error:  # its params do not fit its method
            if method is not None and "id" in raw:
                self._send_response(raw["id"], error=error.to_response_error())
            else:
                logger.warning("a message that does not fit its method: %.200r", body)
            return
        self.handle_message(message)

    def _reply_error(self, msg_id: MsgId | None, code: int, message: str) -> None:
        # A dict: lsprotocol's converter would leave out an id of None, which JSON-RPC wants
        # as null when the id could not be read.
        self._send_data({"jsonrpc": "2.0", "id": msg_id,
                         "error": {"code": int(code), "message": message}})

    # -- documents never opened ----------------------------------------------------------------

    def _is_open(self, uri: str, method: str) -> bool:
        if unquote(uri) in self.workspace.text_documents:  # pygls' key
            return True
        logger.warning("%s for %s, which is not open: ignored", method, uri)
        return False

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams
                                      ) -> Generator[Any, Any, None]:
        if not self._is_open(params.text_document.uri, types.TEXT_DOCUMENT_DID_CHANGE):
            return None
        return (yield from super().lsp_text_document__did_change(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams
                                     ) -> Generator[Any, Any, None]:
        if not self._is_open(params.text_document.uri, types.TEXT_DOCUMENT_DID_CLOSE):
            return None
        return (yield from super().lsp_text_document__did_close(params))


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _usable_id(raw: object) -> MsgId | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if _is_id(value) else None


def _needs_answer(raw: object) -> bool:
    """Whether an invalid message gets an error response: all do (JSON-RPC 2.0, section 5)
    but what looks like a response (answering those could go back and forth for ever)."""
    return not (isinstance(raw, dict) and "method" not in raw
                and ("result" in raw or "error" in raw))


def _invalid(raw: object) -> str | None:
    """Why `raw` is neither a request, a notification nor a response; None when it is one."""
    if not isinstance(raw, dict):
        return "not an object"
    if raw.get("jsonrpc") != "2.0":
        return 'no "jsonrpc": "2.0"'
    if "id" in raw and not _is_id(raw["id"]) and "method" in raw:
        return "an id that is neither a number nor a string"
    if "method" in raw:
        if not isinstance(raw["method"], str):
            return "a method that is not a string"
        if raw.get("params") is not None and not isinstance(raw["params"], (dict, list)):
            return "params that are neither an object nor an array"
        return None
    if "id" not in raw:
        return "neither a method nor an id"
    if ("result" in raw) == ("error" in raw):
        return "a response with neither or both of result and error"
    if "error" in raw and not isinstance(raw["error"], dict):
        return "an error that is not an object"
    return None
