"""One generator per layer family: a random, mostly valid call for the current input shape.

Each generator gets the shape the previous layer is expected to output (batch dim left out)
and returns the layer and the shape it is expected to output, or None when it is expected
to fail or its output cannot be guessed. Those guesses only steer the generator towards valid
stacks; they are never used as the expected answer (TensorFlow gives that).

`Gen.sane` is False for a share of layers: their arguments are then drawn from wider ranges
and invalid combinations, so models also fail in the many ways Keras refuses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tests.generator.draw import Draw
from tests.generator.spec import Dims, LayerSpec, Raw

Out = Dims | None


@dataclass
class Step:
    layer: LayerSpec
    out: Out


class Gen:
    def __init__(self, draw: Draw, wild: float = 0.1, depth: int = 0) -> None:
        self.d = draw
        self.wild = wild  # chance that one layer gets out-of-range arguments
        self.sane = True
        self.depth = depth

    # -- small helpers -----------------------------------------------------------------------

    def fmt(self) -> str | None:
        """A data_format: None (omitted, channels_last) or spelled out."""
        return self.d.weighted([(None, 5), ("channels_last", 2), ("channels_first", 3)])

    def int_or_tuple(self, values: tuple[int, ...]) -> object:
        if len(set(values)) == 1 and self.d.chance(0.6):
            return values[0]
        if self.d.chance(0.15):
            return list(values)
        return values

    def rate(self) -> float:
        if not self.sane and self.d.chance(0.5):
            return self.d.choice([1.5, -0.1, 2.0, 1.0])
        return self.d.choice([0.0, 0.1, 0.25, 0.5, 0.9])


def channels_first(fmt: str | None) -> bool:
    return fmt == "channels_first"


def split(dims: Dims, fmt: str | None) -> tuple[Dims, int | None]:
    if channels_first(fmt):
        return dims[1:], dims[0]
    return dims[:-1], dims[-1]


def join(spatial: Dims, channels: int | None, fmt: str | None) -> Dims:
    if channels_first(fmt):
        return (channels, *spatial)
    return (*spatial, channels)


def positive(dims: Dims | None) -> Out:
    if dims is None or any(d is not None and d <= 0 for d in dims):
        return None
    return dims


def conv_size(length: int | None, kernel: int, stride: int, dilation: int,
              padding: str) -> int | None:
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return (length - dilation * (kernel - 1) - 1) // stride + 1


def transpose_size(length: int | None, kernel: int, stride: int, dilation: int, padding: str,
                   output_padding: int | None) -> int | None:
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if output_padding is None:
        if padding == "same":
            return length * stride
        return length * stride + max(effective - stride, 0)
    pad = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad + output_padding


def pool_size(length: int | None, pool: int, stride: int, padding: str) -> int | None:
    if length is None:
        return None
    if padding == "same":
        return (length - 1) // stride + 1
    return (length - pool) // stride + 1


def divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


def biggest_kernel(length: int | None, dilation: int, cap: int) -> int:
    if length is None:
        return cap
    return max(1, min(cap, (length - 1) // dilation + 1))


# -- core ------------------------------------------------------------------------------------


def dense(g: Gen, dims: Dims) -> Step:
    units = g.d.integer(1, 32) if g.sane or g.d.chance(0.5) else g.d.choice([0, -3])
    kwargs: dict[str, object] = {}
    if g.d.chance(0.4):
        kwargs["activation"] = g.d.choice(["relu", "tanh", "softmax", "sigmoid", "linear"])
    if g.d.chance(0.15):
        kwargs["use_bias"] = False
    args: list[object] = [units]
    if g.d.chance(0.2):
        args, kwargs = [], {"units": units, **kwargs}
    out = (*dims[:-1], units) if dims and dims[-1] is not None and units > 0 else None
    return Step(LayerSpec("Dense", args, kwargs, required=frozenset({"units"})), out)


def same_shape(kind: str, args: list[object] | None = None,
               kwargs: dict[str, object] | None = None) -> Callable[[Gen, Dims], Step]:
    def make(g: Gen, dims: Dims) -> Step:
        return Step(LayerSpec(kind, list(args or []), dict(kwargs or {})), dims)
    return make


def activation(g: Gen, dims: Dims) -> Step:
    name = g.d.choice(["relu", "softmax", "tanh", "sigmoid", "linear", "gelu", "swish"])
    return Step(LayerSpec("Activation", [name]), dims)


def relu(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {}
    if g.d.chance(0.3):
        kwargs["max_value"] = 6.0
    if g.d.chance(0.2):
        kwargs["negative_slope"] = 0.1
    return Step(LayerSpec("ReLU", [], kwargs), dims)


def leaky_relu(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {"negative_slope": 0.2} if g.d.chance(0.4) else {}
    return Step(LayerSpec("LeakyReLU", [], kwargs), dims)


def elu(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("ELU", [0.5] if g.d.chance(0.3) else []), dims)


def softmax(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {}
    if g.d.chance(0.3):
        kwargs["axis"] = g.d.choice([-1, 1, len(dims)])
    return Step(LayerSpec("Softmax", [], kwargs), dims)


def prelu(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {}
    if len(dims) >= 2 and g.d.chance(0.4):
        axes = list(range(1, len(dims)))  # share all but the last axis
        kwargs["shared_axes"] = axes if g.d.chance(0.5) else axes[:1]
    return Step(LayerSpec("PReLU", [], kwargs), dims)


def dropout(g: Gen, dims: Dims) -> Step:
    kind = g.d.choice(["Dropout", "Dropout", "AlphaDropout", "GaussianDropout"])
    rate = g.rate()
    if g.d.chance(0.3):
        return Step(LayerSpec(kind, [], {"rate": rate}, required=frozenset({"rate"})),
                    dims if 0 <= rate <= 1 else None)
    return Step(LayerSpec(kind, [rate]), dims if 0 <= rate <= 1 else None)


def gaussian_noise(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("GaussianNoise", [g.d.choice([0.1, 0.5, 1.0])]), dims)


def activity_regularization(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("ActivityRegularization", [], {"l1": 0.01, "l2": 0.001}), dims)


def identity(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("Identity"), dims)


def masking(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("Masking", [0.0] if g.d.chance(0.5) else []), dims)


def rescaling(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {"offset": -1.0} if g.d.chance(0.4) else {}
    return Step(LayerSpec("Rescaling", [1.0 / 255], kwargs), dims)


def lambda_(g: Gen, dims: Dims) -> Step:
    if g.d.chance(0.8) or not dims or dims[-1] is None:
        return Step(LayerSpec("Lambda", [Raw("lambda t: t * 2.0")],
                              {"output_shape": dims}, required=frozenset({"output_shape"})),
                    dims)
    # The declared output_shape is believed as given.
    target = (*dims[:-1], dims[-1] * 2)
    return Step(LayerSpec("Lambda", [Raw("lambda t: t")],
                          {"output_shape": target}, required=frozenset({"output_shape"})),
                target)


def embedding(g: Gen, dims: Dims) -> Step:
    size = math.prod(d or 1 for d in dims)
    out_dim = g.d.integer(1, 16) if size < 512 else 2
    args: list[object] = [g.d.integer(2, 500), out_dim]
    return Step(LayerSpec("Embedding", args), (*dims, out_dim))


# -- normalization ---------------------------------------------------------------------------


def batch_norm(g: Gen, dims: Dims) -> Step:
    rank = len(dims) + 1
    kwargs: dict[str, object] = {}
    out: Out = dims if dims[-1] is not None else None
    if g.d.chance(0.35):
        if g.sane:
            axis = g.d.choice([-1, *range(1, rank)])
            kwargs["axis"] = axis
            out = dims if dims[axis - 1 if axis > 0 else -1] is not None else None
        else:
            kwargs["axis"] = g.d.choice([rank, -rank - 1, 0])
            out = None
    if g.d.chance(0.2):
        kwargs["center"] = False
    if g.d.chance(0.15):
        kwargs["scale"] = False
    return Step(LayerSpec("BatchNormalization", [], kwargs), out)


def layer_norm(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {}
    rank = len(dims) + 1
    if g.d.chance(0.3) and rank > 2:
        kwargs["axis"] = g.d.choice([[1, 2], [-1, -2], -2, 1])
    if g.d.chance(0.15):
        kwargs["center"] = False
    if g.d.chance(0.15):
        kwargs["scale"] = False
    return Step(LayerSpec("LayerNormalization", [], kwargs), dims)


def group_norm(g: Gen, dims: Dims) -> Step:
    channels = dims[-1]
    if g.sane and channels is not None:
        groups = g.d.choice(divisors(channels))
    else:
        groups = g.d.choice([32, 3, 2, 5])
    args: list[object] = [groups] if g.d.chance(0.5) else []
    kwargs: dict[str, object] = {} if args else {"groups": groups}
    ok = channels is not None and channels % groups == 0 and groups <= channels
    return Step(LayerSpec("GroupNormalization", args, kwargs), dims if ok else None)


def unit_norm(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {"axis": g.d.choice([-1, 1])} if g.d.chance(0.3) else {}
    return Step(LayerSpec("UnitNormalization", [], kwargs), dims)


# -- reshaping -------------------------------------------------------------------------------


def flatten(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {"data_format": g.fmt()} if g.d.chance(0.15) else {}
    size = None if any(d is None for d in dims) else math.prod(d for d in dims if d)
    return Step(LayerSpec("Flatten", [], kwargs), (size,))


def factorizations(n: int, parts: int, d: Draw) -> tuple[int, ...]:
    """A random way to write n as a product of `parts` factors."""
    factors: list[int] = []
    rest = n
    for _ in range(parts - 1):
        f = d.choice(divisors(rest))
        factors.append(f)
        rest //= f
    factors.append(rest)
    return tuple(factors)


def reshape(g: Gen, dims: Dims) -> Step:
    known = all(d is not None for d in dims)
    size = math.prod(d for d in dims if d) if known else None
    parts = g.d.integer(1, 3)
    if size is not None:
        target = list(factorizations(size, parts, g.d))
        if not g.sane:
            target[-1] += g.d.choice([1, -1 if target[-1] > 1 else 2])
    else:
        target = [g.d.integer(1, 8) for _ in range(parts)]
    out: Out = tuple(target)
    if g.d.chance(0.3):
        index = g.d.integer(0, parts - 1)
        target[index] = -1
        out = None if size is None or not g.sane else tuple(
            size // math.prod(t for t in target if t != -1) if t == -1 else t for t in target)
    if size is None or not g.sane:
        out = None
    value: object = tuple(target) if g.d.chance(0.8) else list(target)
    if g.d.chance(0.3):
        return Step(LayerSpec("Reshape", [], {"target_shape": value},
                              required=frozenset({"target_shape"})), out)
    return Step(LayerSpec("Reshape", [value]), out)


def permute(g: Gen, dims: Dims) -> Step:
    order = list(range(1, len(dims) + 1))
    for i in range(len(order) - 1, 0, -1):  # shuffle through the draw
        j = g.d.integer(0, i)
        order[i], order[j] = order[j], order[i]
    out: Out = tuple(dims[i - 1] for i in order)
    if not g.sane:
        order = g.d.choice([[*order, len(order) + 1], [1] * len(order), [0, *order[1:]]])
        out = None
    return Step(LayerSpec("Permute", [tuple(order)]), out)


def repeat_vector(g: Gen, dims: Dims) -> Step:
    n = g.d.integer(1, 8)
    return Step(LayerSpec("RepeatVector", [n]), (n, *dims) if len(dims) == 1 else None)


def _pairs(g: Gen, spatial: int, low: int, high: int) -> tuple[tuple[int, int], ...]:
    return tuple((g.d.integer(low, high), g.d.integer(low, high)) for _ in range(spatial))


def _pad_arg(g: Gen, pairs: tuple[tuple[int, int], ...]) -> object:
    """Cropping/padding in one of the forms Keras accepts: int, per-dim ints, per-side pairs."""
    if all(a == b for a, b in pairs):
        sym = tuple(a for a, _ in pairs)
        if len(set(sym)) == 1 and g.d.chance(0.5):
            return sym[0]
        if len(sym) == 1:
            return pairs[0] if g.d.chance(0.5) else sym[0]
        return sym
    if len(pairs) == 1:
        return pairs[0]
    return pairs


def cropping(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"Cropping{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt() if spatial > 1 else None
        sizes, channels = split(dims, fmt)
        if g.sane:
            pairs = []
            for length in sizes:
                budget = (length - 1) if length is not None else 3
                top = g.d.integer(0, min(budget, 3))
                bottom = g.d.integer(0, min(budget - top, 3))
                pairs.append((top, bottom))
            crops = tuple(pairs)
        else:
            crops = _pairs(g, spatial, 0, 12)
        kwargs: dict[str, object] = {}
        if fmt is not None:
            kwargs["data_format"] = fmt
        args: list[object] = [_pad_arg(g, crops)] if g.d.chance(0.85) else []
        if not args:
            crops = ((1, 1),) if spatial == 1 else (((0, 0),) * 2 if spatial == 2
                                                    else ((1, 1),) * 3)
        out_sizes = tuple(None if n is None else n - a - b for n, (a, b) in
                          zip(sizes, crops, strict=False))
        return Step(LayerSpec(kind, args, kwargs), positive(join(out_sizes, channels, fmt)))
    return make


def zero_padding(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"ZeroPadding{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt() if spatial > 1 else None
        sizes, channels = split(dims, fmt)
        pads = _pairs(g, spatial, 0, 3)
        kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
        args: list[object] = [_pad_arg(g, pads)] if g.d.chance(0.85) else []
        if not args:
            pads = ((1, 1),) * spatial
        out = tuple(None if n is None else n + a + b for n, (a, b) in
                    zip(sizes, pads, strict=False))
        return Step(LayerSpec(kind, args, kwargs), join(out, channels, fmt))
    return make


def up_sampling(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"UpSampling{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt() if spatial > 1 else None
        sizes, channels = split(dims, fmt)
        factors = tuple(g.d.integer(1, 3) for _ in range(spatial))
        kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
        args: list[object] = []
        if g.d.chance(0.8):
            args.append(factors[0] if spatial == 1 else g.int_or_tuple(factors))
        else:
            factors = (2,) * spatial
        if spatial == 2 and g.d.chance(0.3):
            kwargs["interpolation"] = g.d.choice(["nearest", "bilinear"])
        out = tuple(None if n is None else n * f for n, f in zip(sizes, factors, strict=False))
        return Step(LayerSpec(kind, args, kwargs), join(out, channels, fmt))
    return make


def spatial_dropout(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"SpatialDropout{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        rate = g.rate()
        kwargs: dict[str, object] = {}
        if spatial > 1 and g.d.chance(0.3):
            kwargs["data_format"] = g.d.choice(["channels_last", "channels_first"])
        return Step(LayerSpec(kind, [rate], kwargs), dims if 0 <= rate <= 1 else None)
    return make


# -- convolution -----------------------------------------------------------------------------


@dataclass
class ConvArgs:
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: str


def _conv_args(g: Gen, sizes: Dims, spatial: int, causal_ok: bool = False,
               transpose: bool = False) -> ConvArgs:
    padding = g.d.weighted([("valid", 5), ("same", 4), ("causal", 1 if causal_ok else 0)])
    strides = (1,) * spatial
    dilation = (1,) * spatial
    if g.d.chance(0.3):
        strides = tuple(g.d.integer(1, 3) for _ in range(spatial))
    elif g.d.chance(0.2):
        dilation = tuple(g.d.integer(1, 2) for _ in range(spatial))
    if g.sane:
        kernel = tuple(
            g.d.integer(1, biggest_kernel(n if padding == "valid" and not transpose else None,
                                          d, 5))
            for n, d in zip(sizes, dilation, strict=False))
    else:
        # Often just too big for the input, so the output would be empty.
        kernel = tuple(n + g.d.integer(1, 2) if n is not None and g.d.chance(0.5)
                       else g.d.integer(1, 9) for n in sizes)
        wrong = g.d.integer(0, 3)
        if wrong == 0 and not transpose:
            strides, dilation = (2,) * spatial, (2,) * spatial
        elif wrong == 1:
            padding = g.d.choice(["SAME", "causal", "full"])
    return ConvArgs(kernel, strides, dilation, padding)


def _conv_kwargs(g: Gen, kind: str, c: ConvArgs, fmt: str | None, positional: int
                 ) -> tuple[list[object], dict[str, object]]:
    """The arguments after filters: kernel_size, then strides/padding/... as keywords."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    kernel = g.int_or_tuple(c.kernel)
    if positional >= 2:  # kernel_size, strides, padding: the same order in every conv layer
        args += [kernel, g.int_or_tuple(c.strides), c.padding]
    elif positional == 1:
        args.append(kernel)
    else:
        kwargs["kernel_size"] = kernel
    if positional < 2 and (any(s != 1 for s in c.strides) or g.d.chance(0.1)):
        kwargs["strides"] = g.int_or_tuple(c.strides)
    if positional < 2 and (c.padding != "valid" or g.d.chance(0.2)):
        kwargs["padding"] = c.padding
    if fmt is not None:
        kwargs["data_format"] = fmt
    if any(d != 1 for d in c.dilation):
        kwargs["dilation_rate"] = g.int_or_tuple(c.dilation)
    if g.d.chance(0.15):
        kwargs["use_bias"] = False
    if g.d.chance(0.3):
        kwargs["activation"] = "relu"
    return args, kwargs


def _conv_out(sizes: Dims, c: ConvArgs) -> Dims:
    return tuple(conv_size(n, k, s, d, c.padding) for n, k, s, d in
                 zip(sizes, c.kernel, c.strides, c.dilation, strict=False))


def _legal(c: ConvArgs) -> bool:
    return c.padding in ("valid", "same", "causal") and not (
        any(s > 1 for s in c.strides) and any(d > 1 for d in c.dilation))


CONV_ALIASES = {"Conv1D": "Convolution1D", "Conv2D": "Convolution2D", "Conv3D": "Convolution3D",
                "Conv2DTranspose": "Convolution2DTranspose",
                "SeparableConv2D": "SeparableConvolution2D"}


def conv(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"Conv{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        sizes, channels = split(dims, fmt)
        c = _conv_args(g, sizes, spatial, causal_ok=spatial == 1)
        groups = 1
        filters = g.d.integer(1, 16)
        if channels is not None and channels > 1 and g.d.chance(0.15):
            groups = g.d.choice(divisors(channels)) if g.sane else g.d.integer(2, 5)
            filters = groups * g.d.integer(1, 4) if g.sane else filters
        if not g.sane and g.d.chance(0.2):
            filters = g.d.choice([0, -1])
        positional = g.d.choice([0, 1, 1, 1, 2])
        args, kwargs = _conv_kwargs(g, kind, c, fmt, positional)
        if groups != 1:
            kwargs["groups"] = groups
        if g.d.chance(0.2):
            # Keywords from filters on (a positional kernel_size would bind to filters).
            named = dict(zip(("kernel_size", "strides", "padding"), args, strict=False))
            args = []
            kwargs = {"filters": filters, **named, **kwargs}
        else:
            args = [filters, *args]
        ok = (_legal(c) and filters > 0 and (spatial == 1 or c.padding != "causal")
              and channels is not None and channels % groups == 0 and filters % groups == 0)
        out = positive(join(_conv_out(sizes, c), filters, fmt)) if ok else None
        written = CONV_ALIASES.get(kind) if g.d.chance(0.1) else None
        return Step(LayerSpec(kind, args, kwargs, written,
                              required=frozenset({"filters", "kernel_size"})), out)
    return make


def conv_transpose(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"Conv{spatial}DTranspose"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        sizes, _ = split(dims, fmt)
        c = _conv_args(g, sizes, spatial, transpose=True)
        filters = g.d.integer(1, 12)
        args, kwargs = _conv_kwargs(g, kind, c, fmt, positional=g.d.choice([1, 1, 1, 2]))
        output_padding = None
        if g.d.chance(0.25) and any(s > 1 for s in c.strides):
            low = min(c.strides) - 1
            pad = g.d.integer(0, low) if g.sane else g.d.integer(0, max(c.strides) + 1)
            output_padding = pad
            kwargs["output_padding"] = pad
        out = tuple(transpose_size(n, k, s, d, c.padding, output_padding) for n, k, s, d in
                    zip(sizes, c.kernel, c.strides, c.dilation, strict=False))
        ok = c.padding in ("valid", "same") and (output_padding is None or output_padding
                                                 < min(c.strides))
        written = CONV_ALIASES.get(kind) if g.d.chance(0.1) else None
        return Step(LayerSpec(kind, [filters, *args], kwargs, written),
                    positive(join(out, filters, fmt)) if ok else None)
    return make


def separable(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"SeparableConv{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        sizes, _ = split(dims, fmt)
        c = _conv_args(g, sizes, spatial)
        filters = g.d.integer(1, 12)
        args, kwargs = _conv_kwargs(g, kind, c, fmt, positional=g.d.choice([1, 1, 1, 2]))
        if g.d.chance(0.3):
            kwargs["depth_multiplier"] = g.d.integer(1, 3)
        out = positive(join(_conv_out(sizes, c), filters, fmt)) if _legal(c) else None
        written = CONV_ALIASES.get(kind) if g.d.chance(0.1) else None
        return Step(LayerSpec(kind, [filters, *args], kwargs, written), out)
    return make


def depthwise(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"DepthwiseConv{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        sizes, channels = split(dims, fmt)
        c = _conv_args(g, sizes, spatial)
        args, kwargs = _conv_kwargs(g, kind, c, fmt, positional=g.d.choice([1, 1, 1, 2]))
        multiplier = 1
        if g.d.chance(0.4):
            multiplier = g.d.integer(1, 3)
            kwargs["depth_multiplier"] = multiplier
        ok = _legal(c) and channels is not None
        out = positive(join(_conv_out(sizes, c), channels * multiplier, fmt)) if ok and (
            channels is not None) else None
        return Step(LayerSpec(kind, args, kwargs), out)
    return make


# -- pooling ---------------------------------------------------------------------------------


def pooling(op: str, spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"{op}Pooling{spatial}D"
    alias = f"{op[:3] if op == 'Average' else op}Pool{spatial}D".replace("Ave", "Avg")

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        sizes, channels = split(dims, fmt)
        padding = g.d.choice(["valid", "same"])
        if not g.sane and g.d.chance(0.3):
            padding = "SAME"
        if g.sane:
            pools = tuple(g.d.integer(1, biggest_kernel(n if padding == "valid" else None, 1, 4))
                          for n in sizes)
        else:
            pools = tuple(n + g.d.integer(1, 2) if n is not None and g.d.chance(0.5)
                          else g.d.integer(1, 9) for n in sizes)
        args: list[object] = []
        kwargs: dict[str, object] = {}
        if op == "Average" or g.d.chance(0.7):
            args.append(g.int_or_tuple(pools))
        else:
            pools = (2,) * spatial
        strides = pools
        if g.d.chance(0.3):
            strides = tuple(g.d.integer(1, 3) for _ in sizes)
            kwargs["strides"] = g.int_or_tuple(strides)
        if padding != "valid" or g.d.chance(0.2):
            kwargs["padding"] = padding
        if fmt is not None:
            kwargs["data_format"] = fmt
        if args and g.d.chance(0.15):  # pool_size, strides, padding all positional
            args += [kwargs.pop("strides", None), kwargs.pop("padding", "valid")]
        out = tuple(pool_size(n, p, s, padding) for n, p, s in
                    zip(sizes, pools, strides, strict=False))
        written = alias if g.d.chance(0.15) else None
        ok = padding in ("valid", "same")
        return Step(LayerSpec(kind, args, kwargs, written),
                    positive(join(out, channels, fmt)) if ok else None)
    return make


def global_pooling(op: str, spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"Global{op}Pooling{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        _, channels = split(dims, fmt)
        kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
        keepdims = g.d.chance(0.25)
        if keepdims:
            kwargs["keepdims"] = True
        out = join((1,) * spatial, channels, fmt) if keepdims else (channels,)
        written = None
        if g.d.chance(0.15):
            written = f"Global{op[:3] if op == 'Max' else 'Avg'}Pool{spatial}D"
        return Step(LayerSpec(kind, [], kwargs, written), out)
    return make


# -- recurrent -------------------------------------------------------------------------------


def _rnn(g: Gen, dims: Dims, kind: str | None = None) -> tuple[LayerSpec, Out, bool]:
    kind = kind or g.d.choice(["SimpleRNN", "LSTM", "GRU"])
    units = g.d.integer(1, 16)
    kwargs: dict[str, object] = {}
    sequences = g.d.chance(0.4)
    if sequences:
        kwargs["return_sequences"] = True
    state = not g.sane and g.d.chance(0.5)
    if state:
        kwargs["return_state"] = True
    if g.d.chance(0.1):
        kwargs["go_backwards"] = True
    if kind == "GRU" and g.d.chance(0.2):
        kwargs["reset_after"] = False
    if kind == "LSTM" and g.d.chance(0.1):
        kwargs["unit_forget_bias"] = False
    out: Out = None
    if len(dims) == 2 and dims[-1] is not None:
        out = (dims[0], units) if sequences else (units,)
    return LayerSpec(kind, [units], kwargs), out, state


def rnn(g: Gen, dims: Dims) -> Step:
    layer, out, state = _rnn(g, dims)
    return Step(layer, None if state else out)


def bidirectional(g: Gen, dims: Dims) -> Step:
    inner, out, state = _rnn(g, dims)
    kwargs: dict[str, object] = {}
    merge = g.d.weighted([("concat", 6), ("sum", 1), ("mul", 1), ("ave", 1), (None, 0.5)])
    if merge != "concat" or g.d.chance(0.2):
        kwargs["merge_mode"] = merge
    if out is not None and merge == "concat":
        out = (*out[:-1], 2 * out[-1]) if out[-1] is not None else None
    if merge is None or state:
        out = None
    if g.d.chance(0.2):
        return Step(LayerSpec("Bidirectional", [], {"layer": inner, **kwargs},
                              required=frozenset({"layer"})), out)
    return Step(LayerSpec("Bidirectional", [inner], kwargs), out)


def conv_lstm(spatial: int) -> Callable[[Gen, Dims], Step]:
    kind = f"ConvLSTM{spatial}D"

    def make(g: Gen, dims: Dims) -> Step:
        fmt = g.fmt()
        steps, frame = dims[0], dims[1:]
        sizes, _ = split(frame, fmt)
        c = _conv_args(g, sizes, spatial)
        if c.padding == "causal":
            c.padding = "valid"
        filters = g.d.integer(1, 8)
        args, kwargs = _conv_kwargs(g, kind, c, fmt, positional=g.d.choice([1, 1, 1, 2]))
        kwargs.pop("activation", None)
        sequences = g.d.chance(0.4)
        if sequences:
            kwargs["return_sequences"] = True
        out_frame = positive(join(_conv_out(sizes, c), filters, fmt))
        out: Out = None
        if out_frame is not None and _legal(c):
            out = (steps, *out_frame) if sequences else out_frame
        return Step(LayerSpec(kind, [filters, *args], kwargs), out)
    return make


# -- wrappers and nesting --------------------------------------------------------------------


TIME_DISTRIBUTED_INNER = ("dense", "dropout", "flatten", "conv", "pool", "global", "bn")


def time_distributed(g: Gen, dims: Dims) -> Step:
    frame = dims[1:]
    which = g.d.choice(TIME_DISTRIBUTED_INNER)
    step: Step
    if which == "dense" or (which in ("conv", "pool", "global") and len(frame) not in (2, 3)):
        step = dense(g, frame)
    elif which == "dropout":
        step = dropout(g, frame)
    elif which == "flatten":
        step = flatten(g, frame)
    elif which == "bn":
        step = batch_norm(g, frame)
    elif which == "conv":
        step = conv(len(frame) - 1)(g, frame)
    elif which == "pool":
        step = pooling("Max", len(frame) - 1)(g, frame)
    else:
        step = global_pooling("Average", len(frame) - 1)(g, frame)
    out = (dims[0], *step.out) if step.out is not None else None
    if g.d.chance(0.2):
        return Step(LayerSpec("TimeDistributed", [], {"layer": step.layer},
                              required=frozenset({"layer"})), out)
    return Step(LayerSpec("TimeDistributed", [step.layer]), out)


def resizing(g: Gen, dims: Dims) -> Step:
    fmt = g.fmt() if g.d.chance(0.3) else None
    _, channels = split(dims, fmt)
    height, width = g.d.integer(1, 24), g.d.integer(1, 24)
    kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
    if g.d.chance(0.2):
        kwargs["interpolation"] = g.d.choice(["nearest", "bilinear", "bicubic"])
    if g.d.chance(0.15):
        kwargs["crop_to_aspect_ratio"] = True
    return Step(LayerSpec("Resizing", [height, width], kwargs),
                join((height, width), channels, fmt))


def center_crop(g: Gen, dims: Dims) -> Step:
    fmt = g.fmt() if g.d.chance(0.3) else None
    sizes, channels = split(dims, fmt)
    limits = [n if n is not None else 8 for n in sizes]
    height = g.d.integer(1, max(1, limits[0])) if g.sane else g.d.integer(1, 40)
    width = g.d.integer(1, max(1, limits[1])) if g.sane else g.d.integer(1, 40)
    kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
    return Step(LayerSpec("CenterCrop", [height, width], kwargs),
                join((height, width), channels, fmt))


def second_input(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec("Input", [dims]), None)


def multi_input(g: Gen, dims: Dims) -> Step:
    return Step(LayerSpec(g.d.choice(["Add", "Concatenate", "Multiply", "Average"])), None)


# -- image augmentation, normalization and other preprocessing --------------------------------


AUGMENTATIONS: dict[str, list[object]] = {
    "AugMix": [], "AutoContrast": [], "ContrastLimitedAdaptiveHistogramEqualization": [],
    "CutMix": [], "MixUp": [], "RandAugment": [], "RandomBrightness": [0.2],
    "RandomColorJitter": [], "RandomContrast": [0.3], "RandomElasticTransform": [],
    "RandomErasing": [], "RandomFlip": ["horizontal"], "RandomGaussianBlur": [],
    "RandomGrayscale": [], "RandomHue": [0.5], "RandomInvert": [], "RandomPerspective": [],
    "RandomPosterization": [4], "RandomRotation": [0.1], "RandomSaturation": [0.5],
    "RandomSharpness": [0.5], "RandomShear": [0.2], "RandomTranslation": [0.1, 0.1],
    "RandomZoom": [0.2], "Solarization": [], "MaxNumBoundingBoxes": [3],
}


def augmentation(g: Gen, dims: Dims) -> Step:
    """Shape-keeping augmentations: any rank (their rank checks run only on data)."""
    kind = g.d.choice(sorted(AUGMENTATIONS))
    kwargs: dict[str, object] = {}
    if len(dims) == 3 and g.d.chance(0.3):
        kwargs["data_format"] = g.d.choice(["channels_last", "channels_first"])
    if not g.sane and g.d.chance(0.3):
        kwargs["data_format"] = "nhwc"
        return Step(LayerSpec(kind, list(AUGMENTATIONS[kind]), kwargs), None)
    return Step(LayerSpec(kind, list(AUGMENTATIONS[kind]), kwargs), dims)


def random_crop(g: Gen, dims: Dims) -> Step:
    fmt = g.fmt() if g.d.chance(0.3) else None
    height, width = g.d.integer(1, 12), g.d.integer(1, 12)
    kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
    out = list(dims)
    first = len(dims) - 1 if channels_first(fmt) else len(dims) - 2
    if first < 1:
        return Step(LayerSpec("RandomCrop", [height, width], kwargs), None)
    out[first - 1], out[first] = height, width
    return Step(LayerSpec("RandomCrop", [height, width], kwargs), tuple(out))


def color_degeneration(g: Gen, dims: Dims) -> Step:
    fits = len(dims) == 3 and dims[-1] == 3
    return Step(LayerSpec("RandomColorDegeneration", [0.5]), dims if fits else None)


def feature_normalization(g: Gen, dims: Dims) -> Step:
    kind = g.d.choice(["Normalization", "RMSNormalization"])
    kwargs: dict[str, object] = {}
    if g.d.chance(0.3):
        kwargs["axis"] = g.d.choice([-1, 1, len(dims)] if kind == "RMSNormalization"
                                    else [-1, 1, None, len(dims)])
    if kind == "Normalization" and g.d.chance(0.2):
        kwargs.update(mean=0.5, variance=2.0)
    return Step(LayerSpec(kind, [], kwargs), dims)


def discretization(g: Gen, dims: Dims) -> Step:
    mode = g.d.choice(["int", "one_hot", "multi_hot", "count"])
    kwargs: dict[str, object] = {"bin_boundaries": [0.0, 0.5]}
    if mode != "int":
        kwargs["output_mode"] = mode
    return Step(LayerSpec("Discretization", [], kwargs), None if mode != "int" else dims)


def einsum_dense(g: Gen, dims: Dims) -> Step:
    units = g.d.integer(1, 16)
    bias = g.d.choice([None, "c"])
    kwargs: dict[str, object] = {} if bias is None else {"bias_axes": bias}
    if len(dims) == 1 and g.d.chance(0.5):
        return Step(LayerSpec("EinsumDense", ["ab,bc->ac", units], kwargs),
                    (units,) if dims[0] is not None else None)
    out = (*dims[:-1], units) if dims[-1] is not None else None
    return Step(LayerSpec("EinsumDense", ["...b,bc->...c"], {"output_shape": units, **kwargs},
                          required=frozenset({"output_shape"})), out)


def reversible_embedding(g: Gen, dims: Dims) -> Step:
    out_dim = g.d.integer(1, 8)
    kwargs: dict[str, object] = {"tie_weights": False} if g.d.chance(0.3) else {}
    return Step(LayerSpec("ReversibleEmbedding", [g.d.integer(2, 100), out_dim], kwargs),
                (*dims, out_dim))


def adaptive_pooling(spatial: int) -> Callable[[Gen, Dims], Step]:
    def make(g: Gen, dims: Dims) -> Step:
        kind = f"Adaptive{g.d.choice(['Average', 'Max'])}Pooling{spatial}D"
        fmt = g.fmt()
        sizes = tuple(g.d.integer(1, 6) for _ in range(spatial))
        kwargs: dict[str, object] = {} if fmt is None else {"data_format": fmt}
        _, channels = split(dims, fmt)
        return Step(LayerSpec(kind, [g.int_or_tuple(sizes)], kwargs),
                    join(sizes, channels, fmt))
    return make


CELLS = ("SimpleRNNCell", "LSTMCell", "GRUCell")


def rnn_cells(g: Gen, dims: Dims) -> Step:
    """RNN over one built-in cell, a list of them or a StackedRNNCells."""
    cells = [LayerSpec(g.d.choice(CELLS), [g.d.integer(1, 12)])
             for _ in range(g.d.choice([1, 1, 2, 3]))]
    cell: object = cells[0] if len(cells) == 1 else cells
    if len(cells) > 1 and g.d.chance(0.5):
        cell = LayerSpec("StackedRNNCells", [cells])
    kwargs: dict[str, object] = {}
    sequences = g.d.chance(0.4)
    if sequences:
        kwargs["return_sequences"] = True
    units = cells[-1].args[0]
    assert isinstance(units, int)
    out: Out = None
    if dims[-1] is not None:
        out = (dims[0], units) if sequences else (units,)
    return Step(LayerSpec("RNN", [cell], kwargs), out)


def stft_spectrogram(g: Gen, dims: Dims) -> Step:
    frame = g.d.choice([4, 8, 16])
    kwargs: dict[str, object] = {"frame_length": frame}
    if g.d.chance(0.4):
        kwargs["frame_step"] = g.d.integer(1, frame)
    if g.d.chance(0.3):
        kwargs["mode"] = g.d.choice(["stft", "magnitude", "psd", "real", "imag", "angle"])
    if g.d.chance(0.3):
        kwargs["padding"] = "same"
    if g.d.chance(0.3):
        kwargs["expand_dims"] = True
    return Step(LayerSpec("STFTSpectrogram", [], kwargs), None)


def mel_spectrogram(g: Gen, dims: Dims) -> Step:
    kwargs: dict[str, object] = {"fft_length": 64, "sequence_stride": g.d.choice([8, 16, 32]),
                                 "num_mel_bins": g.d.integer(2, 16), "sampling_rate": 8000}
    return Step(LayerSpec("MelSpectrogram", [], kwargs), None)
