"""Open documents: their text, their latest analysis, and when to analyse them again.

Each edit waits out a short quiet time (debounce) before the document is analysed on the
worker thread. Results come back in two steps: findings first (diagnostics go out at once),
then the facts hover and inlay hints need. A result for an older version never replaces the
diagnostics of a newer one. While a document does not parse, hover and inlay hints use the
last version that did, on the lines the edit did not touch.

Every analysis is bounded (`shape_engine.budget`): it stops at its time limit and says so
(SL005), stops when its document changes or closes (a newer version is on its way), and
steps aside once for urgent work that arrives meanwhile, so that one long document does not
hold back another's diagnostics. A document over the size limit (SL004) is not analysed.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from server.convert import Lines
from server.memory import release_free_memory
from server.notebooks import NotebookCells
from server.worker import BACKGROUND, URGENT, Worker
from shape_engine import budget
from shape_engine.analysis import Analysis, too_large
from shape_engine.facts import Facts, LineMap
from shape_engine.findings import Finding
from shape_engine.incremental import DocumentAnalyzer, Outcome, Resolution, Session
from shape_engine.keras_version import DEFAULT, KerasVersion, using
from shape_engine.source import split_lines
from shape_engine.walk import DEFAULT_MAX_FILE_SIZE

logger = logging.getLogger(__name__)

# Lines compared (old x new) at most to follow lines through an edit of many places.
MAX_DIFF_WORK = 4_000_000
# How long the worker waits for the loop to publish findings before going on.
HAND_OVER_S = 0.1
# How long a request waits for the analysis of the version it was made on.
WAIT_TIMEOUT_S = 30.0
# How long after the last close the allocator's free memory goes back to the system.
RELEASE_DELAY_S = 1.0
# How long one analysis of a document may take before it stops and says so (SL005): the
# other documents wait for the one thread analyses run on.
ANALYSIS_TIME_S = 5.0


class Superseded(budget.Interrupted):
    """The document changed or closed: its analysis of the older version stops."""


class Preempted(budget.Interrupted):
    """Urgent work waits (another document's first look, an edit): this analysis steps
    aside and runs again after it."""


@dataclass
class Result:
    """One analysis of a version of a document."""

    version: int | None
    text: str
    facts: Facts
    quick: bool = False  # from the first, quick analysis of the document


@dataclass
class DocumentState:
    """An open document: its text, its analyses, and what the client was last given."""

    uri: str
    path: str | None
    version: int | None
    text: str
    analyzer: DocumentAnalyzer
    # Findings of the latest analysed version and whether it parsed.
    findings_version: int | None = None
    findings: list[Finding] = field(default_factory=list)
    has_findings: bool = False
    findings_verified: bool = False  # their fixes were checked (code actions wait for that)
    result: Result | None = None  # the latest complete analysis
    good: Result | None = None  # the latest complete analysis of a version that parsed
    dependencies: frozenset[str] = frozenset()
    resolution: DocumentResolution | None = None  # what its analyzer resolves imports with
    closed: bool = False
    timer: asyncio.TimerHandle | None = None
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    # Caches for the current version.
    lines_cache: tuple[int | None, str, Lines] | None = None
    view_cache: tuple[int | None, int | None, Facts] | None = None
    # Pull diagnostics: what the client was last given.
    report: object | None = None
    report_id: int | None = None  # from the server's counter
    pulled_version: int | None = None
    pushed: object | None = None  # what was last published (push clients)
    # An open notebook: its cells, the program `text` is made of (None for a file).
    notebook: NotebookCells | None = None

    def notify(self) -> None:
        self.progress.set()
        self.progress = asyncio.Event()


class DocumentResolution(Resolution):
    """One document's view of the workspace's resolution, with an epoch of its own: when a
    module it did not find may have appeared, its cached analyses go stale, not those of
    every open document (the workspace's epoch still changes for all of them)."""

    def __init__(self, shared: Resolution) -> None:
        self.shared = shared
        self._own = 0

    @property
    def epoch(self) -> int:  # type: ignore[override]  # read-only here
        # Both only grow: any change of either changes the sum.
        return self.shared.epoch + self._own

    def invalidate(self) -> None:
        """Analyses cached until now are stale (read on the worker thread: an int)."""
        self._own += 1

    def session(self, importer: str | None) -> Session:
        return self.shared.session(importer)

    def stamp(self, path: str) -> object:
        return self.shared.stamp(path)


class Documents:
    def __init__(self, worker: Worker, resolution: Resolution | None,
                 encoding: Callable[[], str], debounce_ms: Callable[[], int],
                 on_findings: Callable[[DocumentState], None],
                 on_facts: Callable[[DocumentState, bool], None],
                 max_file_size: Callable[[str | None], int | None] = (
                     lambda path: DEFAULT_MAX_FILE_SIZE),
                 keras_version: Callable[[str | None], KerasVersion] = lambda path: DEFAULT
                 ) -> None:
        self.worker = worker
        self.max_file_size = max_file_size
        # The Keras whose verdicts the analyses follow (the shapelens.kerasVersion setting).
        self.keras_version = keras_version
        self.resolution = resolution
        self.encoding = encoding
        self.debounce_ms = debounce_ms
        self.on_findings = on_findings
        self.on_facts = on_facts
        self.states: dict[str, DocumentState] = {}
        self._by_path: dict[str, DocumentState] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release_timer: asyncio.TimerHandle | None = None

    # -- what the editor does ----------------------------------------------------------------

    def open(self, uri: str, version: int | None, text: str, path: str | None,
             notebook: NotebookCells | None = None) -> DocumentState:
        """`notebook`: the document is that notebook's program (`text`)."""
        old = self.states.get(uri)
        if old is not None:
            self._forget(old)
        path = _normal(path)
        resolution = (DocumentResolution(self.resolution) if self.resolution is not None
                      else None)
        state = DocumentState(uri, path, version, text, DocumentAnalyzer(path, resolution),
                              resolution=resolution, notebook=notebook)
        self.states[uri] = state
        if path is not None:
            self._by_path[path] = state
        self._analyse_now(state, first=True)
        return state

    def change(self, uri: str, version: int | None, text: str,
               notebook: NotebookCells | None = None) -> None:
        state = self.states.get(uri)
        if state is None:
            return
        state.version, state.text = version, text
        if notebook is not None:
            state.notebook = notebook
        self.schedule(state, self.debounce_ms() / 1000)
        if state.path is not None:
            self.refresh_dependents(state.path)

    def save(self, uri: str) -> None:
        """Saving is a good moment: analyse now what is still waiting for quiet."""
        state = self.states.get(uri)
        if state is not None and state.timer is not None:
            self._analyse_now(state)

    def close(self, uri: str) -> None:
        state = self.states.pop(uri, None)
        if state is None:
            return
        self._forget(state)
        if state.path is not None:
            self.refresh_dependents(state.path)  # the text on disk counts again
        # Once closing has stopped for a moment (a whole workspace may be closing).
        if self._release_timer is not None:
            self._release_timer.cancel()
        self._release_timer = self.loop.call_later(RELEASE_DELAY_S, release_free_memory)

    def by_path(self, path: str) -> DocumentState | None:
        """The open document at `path`, if any."""
        state = self._by_path.get(_normal(path) or path)
        return None if state is None or state.closed else state

    def open_text(self, path: str) -> tuple[int | None, str] | None:
        """For resolution, from any thread: the unsaved text of an open module."""
        state = self._by_path.get(path)
        if state is None or state.closed:
            return None
        return state.version, state.text

    # -- scheduling --------------------------------------------------------------------------

    def schedule(self, state: DocumentState, delay_s: float) -> None:
        if state.timer is not None:
            state.timer.cancel()
        state.timer = self.loop.call_later(delay_s, self._analyse_now, state)

    def refresh_all(self) -> None:
        """Analyse every open document again (their modules may have changed)."""
        for state in self.states.values():
            self.schedule(state, 0)

    def restart_all(self) -> None:
        """Analyse every open document again from nothing: what the analyses cached was
        worked out under other settings (another Keras version)."""
        for state in self.states.values():
            state.analyzer = DocumentAnalyzer(state.path, state.resolution)
            state.has_findings = False  # a pull waits for the new ones
            self.schedule(state, 0)

    def refresh_dependents(self, path: str) -> bool:
        """Analyse again the open documents that import the module at `path`."""
        path = _normal(path) or path
        found = False
        for state in self.states.values():
            if path in state.dependencies and state.path != path:
                self.schedule(state, self.debounce_ms() / 1000)
                found = True
        return found

    def refresh_importers(self, paths: set[str]) -> None:
        """Analyse again, without what they cached, the open documents at `paths` and those
        that import them: they imported a module that was not found then. The other
        documents keep their cached analyses."""
        normal = {_normal(path) for path in paths}
        for state in self.states.values():
            if state.path in normal or not normal.isdisjoint(state.dependencies):
                if state.resolution is not None:
                    state.resolution.invalidate()
                self.schedule(state, 0)

    def _analyse_now(self, state: DocumentState, first: bool = False) -> None:
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if state.closed:
            return
        version, text = state.version, state.text
        _ = self.loop  # results come back to this thread's loop
        limit = self.max_file_size(state.path)  # the editor's, else the project's
        size = _size_over(text, limit)
        if size is not None and limit is not None:
            self._not_analysed(state, version, text, too_large(state.path, size, limit))
            return
        job = (lambda: self._first(state, version, text)) if first else (
            lambda: self._analyse(state, version, text))
        self.worker.submit(job, URGENT).add_done_callback(_log_failure)

    def _not_analysed(self, state: DocumentState, version: int | None, text: str,
                      analysis: Analysis) -> None:
        """A document too large to analyse: its one finding (SL004), no facts."""
        findings = analysis.findings
        self._findings_ready(state, version, Outcome(
            findings, True, frozenset(), lambda: Facts(findings=findings, parsed=False)))
        self._facts_ready(state, version, text, Facts(findings=findings, parsed=False))

    def _first(self, state: DocumentState, version: int | None, text: str,
               may_step_aside: bool = True) -> None:
        """On the worker thread: findings and facts from one quick whole-file analysis;
        verified fixes (and the caches for the next edits) come from the full analysis, in
        the background."""
        if state.closed or state.version != version:
            return
        try:
            with (self._limits(state, version, may_step_aside),
                  using(self.keras_version(state.path))):
                outcome = state.analyzer.quick(text)
        except Superseded:
            return
        except Preempted:
            self._again(lambda: self._first(state, version, text, False), URGENT)
            return
        except Exception:
            logger.exception("analysis of %s failed", state.uri)
            outcome = _failed()
        self._hand_over(self._findings_ready, state, version, outcome)
        try:
            facts = outcome.facts()
        except Exception:
            logger.exception("analysis of %s failed", state.uri)
            facts = Facts(parsed=False)
        self._call_soon(self._facts_ready, state, version, text, facts, True)
        self.worker.submit(lambda: self._analyse(state, version, text, priority=BACKGROUND),
                           BACKGROUND).add_done_callback(_log_failure)

    def _analyse(self, state: DocumentState, version: int | None, text: str,
                 may_step_aside: bool = True, priority: int = URGENT) -> None:
        """On the worker thread."""
        if state.closed or state.version != version:
            return  # a newer version is on its way
        started = time.perf_counter()
        work = state.analyzer.components_analysed
        try:
            with (self._limits(state, version, may_step_aside),
                  using(self.keras_version(state.path))):
                outcome = state.analyzer.analyze(text)
            logger.info("%s version %s: findings in %.1f ms (%d parts analysed)", state.uri,
                        version, (time.perf_counter() - started) * 1000,
                        state.analyzer.components_analysed - work)
        except Superseded:
            return
        except Preempted:
            self._again(lambda: self._analyse(state, version, text, False, priority), priority)
            return
        except Exception:
            logger.exception("analysis of %s failed", state.uri)
            outcome = _failed()
        self._hand_over(self._findings_ready, state, version, outcome)
        try:
            facts = outcome.facts()
        except Exception:
            logger.exception("analysis of %s failed", state.uri)
            facts = Facts(parsed=False)
        self._call_soon(self._facts_ready, state, version, text, facts)

    def _limits(self, state: DocumentState, version: int | None, may_step_aside: bool
                ) -> contextlib.AbstractContextManager[budget.Limits]:
        """The limits of one analysis of `version`: its time, stopping when the document
        changes or closes, and once (so that it ends some time) stepping aside for urgent
        work that arrives meanwhile: another document does not wait behind a long one."""
        def interrupt() -> None:
            if state.closed or state.version != version:
                raise Superseded
            if may_step_aside and self.worker.urgent_waiting():
                raise Preempted

        return budget.limited(ANALYSIS_TIME_S, interrupt)

    def _again(self, job: Callable[[], None], priority: int) -> None:
        self.worker.submit(job, priority).add_done_callback(_log_failure)

    def _hand_over(self, callback: Callable[..., None], *args: object) -> None:
        """Run `callback` on the loop and wait (briefly) until it has: the diagnostics go
        out before this thread takes the interpreter back for the rest of its work."""
        done = threading.Event()

        def then_signal(*inner: object) -> None:
            try:
                callback(*inner)
            finally:
                done.set()

        self._call_soon(then_signal, *args)
        done.wait(HAND_OVER_S)

    def _call_soon(self, callback: Callable[..., None], *args: object) -> None:
        def guarded() -> None:
            try:
                callback(*args)
            except Exception:
                logger.exception("handling an analysis result failed")

        self.loop.call_soon_threadsafe(guarded)

    def _findings_ready(self, state: DocumentState, version: int | None,
                        outcome: Outcome) -> None:
        if state.closed or version != state.version:
            return  # never publish over a newer version
        state.findings_version = version
        state.findings = outcome.findings
        state.findings_verified = outcome.verified
        state.has_findings = True
        state.dependencies = outcome.dependencies
        state.notify()
        self.on_findings(state)

    def _facts_ready(self, state: DocumentState, version: int | None, text: str,
                     facts: Facts, quick: bool = False) -> None:
        if state.closed:
            return
        previous = state.result
        if previous is not None and _older(version, previous.version):
            return
        state.result = Result(version, text, facts, quick)
        if facts.parsed:
            state.good = state.result
        state.notify()
        # The same version again (after more than the quick first look): something else
        # changed, such as a module it imports.
        self.on_facts(state, previous is not None and previous.version == version
                      and not previous.quick)

    # -- what the features read --------------------------------------------------------------

    async def settled(self, state: DocumentState, what: str = "facts") -> None:
        """Wait until the version current now is analysed: "findings" (for diagnostics),
        "fixes" (findings whose fixes were verified) or "facts" (hover, inlay hints)."""
        target = state.version
        deadline = self.loop.time() + WAIT_TIMEOUT_S
        while not state.closed:
            if what == "facts":
                done = state.result is not None and not _older(state.result.version, target)
            else:
                done = state.has_findings and state.findings_version == state.version and (
                    what == "findings" or state.findings_verified)
            if done:
                return
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                logger.warning("%s: analysis still running after %ss", state.uri,
                               WAIT_TIMEOUT_S)
                return
            try:
                await asyncio.wait_for(state.progress.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    def lines(self, state: DocumentState) -> Lines:
        encoding = self.encoding()
        cached = state.lines_cache
        if cached is None or cached[0] != state.version or cached[1] != encoding:
            cached = (state.version, encoding, Lines(state.text, encoding))
            state.lines_cache = cached
        return cached[2]

    def view(self, state: DocumentState) -> Facts:
        """The facts on the current text: the latest version that parsed, its facts moved
        to where their lines are now and dropped where the edit touched them."""
        good = state.good
        if good is None:
            return Facts()
        if good.text == state.text:
            return good.facts
        cached = state.view_cache
        if cached is None or cached[0] != good.version or cached[1] != state.version:
            moved = good.facts.moved(_line_map(split_lines(good.text), split_lines(state.text)))
            cached = (good.version, state.version, moved)
            state.view_cache = cached
        return cached[2]

    # -- internals ---------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _forget(self, state: DocumentState) -> None:
        state.closed = True
        if state.timer is not None:
            state.timer.cancel()
        if state.path is not None and self._by_path.get(state.path) is state:
            del self._by_path[state.path]
        state.notify()


def _size_over(text: str, limit: int | None) -> int | None:
    """The size of `text` in UTF-8 when it is over `limit`, else None (without encoding
    it when its length alone tells)."""
    if limit is None or len(text) * 4 <= limit:
        return None
    if len(text) > limit:
        return len(text)  # at least
    size = len(text.encode("utf-8", "surrogatepass"))
    return size if size > limit else None


def _failed() -> Outcome:
    return Outcome([], False, frozenset(), lambda: Facts(parsed=False))


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("analysis failed", exc_info=future.exception())


def _older(version: int | None, than: int | None) -> bool:
    return version is not None and than is not None and version < than


def _normal(path: str | None) -> str | None:
    return os.path.realpath(path) if path else None


def _line_map(old: list[str], new: list[str]) -> LineMap:
    """Where the unchanged lines of `old` are in `new` (None for lines edited away).

    Common prefix and suffix first; the middle, usually small, is matched line by line.
    """
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    middle: dict[int, int] = {}
    old_middle, new_middle = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    if old_middle and new_middle and len(old_middle) * len(new_middle) <= MAX_DIFF_WORK:
        matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.size):
                middle[prefix + block.a + i] = prefix + block.b + i
    delta = len(new) - len(old)
    first_kept_after = len(old) - suffix

    def line_map(line: int) -> int | None:
        if line < prefix:
            return line
        if line >= first_kept_after:
            return line + delta
        return middle.get(line)

    return line_map
