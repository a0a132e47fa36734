"""Writes `keras_layers.txt`: every layer class `keras.layers` exports, one name a line.

Run with the Keras the oracle uses (`python -m tests.layers.keras_layers`) after a Keras
upgrade; `test_coverage.py` then shows what the engine does not model yet. An exported name
that is another name of the same class (`Convolution2D`) is listed as `Convolution2D = Conv2D`.
"""

from __future__ import annotations

import inspect
from pathlib import Path

LIST = Path(__file__).with_name("keras_layers.txt")


def exported_layers() -> list[str]:
    import keras

    lines = []
    for name in dir(keras.layers):
        value = getattr(keras.layers, name)
        if inspect.isclass(value) and issubclass(value, keras.layers.Layer):
            own = value.__name__
            lines.append(name if name == own else f"{name} = {own}")
    return lines


def main() -> None:
    import keras

    LIST.write_text(f"# keras.layers of Keras {keras.__version__}: written by "
                    "tests/layers/keras_layers.py\n" + "\n".join(exported_layers()) + "\n")


if __name__ == "__main__":
    main()
