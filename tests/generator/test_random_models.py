"""Random Sequential models: the engine must agree with real TensorFlow on every one.

The bulk test draws models from a fixed seed (change it with SHAPELENS_GENERATOR_SEED, the
number with SHAPELENS_GENERATOR_COUNT); a failure names the seed and index, so
`model_at(seed, index)` replays it, and shows a minimal program for the first disagreements.
The hypothesis test draws from the same generator and lets hypothesis shrink what it finds.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from shape_engine import analyze_source
from tests.generator.runner import check, culprit, minimize
from tests.generator.spec import LayerSpec, ModelSpec, render
from tests.generator.strategies import model_at, model_specs, seeded_models
from tests.oracle import Oracle

SEED = int(os.environ.get("SHAPELENS_GENERATOR_SEED", "20240601"))
COUNT = int(os.environ.get("SHAPELENS_GENERATOR_COUNT", "1000"))
SHOWN = 3  # disagreements shrunk and shown in a failure message

# Every layer issues 2 and 13 ask the engine to model that takes float data, as the
# generator writes them (the lookup and text layers need string or integer inputs).
MODELLED_LAYERS = frozenset(str.split("""
Input InputLayer Dense Activation ReLU LeakyReLU ELU PReLU Softmax Dropout AlphaDropout
GaussianNoise GaussianDropout ActivityRegularization SpatialDropout1D SpatialDropout2D
SpatialDropout3D Flatten Reshape Permute RepeatVector Conv1D Conv2D Conv3D Conv1DTranspose
Conv2DTranspose Conv3DTranspose SeparableConv1D SeparableConv2D DepthwiseConv1D DepthwiseConv2D
MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D AveragePooling3D
GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D GlobalAveragePooling1D
GlobalAveragePooling2D GlobalAveragePooling3D Cropping1D Cropping2D Cropping3D ZeroPadding1D
ZeroPadding2D ZeroPadding3D UpSampling1D UpSampling2D UpSampling3D BatchNormalization
LayerNormalization GroupNormalization UnitNormalization Embedding SimpleRNN LSTM GRU
Bidirectional TimeDistributed ConvLSTM1D ConvLSTM2D ConvLSTM3D Masking Rescaling Resizing
CenterCrop Identity Lambda Sequential
AugMix AutoContrast ContrastLimitedAdaptiveHistogramEqualization CutMix MixUp RandAugment
RandomBrightness RandomColorJitter RandomContrast RandomElasticTransform RandomErasing RandomFlip
RandomGaussianBlur RandomGrayscale RandomHue RandomInvert RandomPerspective RandomPosterization
RandomRotation RandomSaturation RandomSharpness RandomShear RandomTranslation RandomZoom
Solarization MaxNumBoundingBoxes RandomCrop RandomColorDegeneration Normalization
RMSNormalization Discretization EinsumDense ReversibleEmbedding AdaptiveAveragePooling1D
AdaptiveMaxPooling1D AdaptiveAveragePooling2D AdaptiveMaxPooling2D AdaptiveAveragePooling3D
AdaptiveMaxPooling3D RNN SimpleRNNCell LSTMCell GRUCell StackedRNNCells STFTSpectrogram
MelSpectrogram
"""))


def _kinds(layers: list[LayerSpec]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for layer in layers:
        kinds[layer.kind] += 1
        for value in [*layer.args, *layer.kwargs.values()]:
            if isinstance(value, LayerSpec):
                kinds.update(_kinds([value]))
            if isinstance(value, list) and value and isinstance(value[0], LayerSpec):
                kinds.update(_kinds(value))
    return kinds


def _all_kinds(spec: ModelSpec) -> Counter[str]:
    kinds = _kinds(spec.layers)
    if spec.input_how in ("Input", "InputLayer"):
        kinds[spec.input_how] += 1
    return kinds


def test_generator_covers_every_modelled_layer_and_spelling() -> None:
    kinds: Counter[str] = Counter()
    styles: Counter[str] = Counter()
    for spec in seeded_models(SEED, COUNT):
        kinds.update(_all_kinds(spec))
        styles.update([spec.imports, spec.model_style, spec.input_how])
    missing = MODELLED_LAYERS - set(kinds)
    assert not missing, f"never generated: {sorted(missing)}"
    for style in ("keras", "tf", "names", "star", "alias", "list", "add", "build",
                  "input_shape", "InputLayer"):
        assert styles[style] > 0, style


def test_engine_never_crashes_on_generated_models() -> None:
    for index, spec in enumerate(seeded_models(SEED + 1, 2 * COUNT)):
        source = render(spec)
        try:
            analyze_source(source)
        except Exception as error:  # pragma: no cover - the message is the point
            raise AssertionError(f"model_at({SEED + 1}, {index}) crashes the engine: "
                                 f"{error!r}\n{source}") from error


@pytest.mark.tensorflow
def test_seeded_models_agree_with_tensorflow(oracle: Oracle) -> None:
    failures = []
    verdicts: Counter[bool | None] = Counter()
    for index, spec in enumerate(seeded_models(SEED, COUNT)):
        outcome = check(render(spec), oracle)
        verdicts[outcome.keras_raised] += 1
        if not outcome.agrees and outcome.category != "oracle-timeout":
            failures.append((index, spec, outcome))
    # The generator must keep producing both kinds of models, or the test proves little.
    assert verdicts[False] >= COUNT // 3 and verdicts[True] >= COUNT // 10, verdicts
    if not failures:
        return
    by_kind = Counter(outcome.category for _, _, outcome in failures)
    report = [f"{len(failures)}/{COUNT} models disagree with TensorFlow: {dict(by_kind)}"]
    for index, spec, outcome in failures[:SHOWN]:
        assert outcome.category is not None
        small = minimize(spec, oracle, outcome.category)
        report.append(f"--- model_at({SEED}, {index}): {outcome.category} at "
                      f"{culprit(small)}; minimal program:\n{render(small)}")
    report.append("more: " + ", ".join(f"model_at({SEED}, {i})" for i, _, _ in failures[SHOWN:20]))
    pytest.fail("\n".join(report))


@pytest.mark.tensorflow
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(spec=model_specs())
def test_hypothesis_models_agree_with_tensorflow(oracle: Oracle, spec: ModelSpec) -> None:
    outcome = check(render(spec), oracle)
    assert outcome.agrees or outcome.category == "oracle-timeout", outcome.detail


def test_replaying_a_model_gives_the_same_program() -> None:
    assert render(model_at(SEED, 7)) == render(model_at(SEED, 7))
    assert render(model_at(SEED, 7)) != render(model_at(SEED, 8))
