"""The language server: LSP features registered on pygls, each a thin call into the rest.

Diagnostics are pushed (textDocument/publishDiagnostics) to clients that cannot pull them,
and pulled (textDocument/diagnostic) by clients that can; never both, so nothing shows twice.
A notebook's cells are the exception: their diagnostics are always pushed (clients do not pull
for cells) and a pull for a cell is answered empty. Every handler catches its own errors: it
logs them (errors reach the client's log once, through `_ClientLogHandler`) and answers empty.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from server import actions, convert, hover, inlay, notebooks, transport
from server.config import Settings, parse
from server.documents import ANALYSIS_TIME_S, Documents, DocumentState
from server.environment import InstalledKeras, installed_keras
from server.project import WATCHED_PATTERNS, Policy, ProjectConfigs, is_config_file
from server.protocol import CommandRequest, ShapelensProtocol
from server.resolve import WorkspaceResolution
from server.worker import URGENT, Worker
from shape_engine import budget
from shape_engine.analysis import partly_analysed, too_large
from shape_engine.config import ConfigCache, excluded_by
from shape_engine.file_analysis import analyze_file
from shape_engine.findings import Finding
from shape_engine.keras_version import DEFAULT as DEFAULT_KERAS
from shape_engine.keras_version import KerasVersion, using
from shape_engine.keras_version import parse as parse_keras_version
from shape_engine.notebook_analysis import in_notebook_file, notebook_text
from shape_engine.rule import Rule
from shape_engine.rule_registry import all_rules
from shape_engine.source import LineIndex
from shape_engine.walk import Target, TooLarge, UsageError, read, reason, targets

logger = logging.getLogger("server")

VERSION = "0.1.0"
CHECK_WORKSPACE = "shapelens.checkWorkspace"
JEDI_WARM_UP_DELAY_S = 0.5
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class ShapelensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("shapelens", VERSION,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=notebooks.SYNC_OPTIONS,
                         protocol_cls=ShapelensProtocol)
        self.commands.answers_cancellation = frozenset({CHECK_WORKSPACE})
        self.settings = Settings()
        self.projects = ProjectConfigs(self._config_problem)
        self.init_options: object = None
        self.rules: dict[str, Rule] = {}
        self.worker = Worker()
        self.resolution: WorkspaceResolution | None = None
        self.documents = Documents(self.worker, None, self.encoding,
                                   lambda: self.settings.debounce_ms,
                                   self._findings_ready, self._facts_ready,
                                   self.max_file_size, self.keras_version)
        self.session = uuid.uuid4().hex[:8]  # result ids from another process never match
        # Result ids count across documents, so a document closed and opened again never
        # repeats one its earlier self gave (the client may still hold it).
        self._report_ids = itertools.count(1)
        self.pushed_elsewhere: set[str] = set()  # closed files given diagnostics by a check
        self._shown_problems: tuple[str, ...] = ()
        self._refresh_pending = False
        self._inlay_refresh_pending = False
        # The Keras installed in the workspace's virtual environment, when the setting is not
        # given (read from package metadata at initialize).
        self.installed_keras: InstalledKeras | None = None

    @property
    def commands(self) -> ShapelensProtocol:
        """The protocol, with the requests of running commands."""
        assert isinstance(self.protocol, ShapelensProtocol)
        return self.protocol

    # -- client capabilities -----------------------------------------------------------------

    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        except RuntimeError:
            return types.PositionEncodingKind.Utf16

    def capability(self, *path: str) -> Any:
        value: Any = self.client_capabilities
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    @property
    def pulls_diagnostics(self) -> bool:
        return self.capability("text_document", "diagnostic") is not None

    @property
    def markdown(self) -> bool:
        formats = self.capability("text_document", "hover", "content_format") or []
        return types.MarkupKind.Markdown in formats

    # -- diagnostics -------------------------------------------------------------------------

    def diagnostics(self, state: DocumentState) -> list[types.Diagnostic]:
        policy = self.policy(state.path)
        return self.to_diagnostics(policy.shown(state.findings, state.text),
                                   self.documents.lines(state), state.uri, policy)

    def to_diagnostics(self, findings: list[Finding], lines: convert.Lines, uri: str,
                       policy: Policy) -> list[types.Diagnostic]:
        """`findings`: those `policy` shows (selected, not suppressed)."""
        return convert.diagnostics(findings, lines, uri, policy.overrides(), self.other_lines)

    def max_file_size(self, path: str | None) -> int | None:
        """The size limit for the file: the editor's setting if given, else the project's."""
        if self.settings.max_file_size_given:
            return self.settings.max_file_size
        return self.projects.config(path).max_file_size

    def policy(self, path: str | None) -> Policy:
        """The project's configuration for the file, the editor's settings on top."""
        return self.projects.policy(path, self.settings.severity)

    def _config_problem(self, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Warning, message=f"Shapelens configuration: {message}."))

    def other_lines(self, path: str) -> convert.Lines | None:
        """The lines of a module a finding points into: its open text, else its file."""
        state = self.documents.by_path(path)
        if state is not None:
            return self.documents.lines(state)
        read = self.resolution.read(path) if self.resolution is not None else None
        return convert.Lines(read[0], self.encoding()) if read is not None else None

    def publish(self, state: DocumentState, if_changed: bool = False) -> None:
        """Push the findings, if they are of the current version. Findings of an older one
        would go out labelled with the newer version; the analysis of the current version is
        on its way and publishes when it ends (with the settings then current)."""
        if not state.has_findings or state.findings_version != state.version:
            return
        if state.notebook is not None:
            self._publish_cells(state, state.notebook, if_changed)
            return
        pushed = (state.version, self.diagnostics(state))
        if if_changed and pushed == state.pushed:
            return
        state.pushed = pushed
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=state.uri, diagnostics=pushed[1], version=state.version))

    def _publish_cells(self, state: DocumentState, notebook: notebooks.NotebookCells,
                       if_changed: bool) -> None:
        """A notebook's diagnostics go to its cells, an empty list to each clean cell (and
        to cells that left the notebook since the last time). They are pushed to every
        client: vscode-languageclient (9) pulls only for documents it opened with
        textDocument/didOpen, never for notebook cells."""
        by_cell = notebooks.diagnostics_by_cell(notebook, self.diagnostics(state))
        versions = {cell.uri: cell.version for cell in notebook.cells}
        before = state.pushed if isinstance(state.pushed, dict) else {}
        for uri in before:
            by_cell.setdefault(uri, [])
        for uri, items in by_cell.items():
            if if_changed and before.get(uri) == (versions.get(uri), items):
                continue  # as the client has it, for the cell's version
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=items, version=versions.get(uri)))
        state.pushed = {uri: (versions[uri], items) for uri, items in by_cell.items()
                        if uri in versions}

    def report(self, state: DocumentState) -> tuple[str, list[types.Diagnostic]]:
        """The pull report of the current findings, with an id that changes with them."""
        items = self.diagnostics(state)
        if state.report != items or state.report_id is None:
            state.report = items
            state.report_id = next(self._report_ids)
        return f"{self.session}-{state.report_id}", items

    def _findings_ready(self, state: DocumentState) -> None:
        if not self.pulls_diagnostics or state.notebook is not None:
            # The full analysis after a quick one: often the same.
            self.publish(state, if_changed=True)
            return
        # The client pulls after its own edits; a change it cannot know about (a module
        # this document imports) needs a refresh request.
        previous = state.report
        self.report(state)
        if state.pulled_version == state.version and previous != state.report:
            self._request_refresh()

    def _facts_ready(self, state: DocumentState, reanalysed: bool) -> None:
        # After its own edits the client asks for hints itself (and waits for them).
        if reanalysed and self.capability("workspace", "inlay_hint", "refresh_support"):
            self._request_inlay_refresh()

    def _request_refresh(self) -> None:
        """Ask a pulling client to pull again (a module it depends on changed)."""
        if self._refresh_pending or not self.capability("workspace", "diagnostics",
                                                         "refresh_support"):
            return
        self._refresh_pending = True

        def send() -> None:
            self._refresh_pending = False
            self.workspace_diagnostic_refresh(None)

        asyncio.get_running_loop().call_later(0.05, send)

    def _request_inlay_refresh(self) -> None:
        if self._inlay_refresh_pending:
            return
        self._inlay_refresh_pending = True

        def send() -> None:
            self._inlay_refresh_pending = False
            self.workspace_inlay_hint_refresh(None)

        asyncio.get_running_loop().call_later(0.05, send)

    def republish(self) -> None:
        if self.pulls_diagnostics:
            self._request_refresh()
        for state in self.documents.states.values():
            if not self.pulls_diagnostics or state.notebook is not None:
                self.publish(state)
        if self.capability("workspace", "inlay_hint", "refresh_support"):
            self._request_inlay_refresh()

    # -- settings ----------------------------------------------------------------------------

    def keras_version(self, path: str | None = None) -> KerasVersion:
        """The Keras whose verdicts the analyses of the file follow: the editor's setting, else
        the project's `keras-version`, else the one installed in the workspace."""
        if self.settings.keras_version is not None:
            return self.settings.keras_version
        written = self.projects.config(path).keras_version
        if written is not None:
            return parse_keras_version(written)
        if self.installed_keras is not None:
            return self.installed_keras.keras_version
        return DEFAULT_KERAS

    def apply_settings(self, raw: object) -> None:
        settings = parse(raw, frozenset(self.rules))
        limit_changed = settings.max_file_size != self.settings.max_file_size
        before = self.keras_version()
        self.settings = settings
        if self.keras_version() != before:
            logger.info("following Keras %s (shapelens.kerasVersion)", self.keras_version())
            self.documents.restart_all()
        elif limit_changed:  # documents may cross it either way
            self.documents.refresh_all()
        if settings.problems and settings.problems != self._shown_problems:
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="Shapelens settings: " + "; ".join(settings.problems) + "."))
        self._shown_problems = settings.problems

    async def fetch_settings(self) -> None:
        raw: object = self.init_options
        if self.capability("workspace", "configuration"):
            try:
                answer = await self.workspace_configuration_async(types.ConfigurationParams(
                    items=[types.ConfigurationItem(section="shapelens")]))
                if answer and answer[0] is not None:
                    raw = {"shapelens": answer[0]}
            except Exception:
                logger.exception("workspace/configuration failed")
        self.apply_settings(raw)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls shows these to the user (window/showMessage); they are the server's own
        # business: logged, and so in the client's log. A failed request has its answer.
        if source is FeatureRequestError:
            logger.warning("%s: %s", type(error).__name__, error)
        else:
            logger.error("Shapelens: %s: %s", type(error).__name__, error)

    # -- logging to the client ---------------------------------------------------------------

    def log_to_client(self, message: str, kind: types.MessageType = types.MessageType.Error
                      ) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # no client to tell
            logger.debug("could not send a log message", exc_info=True)


# Handlers made to fail on purpose, by name: only the end-to-end tests set this, to check
# that a failing handler is logged and answered empty.
FAULTS = frozenset(filter(None, os.environ.get("SHAPELENS_TEST_FAULTS", "").split(",")))


def robust(default: Callable[[], Any]) -> Callable[[F], F]:
    """Errors in a handler are logged (the client sees them through `_ClientLogHandler`)
    and answered with `default()`."""
    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        async def wrapper(*args: Any) -> Any:
            if SERVER_LOOP[0] is None:  # errors before initialize reach the client too
                SERVER_LOOP[0] = asyncio.get_running_loop()
            try:
                if handler.__name__ in FAULTS:
                    raise RuntimeError("fault injected by SHAPELENS_TEST_FAULTS")
                return await handler(*args)
            except Exception as error:
                # Once: _ClientLogHandler passes the record on to the client.
                logger.exception("Shapelens: %s failed: %s: %s", handler.__name__,
                                 type(error).__name__, error)
                return default()
        return wrapper  # type: ignore[return-value]
    return decorate


SERVER = ShapelensServer()


def _state(uri: str) -> DocumentState | None:
    return SERVER.documents.states.get(uri)


def _path(uri: str) -> str | None:
    return to_fs_path(uri) if uri.startswith("file:") else None


# -- lifecycle -------------------------------------------------------------------------------


@SERVER.feature(types.INITIALIZE)
@robust(lambda: None)
async def initialize(params: types.InitializeParams) -> None:
    SERVER_LOOP[0] = asyncio.get_running_loop()
    SERVER.rules = {rule.code: rule for rule in all_rules()}
    SERVER.init_options = params.initialization_options
    SERVER.apply_settings(params.initialization_options)
    roots = [Path(p) for folder in params.workspace_folders or []
             if (p := _path(folder.uri)) is not None]
    root = _path(params.root_uri) if params.root_uri else params.root_path
    if not roots and root:
        roots = [Path(root)]
    SERVER.resolution = WorkspaceResolution(roots, SERVER.documents.open_text)
    SERVER.documents.resolution = SERVER.resolution
    SERVER.installed_keras = installed_keras(roots)
    if SERVER.installed_keras is not None:
        found = SERVER.installed_keras
        logger.info("%s installed in %s: Keras %s verdicts%s", found.why, found.site_packages,
                    found.keras_version, "" if SERVER.settings.keras_version is None else
                    f", but shapelens.kerasVersion says {SERVER.settings.keras_version}")


@SERVER.feature(types.INITIALIZED)
@robust(lambda: None)
async def initialized(params: types.InitializedParams) -> None:
    registrations = []
    if SERVER.capability("workspace", "did_change_configuration", "dynamic_registration"):
        registrations.append(types.Registration(
            id=str(uuid.uuid4()), method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
            register_options=types.DidChangeConfigurationRegistrationOptions(
                section="shapelens")))
    if SERVER.capability("workspace", "did_change_watched_files", "dynamic_registration"):
        registrations.append(types.Registration(
            id=str(uuid.uuid4()), method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=pattern)
                          for pattern in ("**/*.py", *WATCHED_PATTERNS)])))
    if SERVER.resolution is not None:
        # jedi's start-up (0.2-0.3 s) on its thread before the first analysis that resolves
        # a module needs it, but not at once: it would share the interpreter with the
        # analysis of the first documents opened, and delay their diagnostics.
        asyncio.get_running_loop().call_later(JEDI_WARM_UP_DELAY_S, SERVER.resolution.warm)
    if registrations:
        SERVER.client_register_capability(types.RegistrationParams(registrations))
    if SERVER.capability("workspace", "configuration"):
        await SERVER.fetch_settings()
        SERVER.republish()


@SERVER.feature(types.SHUTDOWN)
def shutdown(params: None) -> None:
    SERVER.worker.close()
    if SERVER.resolution is not None:
        SERVER.resolution.close()


# -- documents -------------------------------------------------------------------------------


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
@robust(lambda: None)
async def did_open(params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    if SERVER.pulls_diagnostics and document.uri in SERVER.pushed_elsewhere:
        # A workspace check pushed diagnostics for it; from now on the client pulls them.
        SERVER.pushed_elsewhere.discard(document.uri)
        SERVER.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=document.uri, diagnostics=[]))
    if document.language_id not in ("python", "") and not document.uri.endswith(".py"):
        return  # not Python: nothing to analyse
    SERVER.documents.open(document.uri, document.version, document.text, _path(document.uri))
    _module_may_have_appeared(document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@robust(lambda: None)
async def did_change(params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    text = SERVER.workspace.get_text_document(uri).source
    SERVER.documents.change(uri, params.text_document.version, text)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
@robust(lambda: None)
async def did_save(params: types.DidSaveTextDocumentParams) -> None:
    _module_may_have_appeared(params.text_document.uri)
    state = _state(params.text_document.uri)
    if state is None:
        return
    if state.timer is not None:
        SERVER.documents.save(state.uri)
    elif not SERVER.pulls_diagnostics:
        SERVER.publish(state)  # only if analysed: else the running analysis publishes


def _module_may_have_appeared(uri: str) -> None:
    """A file opened or saved may be a module an import did not find before: a client
    without file watching (Neovim 0.7) tells of new files only this way."""
    path = _path(uri)
    if path is None or SERVER.resolution is None:
        return
    importers = SERVER.resolution.module_appeared(path)
    if importers:
        SERVER.documents.refresh_importers(importers)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@robust(lambda: None)
async def did_close(params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    SERVER.documents.close(uri)
    if not SERVER.pulls_diagnostics:
        SERVER.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# -- notebooks -------------------------------------------------------------------------------


def _notebook_cells(notebook_uri: str) -> notebooks.NotebookCells | None:
    """The open notebook's cells now (pygls keeps them up to date before our handlers)."""
    notebook = SERVER.workspace.get_notebook_document(notebook_uri=notebook_uri)
    if notebook is None or notebook.notebook_type != notebooks.NOTEBOOK_TYPE:
        return None

    def text_of(uri: str) -> tuple[str, int | None, str]:
        document = SERVER.workspace.get_text_document(uri)
        return document.source, document.version, document.language_id or ""

    return notebooks.cells_of(notebook, text_of)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@robust(lambda: None)
async def did_open_notebook(params: types.DidOpenNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    if uri in SERVER.pushed_elsewhere:
        # A workspace check put findings on the file's JSON lines; now they go to the cells.
        SERVER.pushed_elsewhere.discard(uri)
        SERVER.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    cells = _notebook_cells(uri)
    if cells is None:
        return
    SERVER.documents.open(uri, params.notebook_document.version, cells.program.text,
                          _path(uri), cells)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@robust(lambda: None)
async def did_change_notebook(params: types.DidChangeNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    cells = _notebook_cells(uri)
    if cells is None:
        return
    SERVER.documents.change(uri, params.notebook_document.version, cells.program.text, cells)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@robust(lambda: None)
async def did_save_notebook(params: types.DidSaveNotebookDocumentParams) -> None:
    state = _state(params.notebook_document.uri)
    if state is None:
        return
    if state.timer is not None:
        SERVER.documents.save(state.uri)
    else:
        SERVER.publish(state)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@robust(lambda: None)
async def did_close_notebook(params: types.DidCloseNotebookDocumentParams) -> None:
    state = _state(params.notebook_document.uri)
    SERVER.documents.close(params.notebook_document.uri)
    if state is None:
        return
    published = state.pushed if isinstance(state.pushed, dict) else {}
    for uri in {*published, *(cell.uri for cell in params.cell_text_documents)}:
        SERVER.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _target(uri: str) -> tuple[DocumentState, notebooks.NotebookCells | None] | None:
    """The document a request is about: an open file, or the notebook a cell belongs to."""
    state = _state(uri)
    if state is not None:
        return (state, None) if state.notebook is None else None
    notebook = SERVER.workspace.get_notebook_document(cell_uri=uri)
    state = _state(notebook.uri) if notebook is not None else None
    if state is None or state.notebook is None:
        return None
    return state, state.notebook


# -- features --------------------------------------------------------------------------------


def _empty_report() -> types.RelatedFullDocumentDiagnosticReport:
    return types.RelatedFullDocumentDiagnosticReport(items=[])


@SERVER.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
    identifier="shapelens", inter_file_dependencies=True, workspace_diagnostics=False))
@robust(_empty_report)
async def pull_diagnostics(params: types.DocumentDiagnosticParams
                           ) -> types.DocumentDiagnosticReport:
    target = _target(params.text_document.uri)
    if target is None:
        return _empty_report()
    state = target[0]
    if state.notebook is not None:
        # A cell's diagnostics are pushed (see `_publish_cells`): pulled too, they would
        # show twice.
        return _empty_report()
    await SERVER.documents.settled(state, "findings")
    result_id, items = SERVER.report(state)
    state.pulled_version = state.version
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
@robust(lambda: None)
async def on_hover(params: types.HoverParams) -> types.Hover | None:
    target = _target(params.text_document.uri)
    if target is None:
        return None
    state = target[0]
    await SERVER.documents.settled(state)
    lines = SERVER.documents.lines(state)
    findings = _findings_shown(state)
    notebook = state.notebook
    position: types.Position | None = params.position
    if notebook is not None:
        position = notebooks.position_to_program(notebook, params.text_document.uri,
                                                 params.position)
        if position is None:
            return None
    assert position is not None
    found = hover.hover(SERVER.documents.view(state), findings, lines.from_client(position),
                        lines, SERVER.rules, SERVER.markdown)
    return found if notebook is None else notebooks.hover_to_cell(notebook, found)


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
@robust(list)
async def on_inlay_hint(params: types.InlayHintParams) -> list[types.InlayHint]:
    target = _target(params.text_document.uri)
    if target is None or not SERVER.settings.inlay_hints:
        return []
    state = target[0]
    await SERVER.documents.settled(state)
    lines = SERVER.documents.lines(state)
    notebook = state.notebook
    wanted = _program_range(state, params.text_document.uri, params.range)
    if wanted is None:
        return []
    settings = SERVER.settings
    hints = inlay.inlay_hints(SERVER.documents.view(state), lines,
                              lines.from_client_range(wanted),
                              layer_shapes=settings.inlay_layer_shapes,
                              data_shapes=settings.inlay_data_shapes)
    if notebook is None:
        return hints
    return notebooks.hints_in_cell(notebook, params.text_document.uri, hints)


def _program_range(state: DocumentState, uri: str, client_range: types.Range
                   ) -> types.Range | None:
    """The range a request names, in the document's program: for a notebook cell, where the
    cell sits in the notebook's program; None when the cell is not part of it."""
    if state.notebook is None:
        return client_range
    return notebooks.to_program(state.notebook, uri, client_range)


@SERVER.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=actions.KINDS))
@robust(list)
async def on_code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
    target = _target(params.text_document.uri)
    if target is None:
        return []
    state = target[0]
    await SERVER.documents.settled(state, "fixes")
    lines = SERVER.documents.lines(state)
    document_changes = bool(SERVER.capability("workspace", "workspace_edit",
                                              "document_changes"))
    notebook = state.notebook
    wanted = _program_range(state, params.text_document.uri, params.range)
    if wanted is None:
        return []
    found = actions.code_actions(_findings_shown(state), lines, state.uri, state.version,
                                 lines.from_client_range(wanted), params.context,
                                 SERVER.policy(state.path).overrides(), document_changes,
                                 SERVER.other_lines)
    return found if notebook is None else notebooks.actions_in_cells(notebook, found)


def _findings_shown(state: DocumentState) -> list[Finding]:
    """Those the project's configuration and the editor's settings show, not suppressed by a
    comment (so a hover says nothing of a finding hidden), of the current version only."""
    if state.findings_version != state.version:
        return []
    return SERVER.policy(state.path).shown(state.findings, state.text)


# -- workspace -------------------------------------------------------------------------------


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@robust(lambda: None)
async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
    pushed = params.settings
    if isinstance(pushed, dict) and pushed.get("shapelens"):
        SERVER.apply_settings(pushed)  # the client sent the section itself
    elif SERVER.capability("workspace", "configuration"):
        await SERVER.fetch_settings()
    else:
        SERVER.apply_settings(pushed if pushed not in (None, {}) else SERVER.init_options)
    SERVER.republish()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@robust(lambda: None)
async def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
    configs = [c for c in params.changes if is_config_file(_path(c.uri))]
    if configs:
        SERVER.projects.changed()
        # The size limit or the keras-version may have changed too: the cached parts of
        # every analysis may no longer hold.
        SERVER.documents.restart_all()
        SERVER.republish()
    changes = [c for c in params.changes if c not in configs]
    resolution = SERVER.resolution
    if resolution is None or not changes:
        return
    params = types.DidChangeWatchedFilesParams(changes=changes)
    if any(change.type != types.FileChangeType.Changed for change in params.changes):
        resolution.files_changed()
        SERVER.documents.refresh_all()
        return
    for change in params.changes:
        path = _path(change.uri)
        if path is not None and SERVER.documents.open_text(path) is None:
            SERVER.documents.refresh_dependents(path)


@SERVER.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@robust(lambda: None)
async def did_change_workspace_folders(params: types.DidChangeWorkspaceFoldersParams) -> None:
    resolution = SERVER.resolution
    if resolution is None:
        return
    removed = {p for folder in params.event.removed if (p := _path(folder.uri))}
    added = [Path(p) for folder in params.event.added if (p := _path(folder.uri))]
    resolution.roots = [r for r in resolution.roots if str(r) not in removed]
    resolution.roots += [root.resolve() for root in added]
    resolution.files_changed()
    SERVER.documents.refresh_all()


@SERVER.command(CHECK_WORKSPACE)
@robust(lambda: None)
async def check_workspace(*args: object) -> dict[str, object]:
    """Check every Python file and notebook of the workspace, reporting progress: on the client's
    `workDoneToken` when it sends one, else on a progress the server creates. It stops at
    the next file when the request is cancelled ($/cancelRequest) or its progress is
    (window/workDoneProgress/cancel), and answers with what it checked until then."""
    request = SERVER.commands.current_command()
    resolution = SERVER.resolution
    roots = list(resolution.roots) if resolution else []
    files, notes = await asyncio.to_thread(_workspace_files, roots)
    for note in notes:  # in the client's log (the Shapelens output in VS Code)
        SERVER.log_to_client(f"Check Workspace: {note}", types.MessageType.Info)
    progress = SERVER.work_done_progress
    token = request.params.work_done_token if request is not None else None
    if token is None and SERVER.capability("window", "work_done_progress"):
        token = str(uuid.uuid4())
        await progress.create_async(token)
    if token is not None:
        progress.begin(token, types.WorkDoneProgressBegin(
            title="Shapelens: checking the workspace", cancellable=True, percentage=0,
            message=f"{len(files)} files"))
    found = checked = 0
    cancelled = False
    try:
        for index, target in enumerate(files):
            cancelled = _cancelled(request, token)
            if cancelled:
                break
            found += await _check_file(target)
            checked += 1
            if token is not None:
                progress.report(token, types.WorkDoneProgressReport(
                    message=f"{index + 1}/{len(files)} {target.path.name}",
                    percentage=(index + 1) * 100 // max(len(files), 1)))
    finally:
        if token is not None:
            summary = (f"cancelled after {checked} of {len(files)} files" if cancelled
                       else f"{found} findings in {checked} files")
            progress.end(token, types.WorkDoneProgressEnd(message=summary))
            progress.tokens.pop(token, None)
    return {"files": checked, "findings": found, "cancelled": cancelled}


def _cancelled(request: CommandRequest | None, token: types.ProgressToken | None) -> bool:
    if request is not None and request.cancelled:
        return True
    if token is None:
        return False
    future = SERVER.work_done_progress.tokens.get(token)
    return future is not None and future.cancelled()


def _workspace_files(roots: list[Path]) -> tuple[list[Target], list[str]]:
    """The files Check Workspace reads, each once (by where it really is), walked as the
    command line walks: regular files only, no link out of the workspace or in a loop,
    sizes from stat; and a note for each file skipped."""
    found: dict[str, Target] = {}
    notes: list[str] = []
    # The configurations' `exclude`; an unusable one is reported as documents use it.
    excluded = excluded_by(ConfigCache(lenient=True))
    for root in roots:
        try:
            for target in targets([str(root)], within=roots, excluded=excluded):
                if target.skipped is not None:
                    notes.append(f"{target.path} skipped: {target.skipped}")
                elif target.error is not None:
                    notes.append(f"{target.path} skipped: {reason(target.error)}")
                else:
                    found.setdefault(os.path.realpath(target.path), target)
        except UsageError as error:  # a workspace folder that is gone
            notes.append(str(error))
    return [found[key] for key in sorted(found)], notes


async def _check_file(target: Target) -> int:
    path = Path(os.path.realpath(target.path))
    uri = path.as_uri()
    state = _state(uri)
    if state is not None:
        await SERVER.documents.settled(state, "findings")
        return len(SERVER.diagnostics(state))  # what is shown: settings may hide some
    resolution = SERVER.resolution
    keras_version = SERVER.keras_version(str(path))
    policy = SERVER.policy(str(path))
    limit = SERVER.max_file_size(str(path))

    def analyse() -> tuple[str, list[Finding]] | None:
        try:
            data = read(target, limit)
        except OSError as error:  # gone, unreadable, or no longer a regular file
            logger.info("Check Workspace: %s skipped: %s", target.path, reason(error))
            return None
        if isinstance(data, TooLarge):
            return "", too_large(str(path), data.size, data.limit).findings
        # The bytes as the interpreter reads them (BOM, coding cookie), as the CLI does.
        session = resolution.session(str(path)) if resolution is not None else None
        with budget.limited(ANALYSIS_TIME_S) as limits, using(keras_version):
            analysis = analyze_file(data, str(path), session.resolve if session else None,
                                    verify_fixes=False, extend_select=None)
        if analysis.timed_out:
            analysis.findings = [*analysis.findings, partly_analysed(
                analysis.stopped_at, LineIndex(analysis.text), "time", limits.seconds)]
        # Selected and suppressed in the program's text (a notebook's JSON has no comments).
        analysis.findings = policy.shown(analysis.findings, analysis.text)
        if analysis.cells is not None:
            # A notebook not open in a notebook editor: its findings where the cells'
            # lines are in the file (an editor without notebooks shows the JSON).
            text = notebook_text(data)
            return (text, in_notebook_file(analysis, text)) if isinstance(text, str) else None
        return analysis.text, analysis.findings

    analysed = await asyncio.wrap_future(SERVER.worker.submit(analyse, URGENT))
    if analysed is None:
        return 0
    text, findings = analysed
    lines = convert.Lines(text, SERVER.encoding())
    SERVER.pushed_elsewhere.add(uri)
    diagnostics = SERVER.to_diagnostics(findings, lines, uri, policy)
    SERVER.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, diagnostics=diagnostics))
    return len(diagnostics)  # what is shown: settings may hide some


# -- running ---------------------------------------------------------------------------------


class _ClientLogHandler(logging.Handler):
    """Errors logged anywhere in the server also reach the client's log."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            loop = SERVER_LOOP[0]
            if loop is None:
                return
            message = self.format(record)
            loop.call_soon_threadsafe(SERVER.log_to_client, message)
        except Exception:  # logging must never raise
            return


SERVER_LOOP: list[asyncio.AbstractEventLoop | None] = [None]


def _configure_logging(log_file: str | None) -> None:
    ours = [logging.getLogger(name) for name in ("server", "shape_engine")]
    for each in ours:
        each.setLevel(logging.INFO if log_file else logging.WARNING)
        each.addHandler(_ClientLogHandler())
        each.propagate = bool(log_file)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    if log_file:
        logging.basicConfig(filename=log_file, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def tcp_address(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT` or `:PORT` (127.0.0.1) as (host, port)."""
    host, _, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--tcp wants HOST:PORT (or [IPv6]:PORT), not {text!r}")
    return host or "127.0.0.1", int(port)


def _forget_session() -> None:
    """A TCP client went away without shutdown: the next one starts afresh."""
    for uri in list(SERVER.documents.states):
        SERVER.documents.close(uri)
    SERVER.pushed_elsewhere.clear()
    if SERVER.resolution is not None:  # the next initialize makes one for its folders
        SERVER.resolution.close()
        SERVER.resolution = SERVER.documents.resolution = None


def run(tcp: str | None = None, log_file: str | None = None) -> int:
    """Serve until the client says `exit` (or goes away); the process' exit code."""
    address = tcp_address(tcp) if tcp else None
    _configure_logging(log_file)
    try:
        if address is not None:
            return transport.serve_tcp(SERVER.commands, *address, _forget_session)
        return transport.serve_stdio(SERVER.commands)
    finally:
        SERVER.shutdown()
