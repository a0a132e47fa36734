"""SL322: channels-first images (N, C, H, W) into a channels_last model. TensorFlow trains;
the first Conv2D's kernel is built for the image width as its channel count (measured)."""

from __future__ import annotations

import pytest

from shape_engine import analyze_source
from tests.checks.support import dedent

DECLARED = """
import numpy as np
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape={shape}),
    layers.Conv2D(8, 3, padding="same"{conv}),
    layers.GlobalAveragePooling2D({conv_format}),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(16, *{shape}), np.random.randint(0, 10, 16), epochs=1, verbose=0)
MEASURED = list(model.layers[0].kernel.shape)
"""

FROM_DATA = """
import numpy as np
import keras
from keras import layers

images = np.random.rand(16, {shape})
model = keras.Sequential([layers.Conv2D(8, 3, padding="same"), layers.Flatten(),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(images, np.random.randint(0, 10, 16), epochs=1, verbose=0)
MEASURED = list(model.layers[0].kernel.shape)
"""

CHANNELS_FIRST = "data_format='channels_first'"
CASES = [
    # (program, the kernel shape TensorFlow builds, the findings expected)
    (DECLARED.format(shape=(3, 32, 32), conv="", conv_format=""), [3, 3, 32, 8], ["SL322"]),
    (DECLARED.format(shape=(1, 28, 28), conv="", conv_format=""), [3, 3, 28, 8], ["SL322"]),
    (FROM_DATA.format(shape="3, 32, 32"), [3, 3, 32, 8], ["SL322"]),
    # Right: the same images read as channels_first, or laid out channels_last.
    (DECLARED.format(shape=(3, 32, 32), conv=", " + CHANNELS_FIRST, conv_format=CHANNELS_FIRST),
     [3, 3, 3, 8], []),
    (DECLARED.format(shape=(32, 32, 3), conv="", conv_format=""), [3, 3, 3, 8], []),
    (FROM_DATA.format(shape="28, 28, 1"), [3, 3, 1, 8], []),
    # Not images with a channel axis first: 3 rows of 5 values with 2 channels.
    (DECLARED.format(shape=(3, 5, 2), conv="", conv_format=""), [3, 3, 2, 8], []),
]


@pytest.mark.parametrize(("program", "_", "expected"), CASES)
def test_channels_first_images_found(program: str, _: object, expected: list[str]) -> None:
    analysis = analyze_source(dedent(program))
    assert [f.code for f in analysis.findings] == expected
    lines = dedent(program).splitlines()
    for finding in analysis.findings:
        # At the declaration, or at the data given to fit for a model built from it.
        assert ("keras.Input" in lines[finding.range.start.line]
                or "model.fit(images" in lines[finding.range.start.line])


@pytest.mark.tensorflow
@pytest.mark.parametrize(("program", "kernel", "_"), CASES)
def test_tensorflow_builds_the_kernel_on_the_width(oracle, program: str,  # type: ignore[no-untyped-def]
                                                   kernel: list[int], _: object) -> None:
    result = oracle.run(dedent(program))
    assert result.error is None, result.error
    assert result.measured == kernel
