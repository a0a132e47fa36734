"""The text of open documents, exactly as the editor has it.

pygls' TextDocument cuts lines with `str.splitlines`, which also breaks at form feed, \\v,
\\x1c-\\x1e, \\x85, U+2028 and U+2029: with one of these in a comment, every incremental edit
below it landed on a wrong line of the server's copy. Here the workspace makes documents
that apply edits through `convert` (`offset_of`, `Lines`), the one place that cuts lines as
LSP does (\\n, \\r\\n, \\r) and converts the client's columns; a position past the end
of its line or of the document is read as that end, as editors do.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from server.convert import offset_of
from shape_engine.source import line_starts


def apply_change(text: str, change: types.TextDocumentContentChangeEvent,
                 encoding: str = types.PositionEncodingKind.Utf16) -> str:
    """`text` after one content change of didChange (incremental or whole)."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return change.text
    start = offset_of(text, change.range.start, encoding)
    end = offset_of(text, change.range.end, encoding)
    start, end = min(start, end), max(start, end)
    return text[:start] + change.text + text[end:]


class LspTextDocument(TextDocument):
    """A pygls document whose lines and edits follow LSP's line breaks."""

    @property
    def source(self) -> str:
        """The text the client sent; "" for a document it never opened (pygls read such a
        document from the disk, where a FIFO under its name would block the server)."""
        return self._source or ""

    @property
    def lines(self) -> Sequence[str]:
        """The lines with their breaks (as pygls has them), cut where LSP cuts them."""
        text = self.source
        starts = line_starts(text)
        ends = [*starts[1:], len(text)]
        return tuple(text[start:end] for start, end in zip(starts, ends, strict=True)
                     if end > start)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial
                                  ) -> None:
        self._source = apply_change(self.source, change, str(self.position_codec.encoding))


class LspWorkspace(Workspace):
    """pygls' workspace, making `LspTextDocument`s."""

    def _create_text_document(self, doc_uri: str, source: str | None = None,
                              version: int | None = None, language_id: str | None = None
                              ) -> TextDocument:
        return LspTextDocument(doc_uri, source=source, version=version,
                               language_id=language_id, sync_kind=self._sync_kind,
                               position_codec=self.position_codec)

    @staticmethod
    def like(other: Workspace) -> LspWorkspace:
        """A workspace with `other`'s root, folders and encoding (and no documents yet)."""
        return LspWorkspace(other.root_uri, other._sync_kind, list(other.folders.values()),
                            other.position_encoding)
