"""Run generated models through the engine and real TensorFlow, classify and shrink disagreements.

`check` compares one program with `tests.compare.assert_agrees` and names the kind of
disagreement; `minimize` shrinks a disagreeing model (shortest failing prefix of layers, then
fewer layers, fewer arguments, the plainest spelling) while the disagreement stays the same
kind, so each one becomes a small regression case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tests.compare import assert_agrees, build_errors
from tests.generator.spec import LayerSpec, ModelSpec, render
from tests.oracle import Oracle

# Kinds of disagreement, from the first line of assert_agrees' message.
CATEGORIES = (
    ("Keras raised but the engine found nothing", "missed-error"),
    ("the engine reports an error Keras does not raise", "false-alarm"),
    ("the engine's error is not on the statement Keras raised at", "wrong-location"),
    ("no engine model for", "missing-model"),
)
_SHAPE = re.compile(r"^(?P<label>.*): engine (?P<engine>.*) != keras (?P<keras>.*)$")
_PARAMS = re.compile(r"^(?P<label>.*): engine (?P<engine>\S+) params != keras (?P<keras>.*)$")


@dataclass(frozen=True)
class Outcome:
    source: str
    keras_raised: bool | None  # None: TensorFlow gave no answer
    category: str | None  # None: the engine agrees with TensorFlow
    detail: str = ""
    codes: tuple[str, ...] = ()  # the engine's build error codes, when it agrees

    @property
    def agrees(self) -> bool:
        return self.category is None


def classify(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    for prefix, category in CATEGORIES:
        if first.startswith(prefix):
            return category
    params = _PARAMS.match(first)
    if params:
        return "unknown-params" if params["engine"] == "None" else "wrong-params"
    shape = _SHAPE.match(first)
    if shape:
        return "unknown-shape" if shape["engine"] == "None" else "wrong-shape"
    return "wrong-structure"  # layer count or total parameters


def check(source: str, oracle: Oracle) -> Outcome:
    try:
        analysis, result = assert_agrees(source, oracle)
    except AssertionError as error:
        message = str(error)
        raised = _keras_raised(message)
        return Outcome(source, raised, classify(message), message)
    except TimeoutError as error:
        return Outcome(source, None, "oracle-timeout", str(error))
    except Exception as error:  # the engine must never crash: that is a disagreement too
        return Outcome(source, None, "engine-crash", f"{type(error).__name__}: {error}")
    codes = tuple(error.split(" ", 1)[0] for error in build_errors(analysis))
    return Outcome(source, result.raised, None, codes=codes)


def _keras_raised(message: str) -> bool | None:
    marker = "\n--- keras ---\n"
    if marker not in message:
        return None
    verdict = message.split(marker, 1)[1].split("\n--- engine ---", 1)[0].strip()
    return verdict != "None"


def culprit(spec: ModelSpec) -> str:
    """The kind of the last layer: after minimisation, the layer the disagreement is about."""
    if not spec.layers:
        return "(input)"
    last = spec.layers[-1]
    if last.kind in ("Bidirectional", "TimeDistributed") and last.args:
        inner = last.args[0]
        if isinstance(inner, LayerSpec):
            return f"{last.kind}({inner.kind})"
    return last.kind


def _variants(spec: ModelSpec) -> Iterator[ModelSpec]:
    """Smaller or plainer versions of `spec`, roughly from biggest cut to smallest."""
    for index in range(len(spec.layers) - 2, -1, -1):
        smaller = spec.copy()
        del smaller.layers[index]
        yield smaller
    for attribute, plain in (("imports", "keras"), ("model_style", "list"),
                             ("input_how", "Input"), ("batch_size", None),
                             ("constants", "inline"), ("input_keyword", False),
                             ("stray_input_shape", None)):
        if getattr(spec, attribute) != plain:
            plainer = spec.copy()
            setattr(plainer, attribute, plain)
            yield plainer
    for index, layer in enumerate(spec.layers):
        for key in list(layer.kwargs):
            if key in layer.required:
                continue
            lighter = spec.copy()
            del lighter.layers[index].kwargs[key]
            yield lighter


def minimize(spec: ModelSpec, oracle: Oracle, category: str,
             budget: int = 80) -> ModelSpec:
    """A smaller model that still disagrees in the same way (at most `budget` TF runs)."""
    runs = 0

    def same(candidate: ModelSpec) -> bool:
        nonlocal runs
        runs += 1
        return check(render(candidate), oracle).category == category

    best = spec
    for length in range(1, len(spec.layers)):
        prefix = spec.copy()
        prefix.layers = prefix.layers[:length]
        if same(prefix):
            best = prefix
            break
    improved = True
    while improved and runs < budget:
        improved = False
        for candidate in _variants(best):
            if runs >= budget:
                break
            if same(candidate):
                best = candidate
                improved = True
                break
    return best


Progress = Callable[[int, Outcome], None]


def run_models(specs: list[ModelSpec], oracle: Oracle,
               progress: Progress | None = None) -> list[Outcome]:
    outcomes = []
    for index, spec in enumerate(specs):
        outcome = check(render(spec), oracle)
        outcomes.append(outcome)
        if progress is not None:
            progress(index, outcome)
    return outcomes
