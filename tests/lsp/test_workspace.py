"""A multi-module workspace: names resolved across files, refreshed when a module changes,
and the workspace-wide check with progress."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, eventually, pulls, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]


def project(root: Path) -> None:
    write(root, "config.py", """
        IMG = 28
        CLASSES = 10
        UNITS = 16
    """)
    write(root, "helpers.py", """
        from keras import layers

        Conv = layers.Conv2D
    """)
    write(root, "models.py", """
        import keras
        from keras import layers

        from config import CLASSES, IMG


        def build_model():
            model = keras.Sequential([
                keras.Input((IMG, IMG, 1)),
                layers.Flatten(),
                layers.Dense(CLASSES, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            return model
    """)
    write(root, "main.py", """
        import keras
        import numpy as np

        from config import UNITS
        from helpers import Conv
        from models import build_model

        x = np.random.rand(64, 32, 32, 1)
        y = np.random.rand(64, 10)
        model = build_model()
        model.fit(x, y, epochs=1)

        head = keras.Sequential([keras.Input((UNITS,)), Conv(4, 3)])
    """)


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


class Watch:
    """Diagnostics of a document that the server refreshes for a change elsewhere: pushed
    again (same version), or announced by workspace/diagnostic/refresh and pulled again."""

    def __init__(self, client: LanguageClient, document: Document) -> None:
        self.client, self.document = client, document
        self.mark()

    def mark(self) -> None:
        self.refreshes = self.client.diagnostic_refresh_count
        self.pushes = len(self._pushes())

    def _pushes(self) -> list[types.PublishDiagnosticsParams]:
        return [p for p in self.client.published  # type: ignore[attr-defined]
                if p.uri == self.document.uri]

    async def next(self) -> list[str]:
        """The codes after the next refresh."""
        if pulls(self.client):
            await eventually(lambda: self.client.diagnostic_refresh_count > self.refreshes,
                             "a refresh request")
            found = await self.document.diagnostics()
        else:
            pushes = await eventually(lambda: self._pushes()[self.pushes:], "a new push")
            found = list(pushes[-1].diagnostics)
        self.mark()
        return codes(found)

    async def becomes(self, expected: list[str]) -> list[str]:
        """Refreshed codes until they are `expected` (a refresh for another reason, such as
        settings arriving, may come first); the last ones seen."""
        seen: list[str] = []
        for _ in range(5):
            seen = await self.next()
            if seen == expected:
                break
        return seen


async def test_names_come_from_other_modules(client: LanguageClient, workspace: Path) -> None:
    project(workspace)
    main = Document(client, workspace / "main.py").open()
    diagnostics = {str(d.code): d for d in await main.diagnostics()}
    assert sorted(diagnostics) == ["SL101", "SL201"]
    # A model built by a function of models.py, with its input from config.py's IMG.
    assert "(None, 28, 28, 1)" in diagnostics["SL201"].message
    # A layer alias from helpers.py, with the input size from config.py's UNITS.
    assert "(None, 16)" in diagnostics["SL101"].message
    hover = await main.hover(main.find("Conv(4", offset=1))
    assert hover is not None and "Conv2D" in str(hover.contents)


async def test_related_information_points_into_the_module_that_declares_the_input(
        client: LanguageClient, workspace: Path) -> None:
    project(workspace)
    main = Document(client, workspace / "main.py").open()
    mismatch = next(d for d in await main.diagnostics() if d.code == "SL201")
    assert mismatch.related_information is not None
    models = Document(client, workspace / "models.py")
    where = {r.message: r.location for r in mismatch.related_information}
    assert where["x is defined here"] == types.Location(main.uri, types.Range(
        main.find("x = "), main.find(" = np.random.rand(64, 32")))
    declared = where["the model input is declared here: (None, 28, 28, 1)"]
    assert declared.uri == models.uri
    assert declared.range.start == models.find("keras.Input((IMG, IMG, 1))")
    assert where['Dense(CLASSES, activation="softmax") is added here'].uri == models.uri


async def test_editing_a_module_refreshes_its_dependents(client: LanguageClient,
                                                         workspace: Path) -> None:
    project(workspace)
    main = Document(client, workspace / "main.py").open()
    assert codes(await main.diagnostics()) == ["SL101", "SL201"]
    config = Document(client, workspace / "config.py").open()
    await config.diagnostics()
    watch = Watch(client, main)
    config.replace_line(0, "IMG = 32")  # unsaved: the open text counts
    assert await watch.becomes(["SL101"]) == ["SL101"]
    if pulls(client):  # hints may have changed too: VS Code is asked to fetch them again
        await eventually(lambda: client.inlay_refreshes,  # type: ignore[attr-defined]
                         "an inlay hint refresh request")
    helpers = Document(client, workspace / "helpers.py").open()
    await helpers.diagnostics()
    watch.mark()
    helpers.replace_line(2, "def Conv(filters, kernel):\n    return layers.Dense(filters)")
    assert await watch.becomes([]) == []


@pytest.mark.profiles("neovim")
@pytest.mark.server_log
async def test_typing_in_a_module_does_not_make_jedi_search_again(
        client: LanguageClient, workspace: Path, server_log: Path) -> None:
    """Which file `config` is does not change with what config.py says."""
    project(workspace)
    main = Document(client, workspace / "main.py").open()
    assert codes(await main.diagnostics()) == ["SL101", "SL201"]
    config = Document(client, workspace / "config.py").open()
    await config.diagnostics()
    watch = Watch(client, main)
    for size in (29, 30, 31, 32):
        config.replace_line(0, f"IMG = {size}")
        await watch.next()
    assert codes(await main.diagnostics()) == ["SL101"]  # x is 32 x 32, as the model now
    searches = [line for line in server_log.read_text().splitlines()
                if "jedi: config imported from" in line]
    assert len(searches) == 1, searches


@pytest.mark.server_log
async def test_jedi_is_started_before_a_module_is_needed(client: LanguageClient,
                                                         server_log: Path) -> None:
    """Its start-up cost is paid on its thread once the server is initialized, not by the
    first analysis that resolves a module."""
    await eventually(lambda: server_log.is_file() and "jedi warmed up in" in
                     server_log.read_text(), "jedi's start-up")


async def test_a_module_changed_on_disk_refreshes_its_dependents(client: LanguageClient,
                                                                 workspace: Path) -> None:
    project(workspace)
    main = Document(client, workspace / "main.py").open()
    assert codes(await main.diagnostics()) == ["SL101", "SL201"]
    watch = Watch(client, main)
    write(workspace, "config.py", "IMG = 32\nCLASSES = 10\nUNITS = 16\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent((workspace / "config.py").as_uri(), types.FileChangeType.Changed)]))
    assert await watch.becomes(["SL101"]) == ["SL101"]


# Only WIDTH's value decides: whatever it is, the input is 2-D, and 8 elements are not 3 x 3.
APP = """
    import keras
    from sizes import WIDTH

    model = keras.Sequential([keras.Input((WIDTH,)), keras.layers.Reshape((3, 3))])
"""


@pytest.mark.profiles("vscode")
async def test_a_new_module_is_found_when_the_client_watches_files(client: LanguageClient,
                                                                    workspace: Path) -> None:
    app = Document(client, write(workspace, "app.py", APP)).open()
    assert await app.diagnostics() == []  # WIDTH is unknown: nothing to say
    watch = Watch(client, app)
    write(workspace, "sizes.py", "WIDTH = 8\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent((workspace / "sizes.py").as_uri(), types.FileChangeType.Created)]))
    assert await watch.becomes(["SL104"]) == ["SL104"]


@pytest.mark.profiles("neovim")
async def test_a_module_created_in_the_editor_is_found(client: LanguageClient,
                                                      workspace: Path) -> None:
    """Neovim 0.7 cannot watch files: it tells of a new module by opening and saving it."""
    app = Document(client, write(workspace, "app.py", APP)).open()
    assert await app.diagnostics() == []
    watch = Watch(client, app)
    sizes = Document(client, workspace / "sizes.py", text="").open()  # `:edit sizes.py`
    await sizes.diagnostics()
    sizes.set_text("WIDTH = 8\n")
    sizes.save()  # `:write`
    assert await watch.becomes(["SL104"]) == ["SL104"]


@pytest.mark.profiles("neovim")
async def test_a_module_written_elsewhere_is_found_when_opened(client: LanguageClient,
                                                               workspace: Path) -> None:
    app = Document(client, write(workspace, "app.py", APP)).open()
    assert await app.diagnostics() == []
    watch = Watch(client, app)
    sizes = Document(client, write(workspace, "sizes.py", "WIDTH = 8\n")).open()
    assert await watch.becomes(["SL104"]) == ["SL104"]
    await sizes.diagnostics()


OTHER = """
    import keras

    a = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    b = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    c = keras.Sequential([keras.Input((6,)), keras.layers.Conv1D(2, 3)])
"""


def parts_analysed(log: Path, document: Document, version: int) -> int | None:
    """How many parts the full analysis of that version analysed, once logged."""
    marker = f"{document.uri} version {version}: findings in "
    for line in log.read_text().splitlines() if log.is_file() else []:
        if marker in line:
            return int(line.rsplit("(", 1)[1].split()[0])
    return None


@pytest.mark.server_log
async def test_a_new_module_makes_only_its_importers_analyse_again(
        client: LanguageClient, workspace: Path, server_log: Path) -> None:
    """sizes.py appearing concerns app.py, which looked for it; other.py keeps what it
    cached, and an edit of one of its models analyses that model only."""
    other = Document(client, write(workspace, "other.py", OTHER)).open()
    assert codes(await other.diagnostics()) == ["SL101"]
    full = await eventually(lambda: parts_analysed(server_log, other, 1),
                            "the full analysis of other.py")
    assert full == 3  # one part a model (the import goes with each)
    app = Document(client, write(workspace, "app.py", APP)).open()
    assert await app.diagnostics() == []
    watch = Watch(client, app)
    sizes = Document(client, write(workspace, "sizes.py", "WIDTH = 8\n")).open()
    assert await watch.becomes(["SL104"]) == ["SL104"]
    await sizes.diagnostics()
    other.replace_line(2, "a = keras.Sequential([keras.Input((4,)), keras.layers.Dense(7)])")
    assert codes(await other.diagnostics()) == ["SL101"]
    assert await eventually(lambda: parts_analysed(server_log, other, 2),
                            "the analysis of the edit") == 1


async def test_checking_the_workspace_reports_progress(client: LanguageClient,
                                                       workspace: Path) -> None:
    project(workspace)
    write(workspace, "pkg/broken.py", """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                                  keras.layers.Conv2D(2, 3)])
    """)
    write(workspace, ".venv/lib/ignored.py", "this is not even python(")
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace"))
    assert result == {"files": 5, "findings": 3, "cancelled": False}
    (reports,) = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert [r.percentage for r in reports[1:-1]] == [20, 40, 60, 80, 100]
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    broken = (workspace / "pkg" / "broken.py").as_uri()
    await eventually(lambda: broken in client.diagnostics, "diagnostics of a closed file")
    assert [d.code for d in client.diagnostics[broken]] == ["SL101"]


BOM_FILE = (b"\xef\xbb\xbfimport keras\n"
            b"model = keras.Sequential([keras.Input((4,)), keras.layers.Conv2D(2, 3)])\n")
LATIN_1_FILE = ("# -*- coding: latin-1 -*-\n"
                "import keras\n"
                "unit\u00e9s = 4\n"  # an identifier that is not ASCII
                "tag = '\u00e9t\u00e9'; model = keras.Sequential([keras.Input((unit\u00e9s,)), "
                "keras.layers.Conv2D(2, 3)])\n").encode("latin-1")


async def test_the_workspace_check_decodes_files_as_python_does(client: LanguageClient,
                                                                workspace: Path) -> None:
    (workspace / "bom.py").write_bytes(BOM_FILE)
    (workspace / "latin.py").write_bytes(LATIN_1_FILE)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace"))
    assert result == {"files": 2, "findings": 2, "cancelled": False}
    bom, latin = (workspace / "bom.py").as_uri(), (workspace / "latin.py").as_uri()
    await eventually(lambda: bom in client.diagnostics and latin in client.diagnostics,
                     "diagnostics of closed files")
    assert [d.code for d in client.diagnostics[bom]] == ["SL101"]  # no SL001 at the BOM
    (conv,) = client.diagnostics[latin]
    assert conv.code == "SL101"
    line = LATIN_1_FILE.decode("latin-1").split("\n")[3]
    assert conv.range.start == types.Position(3, line.index("keras.layers.Conv2D"))


async def test_imported_modules_are_decoded_as_python_does(client: LanguageClient,
                                                           workspace: Path) -> None:
    (workspace / "sizes.py").write_bytes(b"\xef\xbb\xbfWIDTH = 8\n")
    (workspace / "units.py").write_bytes(
        "# coding: latin-1\nunit\u00e9s = 6\nUNITS = unit\u00e9s\n".encode("latin-1"))
    main = Document(client, write(workspace, "main.py", """
        import keras
        from sizes import WIDTH
        from units import UNITS

        a = keras.Sequential([keras.Input((WIDTH,)), keras.layers.Conv1D(2, 3)])
        b = keras.Sequential([keras.Input((UNITS,)), keras.layers.Conv1D(2, 3)])
    """)).open()
    diagnostics = await main.diagnostics()
    assert [(d.code, "(None, 8)" in d.message, "(None, 6)" in d.message)
            for d in diagnostics] == [("SL101", True, False), ("SL101", False, True)]


MANY_FILES = 300


async def test_a_cancelled_workspace_check_stops_early(client: LanguageClient,
                                                       workspace: Path) -> None:
    """The client passes its own progress token and then cancels the request: the server
    reports on that token, stops at the next file and answers with what it checked."""
    for number in range(MANY_FILES):
        write(workspace, f"pkg/model_{number:03}.py", f"""
            import keras
            model = keras.Sequential([keras.Input(({number + 1},)),
                                      keras.layers.Conv2D(2, 3)])
        """)
    token = "the client's token"
    client.progress_reports[token] = []  # the client made it (no window/workDoneProgress/create)
    reports = client.progress_reports[token]
    request_id = "check-workspace-1"
    answer = asyncio.create_task(client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="shapelens.checkWorkspace", work_done_token=token),
        msg_id=request_id))
    await eventually(lambda: len(reports) >= 3, "progress on the client's token")
    client.cancel_request(types.CancelParams(id=request_id))
    result = await answer
    assert result["cancelled"] is True
    assert 0 < result["files"] < MANY_FILES
    assert result["findings"] == result["files"]  # one SL101 a file
    assert list(client.progress_reports) == [token]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].cancellable
    steps = [r for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert len(steps) == result["files"]
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == f"cancelled after {result['files']} of {MANY_FILES} files"
    # Nothing went on after the answer: only the files it counted got diagnostics.
    checked = {p.uri for p in client.published  # type: ignore[attr-defined]
               if "/pkg/model_" in p.uri}
    assert len(checked) == result["files"]


async def test_the_workspace_check_reports_on_the_clients_token(client: LanguageClient,
                                                                 workspace: Path) -> None:
    project(workspace)
    token = 42
    client.progress_reports[token] = []
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace", work_done_token=token))
    assert result == {"files": 4, "findings": 2, "cancelled": False}
    assert list(client.progress_reports) == [token]
    reports = client.progress_reports[token]
    assert [type(r) for r in reports] == [types.WorkDoneProgressBegin,
                                          *[types.WorkDoneProgressReport] * 4,
                                          types.WorkDoneProgressEnd]
    assert reports[-1].message == "2 findings in 4 files"


async def test_the_server_takes_a_progress_token_for_its_command(client: LanguageClient
                                                                 ) -> None:
    initialized: types.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    commands = initialized.capabilities.execute_command_provider
    assert commands is not None and commands.work_done_progress
    assert "shapelens.checkWorkspace" in commands.commands
