"""A generated model as data (`ModelSpec`), and how it is written as Python source.

Keeping the model as data, not text, lets the minimiser drop layers and arguments and then
write the smaller program again, in the same or a simpler spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

Dims = tuple[int | None, ...]  # a shape without its batch dim


@dataclass(frozen=True)
class Raw:
    """Source text written as is (a lambda, a name)."""

    text: str


@dataclass
class LayerSpec:
    """One layer constructor call. `kind` "Sequential" is a nested model (args[0]: its layers)."""

    kind: str
    args: list[object] = field(default_factory=list)
    kwargs: dict[str, object] = field(default_factory=dict)
    written: str | None = None  # an alias such as Convolution2D; None: `kind`
    # Keyword arguments the layer cannot do without (the minimiser keeps them).
    required: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.written or self.kind

    def copy(self) -> LayerSpec:
        return replace(self, args=list(self.args), kwargs=dict(self.kwargs))


# How the model gets its input shape.
INPUT_HOWS = ("Input", "InputLayer", "input_shape", "input_dim", "batch_input_shape", "build",
              "none")


@dataclass
class ModelSpec:
    layers: list[LayerSpec]
    input_dims: Dims
    input_how: str = "Input"
    batch_size: int | None = None
    imports: str = "keras"
    model_style: str = "list"  # "list", "list_kw" (layers=[...], name=), "add"
    variable: str = "model"
    # How numbers are written: "inline", "named" (module constants), "computed" (constants
    # from arithmetic and tuple concatenation, which the engine must fold).
    constants: str = "inline"
    input_keyword: bool = False  # Input(shape=...) rather than Input((...))
    # A later layer also given input_shape= (Keras ignores it): its index, if any.
    stray_input_shape: int | None = None

    def copy(self) -> ModelSpec:
        return replace(self, layers=[layer.copy() for layer in self.layers])


@dataclass(frozen=True)
class ImportStyle:
    header: tuple[str, ...]
    layer_prefix: str | None  # None: bare class names imported by name
    sequential: str
    input_prefix: str | None = None  # defaults to layer_prefix
    names_from: str | None = None  # module the bare names are imported from
    star: bool = False


IMPORT_STYLES: dict[str, ImportStyle] = {
    "keras": ImportStyle(("import keras",), "keras.layers.", "keras.Sequential", "keras."),
    "from_tf_keras": ImportStyle(("from tensorflow import keras",), "keras.layers.",
                                 "keras.models.Sequential"),
    "tf": ImportStyle(("import tensorflow as tf",), "tf.keras.layers.", "tf.keras.Sequential",
                      "tf.keras."),
    "tf_models": ImportStyle(("import tensorflow as tf",), "tf.keras.layers.",
                             "tf.keras.models.Sequential"),
    "layers_module": ImportStyle(("import keras", "from keras import layers"), "layers.",
                                 "keras.Sequential"),
    "tf_layers_models": ImportStyle(("from tensorflow.keras import layers, models",), "layers.",
                                    "models.Sequential"),
    "names": ImportStyle(("from keras.models import Sequential",), None, "Sequential",
                         names_from="keras.layers"),
    "tf_names": ImportStyle(("from tensorflow.keras.models import Sequential",), None,
                            "Sequential", names_from="tensorflow.keras.layers"),
    "star": ImportStyle(("from keras.layers import *", "from keras import Sequential"), None,
                        "Sequential", star=True),
    "alias": ImportStyle(("import tensorflow as tf", "L = tf.keras.layers"), "L.",
                         "tf.keras.Sequential"),
    "import_as": ImportStyle(("import tensorflow as tf", "import tensorflow.keras.layers as L"),
                             "L.", "tf.keras.Sequential"),
}


class _Writer:
    def __init__(self, style: ImportStyle, constants: str = "inline") -> None:
        self.style = style
        self.names: set[str] = set()
        self.constants = constants
        self.definitions: list[str] = []

    def cls(self, name: str, input_like: bool = False) -> str:
        if name == "Sequential":
            return self.style.sequential
        if self.style.layer_prefix is None:
            self.names.add(name)
            return name
        prefix = self.style.input_prefix if input_like and self.style.input_prefix else (
            self.style.layer_prefix)
        return prefix + name

    def value(self, value: object) -> str:
        if self.constants != "inline" and _hoistable(value):
            expression = self._expression(value)  # may define constants of its own first
            name = f"C{len(self.definitions)}"
            self.definitions.append(f"{name} = {expression}")
            return name
        return self._literal(value)

    def _expression(self, value: object) -> str:
        """`value` written for a constant definition, folded or not."""
        if self.constants == "computed":
            if isinstance(value, int) and value > 1:
                return f"{value - 1} + 1" if value % 2 else f"{value // 2} * 2"
            if isinstance(value, tuple) and len(value) > 1:
                return f"{self._literal(value[:1])} + {self._literal(value[1:])}"
        return self._literal(value)

    def _literal(self, value: object) -> str:
        if isinstance(value, LayerSpec):
            return self.layer(value)
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, str):
            return '"' + value + '"'
        if isinstance(value, tuple):
            inner = ", ".join(self.value(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        return repr(value)

    def layer(self, spec: LayerSpec, indent: str = "") -> str:
        if spec.kind == "Sequential":
            inner = ", ".join(self.layer(item) for item in spec.args[0])  # type: ignore[attr-defined]
            return f"{self.cls('Sequential')}([{inner}])"
        parts = [self.value(a) for a in spec.args]
        parts += [f"{key}={self.value(v)}" for key, v in spec.kwargs.items()]
        return f"{self.cls(spec.name, spec.kind == 'Input')}({', '.join(parts)})"

    def header(self) -> list[str]:
        lines = list(self.style.header)
        if self.style.names_from and self.names:
            lines.insert(0, f"from {self.style.names_from} import {', '.join(sorted(self.names))}")
        return lines + self.definitions


def _hoistable(value: object) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, tuple) and bool(value) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value)


def input_layer(spec: ModelSpec) -> LayerSpec | None:
    """The Input/InputLayer element a model starts with, if it declares its input that way."""
    if spec.input_how == "Input":
        kwargs: dict[str, object] = {}
        if spec.batch_size is not None:
            kwargs["batch_size"] = spec.batch_size
        if spec.input_keyword:
            return LayerSpec("Input", [], {"shape": spec.input_dims, **kwargs})
        return LayerSpec("Input", [spec.input_dims], kwargs)
    if spec.input_how == "InputLayer":
        if spec.batch_size is not None:
            return LayerSpec("InputLayer", [], {"batch_shape": (spec.batch_size,
                                                                *spec.input_dims)})
        return LayerSpec("InputLayer", [], {"shape": spec.input_dims})
    return None


def _with_declared_input(spec: ModelSpec) -> list[LayerSpec]:
    layers = [layer.copy() for layer in spec.layers]
    stray = spec.stray_input_shape
    if stray is not None and 0 < stray < len(layers) and layers[stray].kind not in (
            "Sequential", "Input", "InputLayer"):
        layers[stray].kwargs["input_shape"] = (3, 5)
    declared = input_layer(spec)
    if declared is not None:
        return [declared, *layers]
    if not layers or layers[0].kind == "Sequential":
        return layers
    first = layers[0]
    # Embedding's own first parameter is called input_dim.
    if spec.input_how == "input_shape" or (spec.input_how == "input_dim"
                                           and first.kind in ("Embedding", "ReversibleEmbedding")):
        first.kwargs["input_shape"] = spec.input_dims
    elif spec.input_how == "input_dim" and len(spec.input_dims) == 1:
        first.kwargs["input_dim"] = spec.input_dims[0]
    elif spec.input_how == "batch_input_shape":
        first.kwargs["batch_input_shape"] = (spec.batch_size, *spec.input_dims)
    return layers


def render(spec: ModelSpec) -> str:
    """The model as a Python program, one layer per line."""
    writer = _Writer(IMPORT_STYLES[spec.imports], spec.constants)
    layers = _with_declared_input(spec)
    var = spec.variable
    body: list[str] = []
    if spec.model_style == "add":
        body.append(f"{var} = {writer.cls('Sequential')}()")
        body += [f"{var}.add({writer.layer(layer)})" for layer in layers]
    else:
        items = [f"    {writer.layer(layer)}," for layer in layers]
        if spec.model_style == "list_kw":
            body.append(f"{var} = {writer.cls('Sequential')}(layers=[")
            body += items
            body.append(f'], name="{var}")')
        else:
            body.append(f"{var} = {writer.cls('Sequential')}([")
            body += items
            body.append("])")
    if spec.input_how == "build":
        build_shape = (spec.batch_size, *spec.input_dims)
        body.append(f"{var}.build({writer.value(build_shape)})")
    return "\n".join([*writer.header(), *body]) + "\n"
