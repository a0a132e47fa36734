"""Measures keras.applications models in TensorFlow and writes the engine's table of them,
`shape_engine/layers/applications_table.py` (`python -m tests.layers.keras_applications`).

For each model, built with weights=None: the default input size, the parameters with
include_top=True at 1,000 classes and the width of its classifier's input (so any number of
classes is computed: each class adds that width + 1), the parameters and output channels with
include_top=False, and how its output's height and width follow the input's, measured on the
smallest model of each family at a few sizes and checked against a few formulas.
"""

from __future__ import annotations

import gc
import json
import math
import os
import sys
from pathlib import Path

# The ways an application's output height may follow its input's, by name: one is picked for
# each family by the sizes measured.
from shape_engine.layers.applications import FORMULAS

TABLE = Path(__file__).parents[2] / "shape_engine" / "layers" / "applications_table.py"

# Family -> models, the first one measured at several sizes.
FAMILIES: dict[str, tuple[str, ...]] = {
    "resnet": ("ResNet50", "ResNet101", "ResNet152"),
    "resnet_v2": ("ResNet50V2", "ResNet101V2", "ResNet152V2"),
    "mobilenet": ("MobileNet",),
    "mobilenet_v2": ("MobileNetV2",),
    "mobilenet_v3": ("MobileNetV3Small", "MobileNetV3Large"),
    "efficientnet": tuple(f"EfficientNetB{i}" for i in range(8)),
    "efficientnet_v2": ("EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2",
                        "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
                        "EfficientNetV2L"),
    "vgg": ("VGG16", "VGG19"),
    "inception_v3": ("InceptionV3",),
    "inception_resnet_v2": ("InceptionResNetV2",),
    "xception": ("Xception",),
    "densenet": ("DenseNet121", "DenseNet169", "DenseNet201"),
    "convnext": ("ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge",
                 "ConvNeXtXLarge"),
    "nasnet": ("NASNetMobile", "NASNetLarge"),
}
SIZES = (75, 97, 101, 150, 224, 331)

def _classifier_width(model: object) -> int:
    """The input width of the last layer whose kernel ends in the 1,000 classes."""
    for layer in reversed(model.layers):  # type: ignore[attr-defined]
        kernel = getattr(layer, "kernel", None)
        if kernel is not None and kernel.shape[-1] == 1000:
            return math.prod(kernel.shape[:-1])
    raise ValueError("no classifier found")


def measure(name: str, family_first: bool) -> dict[str, object]:
    import keras

    app = getattr(keras.applications, name)
    top = app(weights=None)
    entry: dict[str, object] = {
        "default_size": top.input_shape[1],
        "top_params": top.count_params(),
        "classifier_width": _classifier_width(top),
    }
    del top
    gc.collect()
    notop = app(weights=None, include_top=False, input_shape=(entry["default_size"],) * 2 + (3,))
    entry["notop_params"] = notop.count_params()
    entry["channels"] = notop.output_shape[-1]
    entry["default_out"] = notop.output_shape[1]
    del notop
    gc.collect()
    if family_first:
        sizes = {}
        for size in SIZES:
            try:
                model = app(weights=None, include_top=False, input_shape=(size, size, 3))
                sizes[size] = model.output_shape[1]
                del model
            except Exception:
                sizes[size] = None
            gc.collect()
        entry["sizes"] = sizes
    keras.backend.clear_session()
    return entry


def formula_for(sizes: dict[int, int | None]) -> tuple[str | None, int]:
    """The one formula matching every size the model accepted, and the smallest it accepted."""
    accepted = {s: out for s, out in sizes.items() if out is not None}
    fitting = [name for name, formula in FORMULAS.items()
               if accepted and all(formula(s) == out for s, out in accepted.items())]
    # None when no formula fits, or several do (the sizes measured cannot tell them apart).
    return fitting[0] if len(fitting) == 1 else None, min(accepted) if accepted else 0


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    raw_path = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    raw: dict[str, dict[str, object]] = json.loads(raw_path.read_text()) if (
        raw_path and raw_path.exists()) else {}
    for members in FAMILIES.values():
        for index, name in enumerate(members):
            if name not in raw:
                raw[name] = measure(name, index == 0)
                print(name, raw[name], flush=True)
                if raw_path:
                    raw_path.write_text(json.dumps(raw))
    write_table(raw)


def complete_families(raw: dict[str, dict[str, object]]) -> dict[str, tuple[str, ...]]:
    """The families whose every model is measured."""
    return {family: members for family, members in FAMILIES.items()
            if all(name in raw for name in members)}


def write_table(raw: dict[str, dict[str, object]]) -> None:
    lines = ['"""keras.applications models measured in TensorFlow 2.21 / Keras 3.15.1 with',
             "weights=None: written by tests/layers/keras_applications.py, do not edit.",
             "",
             "name: (family, default input size (None: any), params with include_top at 1,000",
             "classes, "
             "classifier input width, params without the top, output channels without the top)",
             '"""', "", "from __future__ import annotations", "",
             "# family: (how the output's height follows the input's, smallest input accepted)",
             "FAMILIES: dict[str, tuple[str | None, int]] = {"]
    for family, members in complete_families(raw).items():
        sizes = raw[members[0]]["sizes"]
        assert isinstance(sizes, dict)
        formula, smallest = formula_for({int(k): v for k, v in sizes.items()})
        lines.append(f"    {family!r}: ({formula!r}, {smallest}),")
    lines += ["}", "", "APPLICATIONS: dict[str, tuple[str, int | None, int, int, int, int]] = {"]
    for family, members in complete_families(raw).items():
        for name in members:
            e = raw[name]
            lines.append(f"    {name!r}: ({family!r}, {e['default_size']}, {e['top_params']}, "
                         f"{e['classifier_width']}, {e['notop_params']}, {e['channels']}),")
    lines += ["}", ""]
    TABLE.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
