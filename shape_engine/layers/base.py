"""What a layer rule sees and returns, and the helpers rules share.

A rule is a small function `(args, input_shape) -> LayerOutput`, registered with
`@layer_rule("Conv2D", aliases=("Convolution2D",), params=("filters", "kernel_size", ...))`.
`params` names the constructor's positional parameters in Keras' order, so `args` can read
positional and keyword arguments alike.

A rule raises `Unknowable` (through `args` or `known`) when what it needs is not known
statically: the layer's output is then unknown and nothing downstream is checked. It raises
`Refusal` for what Keras itself refuses when it builds the layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, TypeVar, overload

from shape_engine.layers import index
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT
from shape_engine.shapes import Dim, MaybeShape, Shape
from shape_engine.values import Const, LayerValue, ModelValue, NotConstant, to_python

if TYPE_CHECKING:
    from shape_engine.ir import LayerCall, ModelIR
    from shape_engine.rule import Rule

T = TypeVar("T")


class Unknowable(Exception):
    """What the rule needs cannot be known statically: the output is unknown."""


class Refusal(Exception):
    """Keras refuses to build this layer.

    `needs` (input refusals): what the layer needs of its input, e.g. "a 4-D input (batch,
    height, width, channels)"; the interpreter names the layer and the producer around it.
    `message` (everything else): the full sentence. `argument` points the range at that argument.
    `detail` (with `needs`) follows the received shape, e.g. "128 elements".
    `every_call`: raised by the layer's call itself, built or not; an undefined dim (SL102)
    is otherwise refused by its build alone, which a layer object called again skips.
    """

    def __init__(self, rule: Rule, message: str | None = None, *, needs: str | None = None,
                 argument: str | None = None, detail: str | None = None,
                 every_call: bool = False) -> None:
        super().__init__(message or needs or rule.summary)
        self.rule = rule
        self.message = message
        self.needs = needs
        self.argument = argument
        self.detail = detail
        self.every_call = every_call


class LayerOutput(NamedTuple):
    """What a layer makes of its input: its output shape and parameter count."""

    shape: MaybeShape
    params: int | None = 0
    # Several outputs (return_state=True, Bidirectional(merge_mode=None)): `shape` is then None
    # (Keras reports no single output shape) and most next layers break.
    multiple_outputs: bool = False
    # Completes "<layer> ..." in messages, e.g. "returns its output and its states as a list".
    multiple_outputs_why: str = "returns several tensors as a list"
    # With multiple_outputs: the shape of each tensor of the list, when known (a merge layer
    # next takes the list).
    outputs: tuple[MaybeShape, ...] | None = None
    # Some of its None dims are only unknown to the engine (an argument not known), not
    # undefined to Keras (see `partial_shapes`).
    partial: bool = False


_MISSING = object()


class LayerArgs:
    """The arguments of one layer call, positional or keyword, as Python constants."""

    __slots__ = ("call", "params")  # made for every rule run

    def __init__(self, call: LayerCall, params: tuple[str, ...]) -> None:
        self.call = call
        self.params = params

    @property
    def written_name(self) -> str:
        return self.call.written_name

    def given(self, name: str) -> bool:
        if name in self.call.kwargs:
            return True
        return name in self.params and self.params.index(name) < len(self.call.args)

    def raw(self, name: str, default: object = _MISSING) -> object:
        """The constant value, `default` when not given; Unknowable when not a constant."""
        # Read a few times per layer call by every rule: one lookup per step, and a literal
        # taken as it is.
        call = self.call
        value = call.kwargs.get(name)
        if value is None:
            params = self.params
            if name in params and (position := params.index(name)) < len(call.args):
                value = call.args[position]
            elif call.has_unpacking or default is _MISSING:
                raise Unknowable(name)
            else:
                return default
        if type(value) is Const:
            return value.value
        try:
            return to_python(value)
        except NotConstant:
            raise Unknowable(name) from None

    def integer(self, name: str, default: object = _MISSING) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Unknowable(name)
        return value

    def optional_int(self, name: str) -> int | None:
        value = self.raw(name, None)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Unknowable(name)
        return value

    def number(self, name: str, default: object = _MISSING) -> float:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Unknowable(name)
        return float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool | int):
            raise Unknowable(name)
        return bool(value)

    def string(self, name: str, default: object = _MISSING) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str):
            raise Unknowable(name)
        return value

    def optional_str(self, name: str) -> str | None:
        value = self.raw(name, None)
        if value is not None and not isinstance(value, str):
            raise Unknowable(name)
        return value

    def ints(self, name: str, count: int, default: object = _MISSING) -> tuple[int, ...]:
        """An int or a tuple/list of `count` ints (kernel sizes, strides, ...), as a tuple."""
        value = self.raw(name, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,) * count
        if isinstance(value, tuple | list) and len(value) == count and all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            return tuple(value)
        raise Unknowable(name)

    def shape_tuple(self, name: str, default: object = _MISSING) -> tuple[Dim, ...]:
        """A tuple of dims, None allowed (Input shapes, Reshape targets)."""
        value = self.raw(name, default)
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        if isinstance(value, tuple | list) and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value):
            return tuple(value)
        raise Unknowable(name)

    def check_data_format(self) -> None:
        """What the constructor refuses of a data_format given (for a layer whose output does
        not depend on it)."""
        if self.raw("data_format", None) is not None:
            self.data_format()

    def default_data_format(self) -> str:
        """What Keras takes for a data_format not given: `image_data_format()` when the layer
        was created (channels_last unless the program set it)."""
        if self.call.image_data_format is None:
            raise Unknowable("image_data_format")
        return self.call.image_data_format

    def layer(self, name: str) -> LayerCall | ModelIR | None:
        """A layer given as an argument (Bidirectional's `layer`); None when not a known one."""
        if name in self.call.kwargs:
            value = self.call.kwargs[name]
        elif name in self.params and self.params.index(name) < len(self.call.args):
            value = self.call.args[self.params.index(name)]
        else:
            return None
        if isinstance(value, LayerValue):
            return value.call
        if isinstance(value, ModelValue):
            return value.model
        return None

    def data_format(self) -> str:
        """Keras' `standardize_data_format`: case-insensitive, anything else is refused."""
        value = self.raw("data_format", None)
        if value is None:
            return self.default_data_format()
        text = str(value).lower()
        if text not in ("channels_last", "channels_first"):
            raise Refusal(INVALID_ARGUMENT,
                          f"{self.written_name} needs data_format 'channels_last' or "
                          f"'channels_first', got {value!r}", argument="data_format")
        return text


R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Reader(Protocol[R_co]):
    """What `read_once` makes: `reader(args, rank)`, its parameters named (a rule registered
    with `functools.partial(reader, rank=...)` passes the rank by name)."""

    def __call__(self, args: LayerArgs, rank: int) -> R_co: ...


def read_once(reader: Callable[[LayerArgs, int], R]) -> Reader[R]:
    """`reader(args, rank)` made once per layer call: the constructor's checks (`check_args`)
    and the rule that computes the output both read the arguments through it. What it reads
    is the call's own (its arguments, the data format when it was made), which no one
    changes after; a refusal is not kept (it is read again, the same)."""
    def read(args: LayerArgs, rank: int) -> R:
        memo = args.call.read
        key = (reader, rank, args.params)
        made = memo.get(key, _MISSING)
        if made is _MISSING:
            made = memo[key] = reader(args, rank)
        return made  # type: ignore[return-value]
    read.__doc__ = reader.__doc__
    return read


def known(value: T | None) -> T:
    """The value, or Unknowable when it is None (an unknown dim)."""
    if value is None:
        raise Unknowable("dimension")
    return value


def rank_name(rank: int) -> str:
    return f"{rank}-D"


def spatial_layout(spatial: int, data_format: str) -> str:
    names = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}[spatial]
    if data_format == "channels_first":
        return "(batch, channels, " + ", ".join(names) + ")"
    return "(batch, " + ", ".join(names) + ", channels)"


def split_channels(x: Shape, data_format: str) -> tuple[tuple[Dim, ...], Dim]:
    """(spatial dims, channel dim) of a batched spatial input."""
    if data_format == "channels_first":
        return tuple(x[2:]), x[1]
    return tuple(x[1:-1]), x[-1]


def join_channels(batch: Dim, spatial: tuple[Dim, ...], channels: Dim,
                  data_format: str) -> Shape:
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


# Axis names for messages, per number of spatial dims.
AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def argument_refusal(args: LayerArgs, name: str, expected: str, value: object) -> Refusal:
    return Refusal(INVALID_ARGUMENT,
                   f"{args.written_name} needs `{name}` to be {expected}, got {value!r}",
                   argument=name)


def standard_tuple(args: LayerArgs, name: str, value: object, count: int, *,
                   allow_zero: bool = False) -> tuple[int, ...]:
    """Keras' `standardize_tuple`: an int or `count` ints, each > 0 (>= 0 with allow_zero).

    True counts as 1, as in Keras. Float items pass Keras' checks but make float sizes that
    may or may not fail later: unknown.
    """
    if isinstance(value, int):
        if value > 0 or (allow_zero and value == 0):  # the commonest case, `strides=2`
            return (int(value),) * count
        items: tuple[object, ...] = (value,) * count
    elif isinstance(value, tuple | list):
        if len(value) != count:
            raise _not_standard(args, name, value, count, allow_zero)
        items = tuple(value)
    else:
        # tuple(None), tuple(2.0) and the characters of a string all fail in Keras.
        raise _not_standard(args, name, value, count, allow_zero)
    if not all(isinstance(v, int | float) for v in items):
        raise _not_standard(args, name, value, count, allow_zero)
    numbers = [v for v in items if isinstance(v, int | float)]
    if any(v < 0 if allow_zero else v <= 0 for v in numbers):
        raise _not_standard(args, name, value, count, allow_zero)
    if any(isinstance(v, float) for v in numbers):
        raise Unknowable(name)
    return tuple(int(v) for v in numbers)


def _not_standard(args: LayerArgs, name: str, value: object, count: int,
                  allow_zero: bool) -> Refusal:
    bound = ">= 0" if allow_zero else "> 0"
    return argument_refusal(args, name, f"an int or a tuple of {count} ints {bound}", value)


def spatial_input(x: Shape, spatial: int, data_format: str) -> tuple[tuple[Dim, ...], Dim]:
    """(spatial dims, channels) of an input that must have exactly `spatial` + 2 axes."""
    if len(x) != spatial + 2:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"a {rank_name(spatial + 2)} input "
                            f"{spatial_layout(spatial, data_format)}")
    return split_channels(x, data_format)


Rule_ = Callable[[LayerArgs, Shape], LayerOutput]


class LayerFacts(NamedTuple):
    """What the checks and fixes need to know of a layer kind besides its output.

    Declared on the layer's registration (`@layer_rule(..., facts=LayerFacts(rank=4))`);
    every fact defaults to "no", so a new layer declares only what is true of it.
    """

    # The input rank (batch included) the layer requires, for layers a Reshape can feed.
    rank: int | None = None
    # The output has the input's rank: an RNN before it still feeds what follows.
    keeps_rank: bool = False
    # A plain recurrent layer (SimpleRNN, LSTM, GRU): return_sequences decides its rank.
    rnn: bool = False
    # A plain convolution (Conv1D/2D/3D: not transposed, separable or depthwise).
    conv: bool = False
    # Which axis of its input its weights are sized by, when it has such weights: data of
    # another size there is refused at fit.
    weights_axis: Literal["last", "channels"] | None = None
    # No weights tied to the input's size: data of another size flows through.
    size_free: bool = False
    # What its `activation` argument is when not given; None: it takes no such argument.
    default_activation: str | None = None
    # The activation an activation layer (ReLU, ELU, ...) applies when given no argument.
    applies_activation: str | None = None
    # The values are left as they are at inference (the loss sees what came before).
    keeps_values: bool = False
    # Linear (affine) at inference and keeps the feature axis.
    linear: bool = False
    # A dropout layer (drops units while training).
    dropout: bool = False
    # Has a bias that a normalization right after it makes redundant.
    biased: bool = False
    # Local max or average pooling (not global).
    local_pooling: bool = False
    # A normalization layer (BatchNormalization, LayerNormalization, ...).
    normalization: bool = False
    # Passes a list of tensors (return_state=True) through as it is, directly in a model
    # (Keras 3.15); every other modelled layer refuses one, except Lambda.
    passes_lists: bool = False
    # Refuses a list of tensors in an unbuilt nested model, at any place in it (Keras 3.15;
    # what the others make of it: LIST_RULES).
    refuses_nested_list: bool = False


NO_FACTS = LayerFacts()


class BuiltSpec(NamedTuple):
    """The `InputSpec(ndim=..., axes=...)` a layer's build() sets from the shape it is built
    on (Keras 3.15): a layer object called again checks its input against it before anything
    else (`assert_input_compatibility`), never building again. `ndim` pins the rank (EinsumDense,
    PReLU, BatchNormalization, ...); `axes` pins sizes, by axis (negative from the end), those
    its weights are sized by (Dense's last, a convolution's channels)."""

    ndim: int | None = None
    axes: tuple[tuple[int, Dim], ...] = ()

    def refuses(self, shape: Shape) -> Literal["rank", "axis"] | None:
        """Why Keras refuses a tensor of `shape` (a None dim matches anything), if it does."""
        if self.ndim is not None and len(shape) != self.ndim:
            return "rank"
        for axis, size in self.axes:
            if size is None:
                continue
            if not -len(shape) <= axis < len(shape):
                return "rank"  # Keras' shape[axis] raises IndexError
            if shape[axis] is not None and shape[axis] != size:
                return "axis"
        return None


BuiltSpecRule = Callable[["LayerArgs", Shape], BuiltSpec]


def pins_rank(args: LayerArgs, x: Shape) -> BuiltSpec:
    """`InputSpec(ndim=len(input_shape))` (EinsumDense)."""
    return BuiltSpec(ndim=len(x))


def pins_last_axis(args: LayerArgs, x: Shape) -> BuiltSpec:
    """`InputSpec(min_ndim=..., axes={-1: input_shape[-1]})` (Dense, SpectralNormalization)."""
    return BuiltSpec(axes=((-1, x[-1]),))


class LayerRule(NamedTuple):
    """How one layer kind computes its output, and what it refuses."""

    kind: str
    params: tuple[str, ...]
    compute: Rule_
    # Rules for layers whose output is known without an input (Input, InputLayer).
    needs_input: bool = True
    # What the layer's constructor refuses, checked even when no input shape is known
    # (Keras raises those when the layer object is created). Raises Refusal or Unknowable.
    check_args: Callable[[LayerArgs], object] | None = None
    # The output without the input spec's checks, for layers whose build and
    # compute_output_shape take any rank: what TimeDistributed, which skips that spec, gets.
    without_input_spec: Rule_ | None = None
    # The input spec its build() sets from the shape it is built on (see BuiltSpec): a
    # later call of the same layer object must fit it. Layers without (LSTM,
    # LayerNormalization, ...) accept any shape when called again and fail only when data
    # flows (Keras 3.15).
    built_spec: BuiltSpecRule | None = None
    # What checks and fixes know of this kind (see LayerFacts).
    facts: LayerFacts = NO_FACTS
    # The output of a call once the layer is built, where it differs from `compute`: Keras
    # does not build it again then and some layers check nothing else (RNN takes any rank
    # from 2 through compute_output_shape alone).
    built_output: Rule_ | None = None

    def spec_built_on(self, layer: LayerCall, shape: Shape) -> BuiltSpec | None:
        """The input spec this layer has once built on `shape`; None when it sets none or
        it is not known."""
        if self.built_spec is None:
            return None
        try:
            return self.built_spec(LayerArgs(layer, self.params), shape)
        except (Refusal, Unknowable, ArithmeticError, ValueError, TypeError, IndexError,
                KeyError):
            return None


V = TypeVar("V")

# Imports a layer family's module by its name (`core`); set by the package `shape_engine.layers`,
# which sits above its families (this module must not import them).
_family_loader: Callable[[str], object] | None = None


def install_family_loader(load: Callable[[str], object]) -> None:
    global _family_loader
    _family_loader = load


class FamilyRegistry(MutableMapping[str, V]):
    """Entries by name, each family's module imported the first time one of its names is asked.

    A small file that uses Dense imports `core` and not the other families (start-up time
    follows what the file uses). `families` (layers/index.py, generated and tested against
    the families' registrations) says which module registers each name; iterating or
    counting imports every family.
    """

    def __init__(self, families: Mapping[str, str]) -> None:
        self._entries: dict[str, V] = {}
        self._families = families

    def _load(self, name: str) -> None:
        family = self._families.get(name)
        if family is not None and name not in self._entries and _family_loader is not None:
            _family_loader(family)

    def load_all(self) -> None:
        if _family_loader is not None:
            for family in sorted(set(self._families.values())):
                _family_loader(family)

    def __getitem__(self, name: str) -> V:
        entry = self._entries.get(name)  # the common case, looked up at every layer call
        if entry is not None:
            return entry
        self._load(name)
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        if name in self._entries:
            return True
        if name in self._families:  # a name of a family not imported yet
            self._load(name)  # type: ignore[arg-type]
            return name in self._entries
        return False

    @overload
    def get(self, name: str) -> V | None: ...

    @overload
    def get(self, name: str, default: V | T) -> V | T: ...

    def get(self, name: str, default: object = None) -> object:
        # Mapping.get would go through __getitem__ and a KeyError for every name not held.
        entry = self._entries.get(name)
        if entry is None and name in self._families:  # a name of a family not imported yet
            self._load(name)
            entry = self._entries.get(name)
        return default if entry is None else entry

    def __setitem__(self, name: str, value: V) -> None:
        self._entries[name] = value

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        self.load_all()
        return iter(self._entries)

    def __len__(self) -> int:
        self.load_all()
        return len(self._entries)

    def holds(self, name: str) -> bool:
        """Whether `name` is registered already (a family registering itself asks this)."""
        return name in self._entries

    def clear_registered(self) -> None:
        """Forgets every entry (index_writer re-imports the families to see who registers what)."""
        self._entries.clear()

    def registered(self) -> dict[str, V]:
        """What the families imported so far registered (without importing more)."""
        return dict(self._entries)


RULES: FamilyRegistry[LayerRule] = FamilyRegistry(index.RULE_FAMILIES)
ALIASES: FamilyRegistry[str] = FamilyRegistry(index.ALIAS_FAMILIES)


def layer_rule(kind: str, *, params: tuple[str, ...] = (), aliases: tuple[str, ...] = (),
               needs_input: bool = True,
               check_args: Callable[[LayerArgs], object] | None = None,
               without_input_spec: Rule_ | None = None,
               built_spec: BuiltSpecRule | None = None,
               facts: LayerFacts = NO_FACTS,
               built_output: Rule_ | None = None) -> Callable[[Rule_], Rule_]:
    def register(compute: Rule_) -> Rule_:
        if RULES.holds(kind):
            raise ValueError(f"layer rule {kind} registered twice")
        RULES[kind] = LayerRule(kind, params, compute, needs_input, check_args,
                                without_input_spec, built_spec, facts, built_output)
        for name in (kind, *aliases):
            ALIASES[name] = kind
        return compute
    return register


def rule_for(kind: str | None) -> LayerRule | None:
    """The rule registered for this kind (an alias's kind too); None for an unmodelled one."""
    if kind is None:
        return None
    # A layer call's kind is the canonical one (no kind is another's alias): asked first.
    rule = RULES.get(kind)
    return rule if rule is not None else RULES.get(ALIASES.get(kind, kind))


def facts_of(kind: str | None) -> LayerFacts:
    """What is known of this layer kind; every fact "no" for an unmodelled one."""
    rule = rule_for(kind)
    return NO_FACTS if rule is None else rule.facts


def is_input_kind(kind: str | None) -> bool:
    """Input and InputLayer: they declare a model's input rather than receive one."""
    rule = rule_for(kind)
    return rule is not None and not rule.needs_input


# The shapes of a list of tensors (return_state=True), batch first; None: a shape not known.
Shapes = tuple[MaybeShape, ...]
ListCompute_ = Callable[[LayerArgs, Shapes], Shapes]


class ListRule(NamedTuple):
    """What a layer makes of a list of tensors (see `list_rule`)."""

    compute: ListCompute_
    # The layer has a build() of its own, which this path never calls: it stays unbuilt and
    # its count_params() raises. Layers without one are built when created (0 parameters).
    stays_unbuilt: bool


LIST_RULES: FamilyRegistry[ListRule] = FamilyRegistry(index.LIST_RULE_FAMILIES)


def list_rule(*kinds: str, stays_unbuilt: bool = False
              ) -> Callable[[ListCompute_], ListCompute_]:
    """Register what these layers' `compute_output_shape` makes of a LIST of input shapes.

    An unbuilt nested Sequential given a list has no graph to run it on (`Sequential.build`
    gives up on a list), so `Sequential.compute_output_spec` hands the list to each layer's
    `compute_output_spec` in turn, without building the layer or checking its input spec
    (Keras 3.15): no layer gets weights. The rule returns the shapes of the list that comes
    out, raises Refusal where Keras raises and Unknowable where it is not modelled.
    """
    def register(compute: ListCompute_) -> ListCompute_:
        for kind in kinds:
            if LIST_RULES.holds(kind):
                raise ValueError(f"list rule {kind} registered twice")
            LIST_RULES[kind] = ListRule(compute, stays_unbuilt)
        return compute
    return register


def same_list(args: LayerArgs, shapes: Shapes) -> Shapes:
    """`compute_output_shape` returning its input as it is: the list comes out unchanged."""
    return shapes


# What a layer taking several tensors makes of them: the shapes of its positional tensors
# (`Add()([a, b])`'s list, `MultiHeadAttention()(query, value)`) and of its keyword tensors
# (`key=`), batch first. Returns the output (several with `multiple_outputs`), raises Refusal
# where Keras refuses the call and Unknowable where it is not modelled.
MultiCompute_ = Callable[[LayerArgs, tuple[Shape, ...], dict[str, Shape]], LayerOutput]


class MultiInputRule(NamedTuple):
    """A layer called on several tensors: merge and attention layers."""

    kind: str
    params: tuple[str, ...]
    compute: MultiCompute_
    # Keyword arguments of `call` that are tensors (MultiHeadAttention's `key`).
    tensor_keywords: tuple[str, ...] = ()
    # Takes its tensors as one list (`Add()([a, b])`) rather than as separate arguments.
    takes_list: bool = True
    # What its compute_output_shape alone makes of them, without its build's checks: what
    # a functional model called on tensors of other shapes gives (Keras replays each
    # layer's compute_output_spec there). None: as `compute`.
    output_shape_only: MultiCompute_ | None = None


MULTI_INPUT_RULES: FamilyRegistry[MultiInputRule] = FamilyRegistry(
    index.MULTI_INPUT_FAMILIES)


def multi_input_rule(kind: str, *, params: tuple[str, ...] = (),
                     tensor_keywords: tuple[str, ...] = (), takes_list: bool = True,
                     output_shape_only: MultiCompute_ | None = None
                     ) -> Callable[[MultiCompute_], MultiCompute_]:
    def register(compute: MultiCompute_) -> MultiCompute_:
        if MULTI_INPUT_RULES.holds(kind):
            raise ValueError(f"multi-input rule {kind} registered twice")
        MULTI_INPUT_RULES[kind] = MultiInputRule(kind, params, compute, tensor_keywords,
                                                 takes_list, output_shape_only)
        return compute
    return register

