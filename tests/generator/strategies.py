"""Random Sequential models as source text: hypothesis strategies and a seeded generator.

`generate_model(draw)` builds one `ModelSpec` from any `Draw`; `model_specs()` and
`programs()` are the hypothesis strategies over it, and `seeded_models(seed, count)` gives
the same kind of models from `random.Random(seed)`, reproducibly and fast, for bulk runs.

Most layers are picked among those that accept the current rank, with arguments that keep
every size positive, so a good share of the models build; the rest fail in varied ways
(a layer of the wrong rank, out-of-range or conflicting arguments, a second Input, ...).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.generator import families as f
from tests.generator.draw import Draw, HypothesisDraw, RandomDraw
from tests.generator.spec import Dims, LayerSpec, ModelSpec, render

Maker = Callable[[f.Gen, Dims], f.Step]


@dataclass(frozen=True)
class Family:
    name: str
    make: Maker
    ranks: frozenset[int] | None  # accepted len(dims) (batch excluded); None: any
    weight: float
    grows: bool = False  # makes the tensor bigger (avoided on already big tensors)


def _fam(name: str, make: Maker, ranks: tuple[int, ...] | None, weight: float,
         grows: bool = False) -> Family:
    return Family(name, make, frozenset(ranks) if ranks is not None else None, weight, grows)


ANY = None
FAMILIES: tuple[Family, ...] = (
    _fam("Dense", f.dense, ANY, 6),
    _fam("Activation", f.activation, ANY, 1.2),
    _fam("ReLU", f.relu, ANY, 0.8),
    _fam("LeakyReLU", f.leaky_relu, ANY, 0.6),
    _fam("ELU", f.elu, ANY, 0.5),
    _fam("PReLU", f.prelu, ANY, 0.6),
    _fam("Softmax", f.softmax, ANY, 0.6),
    _fam("Dropout", f.dropout, ANY, 2),
    _fam("GaussianNoise", f.gaussian_noise, ANY, 0.5),
    _fam("ActivityRegularization", f.activity_regularization, ANY, 0.4),
    _fam("Identity", f.identity, ANY, 0.4),
    _fam("Masking", f.masking, ANY, 0.4),
    _fam("Rescaling", f.rescaling, ANY, 0.6),
    _fam("Lambda", f.lambda_, ANY, 0.6),
    _fam("Flatten", f.flatten, ANY, 2.5),
    _fam("Reshape", f.reshape, ANY, 2),
    _fam("Permute", f.permute, (2, 3, 4, 5), 0.8),
    _fam("BatchNormalization", f.batch_norm, ANY, 1.5),
    _fam("LayerNormalization", f.layer_norm, ANY, 0.8),
    _fam("GroupNormalization", f.group_norm, ANY, 0.6),
    _fam("UnitNormalization", f.unit_norm, ANY, 0.4),
    _fam("Embedding", f.embedding, (1, 2), 0.5, grows=True),
    _fam("RepeatVector", f.repeat_vector, (1,), 1.5, grows=True),
    # rank 3: sequences
    _fam("Conv1D", f.conv(1), (2,), 3),
    _fam("Conv1DTranspose", f.conv_transpose(1), (2,), 0.8, grows=True),
    _fam("SeparableConv1D", f.separable(1), (2,), 0.8),
    _fam("DepthwiseConv1D", f.depthwise(1), (2,), 0.8),
    _fam("MaxPooling1D", f.pooling("Max", 1), (2,), 1.2),
    _fam("AveragePooling1D", f.pooling("Average", 1), (2,), 0.8),
    _fam("GlobalMaxPooling1D", f.global_pooling("Max", 1), (2,), 0.6),
    _fam("GlobalAveragePooling1D", f.global_pooling("Average", 1), (2,), 0.6),
    _fam("Cropping1D", f.cropping(1), (2,), 0.6),
    _fam("ZeroPadding1D", f.zero_padding(1), (2,), 0.6, grows=True),
    _fam("UpSampling1D", f.up_sampling(1), (2,), 0.6, grows=True),
    _fam("SpatialDropout1D", f.spatial_dropout(1), (2,), 0.6),
    _fam("RNN", f.rnn, (2,), 3),
    _fam("Bidirectional", f.bidirectional, (2,), 1.2),
    _fam("TimeDistributed", f.time_distributed, (2, 3, 4, 5), 0.8),
    # rank 4: images
    _fam("Conv2D", f.conv(2), (3,), 4),
    _fam("Conv2DTranspose", f.conv_transpose(2), (3,), 1, grows=True),
    _fam("SeparableConv2D", f.separable(2), (3,), 0.8),
    _fam("DepthwiseConv2D", f.depthwise(2), (3,), 0.8),
    _fam("MaxPooling2D", f.pooling("Max", 2), (3,), 2),
    _fam("AveragePooling2D", f.pooling("Average", 2), (3,), 1),
    _fam("GlobalMaxPooling2D", f.global_pooling("Max", 2), (3,), 0.8),
    _fam("GlobalAveragePooling2D", f.global_pooling("Average", 2), (3,), 0.8),
    _fam("Cropping2D", f.cropping(2), (3,), 0.6),
    _fam("ZeroPadding2D", f.zero_padding(2), (3,), 0.6, grows=True),
    _fam("UpSampling2D", f.up_sampling(2), (3,), 0.6, grows=True),
    _fam("SpatialDropout2D", f.spatial_dropout(2), (3,), 0.6),
    _fam("Resizing", f.resizing, (3,), 0.6, grows=True),
    _fam("CenterCrop", f.center_crop, (3,), 0.6),
    _fam("ConvLSTM1D", f.conv_lstm(1), (3,), 0.6),
    # rank 5: volumes, videos
    _fam("Conv3D", f.conv(3), (4,), 3),
    _fam("Conv3DTranspose", f.conv_transpose(3), (4,), 0.8, grows=True),
    _fam("MaxPooling3D", f.pooling("Max", 3), (4,), 1),
    _fam("AveragePooling3D", f.pooling("Average", 3), (4,), 0.8),
    _fam("GlobalMaxPooling3D", f.global_pooling("Max", 3), (4,), 0.6),
    _fam("GlobalAveragePooling3D", f.global_pooling("Average", 3), (4,), 0.6),
    _fam("Cropping3D", f.cropping(3), (4,), 0.5),
    _fam("ZeroPadding3D", f.zero_padding(3), (4,), 0.5, grows=True),
    _fam("UpSampling3D", f.up_sampling(3), (4,), 0.5, grows=True),
    _fam("SpatialDropout3D", f.spatial_dropout(3), (4,), 0.5),
    _fam("ConvLSTM2D", f.conv_lstm(2), (4,), 0.8),
    # rank 6: sequences of volumes
    _fam("ConvLSTM3D", f.conv_lstm(3), (5,), 1),
    # preprocessing and the rest of keras.layers
    _fam("Augmentation", f.augmentation, ANY, 2),
    _fam("RandomCrop", f.random_crop, (2, 3, 4), 0.6),
    _fam("RandomColorDegeneration", f.color_degeneration, (3,), 0.3),
    _fam("Normalization", f.feature_normalization, ANY, 0.8),
    _fam("Discretization", f.discretization, ANY, 0.3),
    _fam("EinsumDense", f.einsum_dense, (1, 2), 1),
    _fam("ReversibleEmbedding", f.reversible_embedding, (1, 2), 0.3, grows=True),
    _fam("AdaptivePooling1D", f.adaptive_pooling(1), (2,), 0.5),
    _fam("AdaptivePooling2D", f.adaptive_pooling(2), (3,), 0.5),
    _fam("AdaptivePooling3D", f.adaptive_pooling(3), (4,), 0.3),
    _fam("RNNCells", f.rnn_cells, (2,), 1),
    _fam("STFTSpectrogram", f.stft_spectrogram, (2,), 0.4),
    _fam("MelSpectrogram", f.mel_spectrogram, (1,), 0.3),
)

# Families that need a known last axis (they size weights with it or split channels).
NEEDS_KNOWN_LAST = frozenset({"Dense", "PReLU", "GroupNormalization", "RNN", "Bidirectional",
                              "EinsumDense", "RNNCells", "Normalization"})
BIG = 30_000  # elements per sample beyond which layers that grow the tensor are avoided


def _size(dims: Dims) -> int:
    return math.prod(d if d is not None else 8 for d in dims)


def _candidates(dims: Dims, depth: int) -> list[tuple[Family, float]]:
    rank = len(dims)
    big = _size(dims) > BIG
    result = []
    for family in FAMILIES:
        if family.ranks is not None and rank not in family.ranks:
            continue
        if big and family.grows:
            continue
        if family.name in NEEDS_KNOWN_LAST and dims[-1] is None:
            continue
        result.append((family, family.weight))
    return result


def pick_layer(g: f.Gen, dims: Dims, first: bool = False) -> f.Step:
    """One layer for an input of `dims`: usually one that accepts it."""
    d = g.d
    g.sane = not d.chance(g.wild)
    roll = d.integer(0, 999)
    if not first and not g.sane and roll < 40:
        return f.second_input(g, dims)
    if not first and not g.sane and roll < 80:
        return f.multi_input(g, dims)
    if d.chance(0.05) or not dims:
        # Any layer at all, whatever rank it needs: usually a rank error.
        family = d.choice(FAMILIES)
        return family.make(g, _fake_dims(g, family, dims))
    if g.depth < 2 and d.chance(0.03):
        return nested(g, dims)
    family = d.weighted(_candidates(dims, g.depth))
    step = family.make(g, dims)
    if not g.sane and d.chance(0.3) and _type_slip(d, step.layer):
        return f.Step(step.layer, None)
    return step


def _type_slip(d: Draw, layer: LayerSpec) -> bool:
    """Spoil one integer argument the way code does (`n / 2`, a tuple one too long)."""
    slots: list[tuple[list[object] | dict[str, object], int | str]] = []
    slots += [(layer.args, i) for i, v in enumerate(layer.args) if _spoilable(v)]
    slots += [(layer.kwargs, k) for k, v in layer.kwargs.items() if _spoilable(v)]
    if not slots:
        return False
    container, key = d.choice(slots)
    value = container[key]  # type: ignore[index]
    # Not floats inside tuples: Keras accepts them in the constructor and what they do later
    # depends on the argument; the engine leaves them unknown by design (base.standard_tuple).
    spoiled = float(value) if isinstance(value, int) else (*value, value[-1])  # type: ignore[index,misc]
    container[key] = spoiled  # type: ignore[index]
    return True


def _spoilable(value: object) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, tuple) and bool(value) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value)


def _fake_dims(g: f.Gen, family: Family, dims: Dims) -> Dims:
    """Arguments for `family` are drawn as if the input had a rank it accepts."""
    if family.ranks is None or len(dims) in family.ranks:
        return dims or (4,)
    rank = min(family.ranks)
    padded = (*dims, *((4,) * rank))
    return tuple(padded[:rank])


def nested(g: f.Gen, dims: Dims) -> f.Step:
    inner = f.Gen(g.d, g.wild, g.depth + 1)
    layers: list[LayerSpec] = []
    out: Dims | None = dims
    if g.d.chance(0.25):
        declared = dims if inner.d.chance(0.85) else tuple(
            (n or 1) + 1 for n in dims)
        layers.append(LayerSpec("Input", [declared]))
        if declared != dims:
            out = None
    for _ in range(g.d.integer(1, 3)):
        if out is None:
            break
        step = pick_layer(inner, out, first=not layers)
        layers.append(step.layer)
        out = step.out
    return f.Step(LayerSpec("Sequential", [layers]), out)


def input_dims(d: Draw) -> Dims:
    rank = d.weighted([(1, 3), (2, 3), (3, 3), (4, 1.2), (5, 0.4)])
    if rank == 1:
        return (d.integer(1, 64),)
    if rank == 2:
        steps = None if d.chance(0.15) else d.integer(1, 32)
        return (steps, d.integer(1, 16))
    if rank == 3:
        return (d.integer(1, 32), d.integer(1, 32), d.integer(1, 8))
    if rank == 4:
        return (*(d.integer(1, 12) for _ in range(3)), d.integer(1, 4))
    return (d.integer(1, 5), *(d.integer(1, 8) for _ in range(3)), d.integer(1, 3))


IMPORTS = (("keras", 4), ("from_tf_keras", 2), ("tf", 3), ("tf_models", 1),
           ("layers_module", 3), ("tf_layers_models", 1), ("names", 2), ("tf_names", 1),
           ("star", 1), ("alias", 1), ("import_as", 0.5))


def generate_model(d: Draw, wild: float = 0.1) -> ModelSpec:
    g = f.Gen(d, wild)
    dims = input_dims(d)
    layers: list[LayerSpec] = []
    current: Dims | None = dims
    for _ in range(d.weighted([(1, 1), (2, 2), (3, 3), (4, 3), (5, 2), (6, 1.5), (8, 1)])):
        if current is None:
            # The stack is expected to fail already (or cannot be followed): stop soon.
            if d.chance(0.6):
                break
            current = dims
        step = pick_layer(g, current, first=not layers)
        layers.append(step.layer)
        current = step.out
    how = d.weighted([("Input", 9), ("InputLayer", 2), ("input_shape", 5), ("input_dim", 1),
                      ("batch_input_shape", 0.15), ("build", 2.5), ("none", 0.3)])
    if how == "input_dim" and len(dims) != 1:
        how = "input_shape"
    batch = None
    if how in ("Input", "InputLayer", "build") and d.chance(0.1):
        batch = d.integer(1, 8)
    imports = d.weighted(list(IMPORTS))
    return ModelSpec(layers, dims, how, batch, imports=imports,
                     model_style=d.weighted([("list", 5), ("list_kw", 1.5), ("add", 3.5)]),
                     constants=d.weighted([("inline", 8), ("named", 1), ("computed", 1)]),
                     input_keyword=d.chance(0.3),
                     stray_input_shape=d.integer(1, 3) if d.chance(0.03) else None)


@st.composite
def model_specs(draw: Callable[[st.SearchStrategy[object]], object]) -> ModelSpec:
    return generate_model(HypothesisDraw(draw))


def programs() -> st.SearchStrategy[str]:
    return model_specs().map(render)


def seeded_models(seed: int, count: int, wild: float = 0.1) -> Iterator[ModelSpec]:
    """`count` models from `random.Random(seed)`: the same seed gives the same models."""
    for index in range(count):
        yield model_at(seed, index, wild)


def model_at(seed: int, index: int, wild: float = 0.1) -> ModelSpec:
    """Model number `index` of a seed, on its own (to replay one failure)."""
    return generate_model(RandomDraw(random.Random(f"{seed}:{index}")), wild)
