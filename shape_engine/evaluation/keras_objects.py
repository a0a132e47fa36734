"""Keras objects: layers made and called, Sequential and functional models built, nested and
trained, symbolic tensors and the ops on them. Calls of Keras names, of layer and model
objects, and models' methods come here from `PythonSemantics`' hooks; what they make is the
model IR (`ModelIR`) and the graph of tensors (`Graph`)."""

from __future__ import annotations

import ast

from shape_engine.data import calls as data_calls
from shape_engine.data import datasets
from shape_engine.evaluation.classes import ObjectValue
from shape_engine.evaluation.constants import optional_int
from shape_engine.evaluation.limits import (
    LAYER_STEPS,
    MAX_SNAPSHOTS,
    MODEL_STEPS,
    TRAINING_STEPS,
)
from shape_engine.evaluation.python import PythonSemantics
from shape_engine.findings import Range
from shape_engine.ir import (
    BuildCall,
    CompileCall,
    LayerCall,
    LayerEntry,
    ModelIR,
    Snapshot,
    TrainingCall,
)
from shape_engine.keras import ops, subclass
from shape_engine.keras.calls import MAX_NODES, Given
from shape_engine.keras.tensors import TensorValue
from shape_engine.keras_names import (
    IMAGE_DATA_FORMAT,
    MERGE_FUNCTIONS,
    MODEL_NAMES,
    SEQUENTIAL_NAMES,
    SET_IMAGE_DATA_FORMAT,
    STATIC_SHAPE_FUNCTIONS,
    TENSOR_INPUT_NAMES,
    TF_KERAS_LEGACY_LAYERS,
    layer_class_name,
    layer_kind,
)
from shape_engine.layers import MULTI_INPUT_LAYERS, MULTI_INPUT_RULES
from shape_engine.shapes import MaybeShape, Shape
from shape_engine.values import (
    UNKNOWN,
    Const,
    LayerValue,
    ModelValue,
    ModuleRef,
    NotConstant,
    Seq,
    Value,
    to_python,
)

TRAINING_METHODS = frozenset(
    {"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
     "__call__"}
)
# Model methods that neither change the layer stack nor let it escape.
INERT_MODEL_METHODS = frozenset(
    {"summary", "save", "save_weights", "load_weights", "get_weights", "set_weights",
     "to_json", "get_config", "count_params", "get_layer", "export", "stop_training"}
)
# Python operators between symbolic tensors, which keras.ops broadcasts.
TENSOR_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
KERAS_OPS = "keras.ops."
# Arguments of a layer's call that change what it gives back.
CALL_OPTIONS = frozenset({"return_attention_scores"})


class KerasObjects(PythonSemantics):
    # -- calls of Keras names ----------------------------------------------------------------

    def _keras_object_made(self, obj: ObjectValue, kwargs: dict[str, Value]) -> None:
        subclass.made(self, obj, kwargs)

    def _keras_object_method(self, obj: ObjectValue, name: str, node: ast.Call,
                             args: list[Value], kwargs: dict[str, Value],
                             through_super: bool) -> Value:
        return subclass.keras_method(self, obj, name, node, args, kwargs,
                                     through_super=through_super)

    def _keras_object_called(self, obj: ObjectValue, node: ast.Call, args: list[Value],
                             kwargs: dict[str, Value]) -> Value:
        return subclass.called(self, obj, node, args, kwargs)

    def _call_keras(self, callee: ModuleRef, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value], has_unpacking: bool) -> Value | None:
        name = callee.name
        if name in SEQUENTIAL_NAMES:
            return self._new_sequential(node, args, kwargs)
        if name in MODEL_NAMES:
            return self._new_functional(node, args, kwargs)
        # Asked at every call of a Keras name: each name's answer is kept for the analysis.
        if name in self._layer_classes:
            layer_class = self._layer_classes[name]
        else:
            class_name = layer_class_name(name)
            layer_class = self._layer_classes[name] = (
                None if class_name is None else (class_name, layer_kind(name)))
        if layer_class is not None:
            class_name, kind = layer_class
            call = self._layer_call(class_name, kind, callee, node, args, kwargs, has_unpacking)
            if name in TENSOR_INPUT_NAMES:
                return self.program.graph.make_input(call)
            return LayerValue(call)
        if name in MERGE_FUNCTIONS and args:
            made = self._merge_function(MERGE_FUNCTIONS[name], callee, node, args, kwargs,
                                        has_unpacking)
            if made is not None:
                return made
        if name.startswith(KERAS_OPS) and name[len(KERAS_OPS):] in ops.OPS:
            made = self._tensor_op(name[len(KERAS_OPS):], node, args, kwargs)
            if made is not None:
                return made
        if name in STATIC_SHAPE_FUNCTIONS and len(args) == 1 and isinstance(args[0],
                                                                            TensorValue):
            return _attribute_of_tensor(args[0], "shape")
        if name in SET_IMAGE_DATA_FORMAT:
            value = args[0] if args else kwargs.get("data_format", UNKNOWN)
            try:
                # Keras takes str(data_format).lower(), and raises for anything else.
                text: str | None = str(to_python(value)).lower()
            except NotConstant:
                text = None
            self._set_image_data_format(
                text if text in ("channels_first", "channels_last") else None)
            return Const(None)
        if name in IMAGE_DATA_FORMAT and not args and not kwargs:
            return UNKNOWN if self._image_data_format is None else Const(self._image_data_format)
        return None

    def _layer_call(self, class_name: str, kind: str | None, callee: ModuleRef, node: ast.Call,
                    args: list[Value], kwargs: dict[str, Value], has_unpacking: bool
                    ) -> LayerCall:
        self._steps += LAYER_STEPS
        # What the call's text and the callee's name alone make: worked out once per call
        # written (a helper function's layers are made at every call of it).
        key = (node, callee.name, class_name)
        written = self._layers_written.get(key)
        if written is None:
            at = self._range(node)
            written = self._layers_written[key] = (
                self._label(node, at, class_name),
                sum(1 for a in node.args if not isinstance(a, ast.Starred)), at)
        label, positional, at = written
        # Positionally, in the fields' order (kind, written_name, label, range, args, kwargs,
        # node, source, has_unpacking, file, image_data_format, via_tf): a class called with
        # keywords packs them into a dict for its __init__, at every layer made.
        return LayerCall(
            kind, class_name, label, at, tuple(args), kwargs, node, self.index,
            has_unpacking or positional != len(args), self.file, self._image_data_format,
            callee.via_tf if class_name in TF_KERAS_LEGACY_LAYERS else False)

    def _label(self, node: ast.Call, at: Range, class_name: str) -> str:
        text = " ".join(self.index.text_of(at).split())
        # Show the arguments that identify the layer, not a long keyword tail.
        head = text[text.find("(") :] if "(" in text else "()"
        label = class_name + head
        if len(label) > 40:
            label = class_name + ("(...)" if node.args or node.keywords else "()")
            if node.args and not isinstance(node.args[0], ast.Starred):
                arg_text = self.index.text_of(self._range(node.args[0]))
                if len(arg_text) <= 20:
                    more = ", ..." if len(node.args) + len(node.keywords) > 1 else ""
                    label = f"{class_name}({arg_text}{more})"
        return label

    # -- Sequential models -------------------------------------------------------------------

    def _new_sequential(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value]
                        ) -> Value:
        self._steps += MODEL_STEPS
        model = ModelIR(name="", range=self._range(node), callee_range=self._range(node.func),
                        file=self.file, region=self._region)
        name = kwargs.get("name")
        if isinstance(name, Const) and isinstance(name.value, str):
            model.name = name.value
        layers_value = args[0] if args else kwargs.get("layers")
        layers_node = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "layers"), None)
        if layers_value is not None and not (isinstance(layers_value, Const)
                                             and layers_value.value is None):
            if isinstance(layers_value, Seq):
                element_nodes: list[ast.expr | None] = (
                    list(layers_node.elts) if isinstance(layers_node, ast.List | ast.Tuple)
                    and len(layers_node.elts) == len(layers_value.items) else
                    [None] * len(layers_value.items))
                for item, element in zip(layers_value.items, element_nodes, strict=True):
                    self._add_entry(model, item, self._entry_range(item, element or node))
                if isinstance(layers_node, ast.List):
                    model.list_range = self._range(layers_node)
            else:
                model.lose_track(0)
        self.program.models.append(model)
        return ModelValue(model)

    def _entry_range(self, item: Value, written: ast.expr) -> Range:
        """Where a layer is placed in a model: the expression written there."""
        if isinstance(item, TensorValue) and item.node.input_call is not None:
            item = LayerValue(item.node.input_call)
        if isinstance(item, LayerValue) and item.call.node is written:
            return item.call.range  # the layer's own call, whose range is made already
        return self._range(written)

    def _add_entry(self, model: ModelIR, item: Value, at: Range) -> None:
        if isinstance(item, TensorValue) and item.node.input_call is not None:
            model.entries.append(LayerEntry(item.node.input_call, at))  # keras.Input(...)
        elif isinstance(item, LayerValue):
            model.entries.append(LayerEntry(item.call, at))
        elif isinstance(item, ModelValue):
            model.entries.append(LayerEntry(item.model, at))
        else:
            model.entries.append(LayerEntry(None, at))

    # -- the functional API ------------------------------------------------------------------

    def _call_layer_object(self, layer: LayerCall, node: ast.Call, args: list[Value],
                           kwargs: dict[str, Value]) -> Value:
        """`layer(x)`, `layer([a, b])`, `attention(query, value, key=k)`."""
        # Most layers take one tensor: only a merge or attention kind has a rule of this sort.
        rule = MULTI_INPUT_RULES.get(layer.kind) if layer.kind in MULTI_INPUT_LAYERS else None
        keywords = rule.tensor_keywords if rule is not None else ()
        given = self._given(node, args, kwargs, keywords,
                            several=rule is not None and not rule.takes_list)
        graph = self.program.graph
        if given is None or len(graph.nodes) >= MAX_NODES:  # `graph.full`, without a property
            return UNKNOWN  # called on data, or on what is not known
        self._steps += LAYER_STEPS
        if rule is not None and not rule.takes_list and given.as_list:
            return UNKNOWN
        if kwargs:
            given.options = {k: v for k, v in kwargs.items() if k in CALL_OPTIONS}
        made = graph.call_layer(layer, given, self.index.range_of(node))
        return made if type(made) is TensorValue else self._graph_result(made)

    def _call_model(self, callee: ModelValue, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value]) -> Value:
        given = self._given(node, args, kwargs, ())
        if given is not None and not self.program.graph.full:
            return self._graph_result(
                self.program.graph.call_model(callee.model, given, self._range(node)))
        self._record_training(callee.model, "__call__", node, args, kwargs)
        return UNKNOWN

    def _merge_function(self, kind: str, callee: ModuleRef, node: ast.Call, args: list[Value],
                        kwargs: dict[str, Value], has_unpacking: bool) -> Value | None:
        """`layers.concatenate([a, b], axis=1)`: makes the layer and calls it on the list."""
        given = self._given(node, args[:1], {}, ())
        if given is None or self.program.graph.full:
            return None
        layer = self._layer_call(kind, kind, callee, node, args[1:], kwargs, has_unpacking)
        layer.has_unpacking = has_unpacking  # the list is not an argument
        self._steps += LAYER_STEPS
        return self._graph_result(self.program.graph.call_layer(layer, given,
                                                                self._range(node)))

    def _graph_result(self, made: TensorValue | list[TensorValue]) -> Value:
        return self._new_list(tuple(made)) if isinstance(made, list) else made

    def _given(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value],
               keywords: tuple[str, ...], several: bool = False) -> Given | None:
        """The tensors a call receives, None when it is not called on tensors."""
        first = args[0] if args else kwargs.get("inputs")
        written: ast.expr | None = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "inputs"), None)
        if type(first) is TensorValue and not several and not keywords:
            # The commonest call by far, `layer(x)`: what the general path below makes.
            name = written.id if isinstance(written, ast.Name) else None  # as `_name_of`
            # Positionally (the options then): a class called with a keyword packs a dict.
            return Given((first,), False, {}, (name,), {}, node)
        tensor_kwargs = {k: v for k, v in kwargs.items()
                         if k in keywords and isinstance(v, TensorValue)} if keywords else {}
        named = {k.arg: k.value for k in node.keywords if k.arg} if tensor_kwargs else {}
        if isinstance(first, TensorValue):
            positional = [first]
            names = [_name_of(written)]
            if several:
                for value, arg in zip(args[1:], node.args[1:], strict=False):
                    if not isinstance(value, TensorValue):
                        return None
                    positional.append(value)
                    names.append(_name_of(arg))
            names += [_name_of(named.get(k)) for k in tensor_kwargs]
            return Given(tuple(positional), False, tensor_kwargs, tuple(names), call=node)
        if isinstance(first, Seq) and first.items and all(
                isinstance(item, TensorValue) for item in first.items):
            elements = (written.elts if isinstance(written, ast.List | ast.Tuple)
                        and len(written.elts) == len(first.items) else [None] * len(first.items))
            names = [_name_of(e) for e in elements]
            names += [_name_of(named.get(k)) for k in tensor_kwargs]
            return Given(tuple(i for i in first.items if isinstance(i, TensorValue)), True,
                         tensor_kwargs, tuple(names), call=node)
        if first is None and tensor_kwargs:
            return Given((), False, tensor_kwargs,
                         tuple(_name_of(named.get(k)) for k in tensor_kwargs))
        return None

    def _new_functional(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value]
                        ) -> Value:
        """`keras.Model(inputs, outputs, name=...)`; anything else (a subclass's
        `super().__init__()`, inputs not known) is not followed."""
        inputs = self._tensors_given(node, args, kwargs, "inputs", 0)
        outputs = self._tensors_given(node, args, kwargs, "outputs", 1)
        if inputs is None or outputs is None or self.program.graph.full:
            return UNKNOWN
        (input_tensors, input_keys), (output_tensors, output_keys) = inputs, outputs
        if not all(t.node.is_input for t in input_tensors):
            return UNKNOWN  # intermediate tensors as inputs: not modelled
        self._steps += MODEL_STEPS
        at = self._range(node)
        model = ModelIR(name="", range=at, callee_range=self._range(node.func), file=self.file)
        name = kwargs.get("name")
        if isinstance(name, Const) and isinstance(name.value, str):
            model.name = name.value
        if not self.program.graph.make_model(model, input_tensors, output_tensors, at):
            return UNKNOWN
        assert model.graph is not None
        model.graph.input_keys, model.graph.output_keys = input_keys, output_keys
        output_value = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        model.graph.single_output = isinstance(output_value, TensorValue)
        self.program.models.append(model)
        return ModelValue(model)

    def _tensors_given(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value],
                       keyword: str, position: int
                       ) -> tuple[tuple[TensorValue, ...], tuple[str, ...] | None] | None:
        """The tensors of `inputs`/`outputs`: one, a list or tuple, or a dict literal of
        names (its keys)."""
        value = kwargs.get(keyword, args[position] if len(args) > position else None)
        written = next((k.value for k in node.keywords if k.arg == keyword),
                       node.args[position] if len(node.args) > position else None)
        if isinstance(value, TensorValue):
            return (value,), None
        flat = _flat_tensors(value) if isinstance(value, Seq) else None
        if flat:
            return flat, None
        if isinstance(written, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in written.keys):
            items = [self.scope.lookup(v.id) if isinstance(v, ast.Name) else UNKNOWN
                     for v in written.values]
            if items and all(isinstance(i, TensorValue) for i in items):
                keys = tuple(str(k.value) for k in written.keys if isinstance(k, ast.Constant))
                return tuple(i for i in items if isinstance(i, TensorValue)), keys
        return None

    # -- symbolic tensors --------------------------------------------------------------------

    def _tensor_binary(self, node: ast.BinOp, left: Value, right: Value) -> Value | None:
        if type(node.op) not in TENSOR_OPERATORS:
            return None
        return self.program.graph.op(
            TENSOR_OPERATORS[type(node.op)], self._range(node), [left, right],
            lambda shapes: ops.broadcast(_known_shape(shapes[0]), _known_shape(shapes[1])),
            self.file)

    def _tensor_attribute(self, tensor: TensorValue, attr: str) -> Value:
        shape = tensor.shape
        if attr != "shape" or shape is None:
            return _attribute_of_tensor(tensor, attr)
        # `x.shape`, read by many helper functions at every call: its dims as the shared
        # constants of the analysis' literals, in a loop (no generator's frame).
        literals = self._literals
        dims: list[Value] = []
        for dim in shape:
            if dim is None and tensor.guessed:
                dims.append(UNKNOWN)  # a dim the engine does not know is no None to the program
                continue
            key = (type(dim), dim)
            value = literals.get(key)
            if value is None:
                value = literals[key] = Const(dim)
            dims.append(value)
        return Seq(tuple(dims))

    def _tensor_subscript(self, tensor: TensorValue, node: ast.Subscript) -> Value:
        """`x[:, 0]`, `x[..., :3]`, `x[:, None]` on a symbolic tensor."""
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index: list[object] = []
        modelled = True
        for part in parts:
            if isinstance(part, ast.Slice):
                bounds = [self._eval(b) if b is not None else Const(None)
                          for b in (part.lower, part.upper, part.step)]
                try:
                    lower, upper, step = (optional_int(to_python(b)) for b in bounds)
                except (NotConstant, TypeError, ValueError):
                    modelled = False
                    break
                index.append(slice(lower, upper, step))
                continue
            if isinstance(part, ast.Constant) and part.value is Ellipsis:
                index.append(Ellipsis)
                continue
            value = self._eval(part)
            python = value.value if isinstance(value, Const) else UNKNOWN
            if python is None or python is Ellipsis or (
                    isinstance(python, int) and not isinstance(python, bool)):
                index.append(python)
            else:
                modelled = False
                break
        chosen = index if modelled else None
        return self.program.graph.op(
            "slicing", self._range(node), [tensor],
            lambda shapes: ops.subscript(_known_shape(shapes[0]), chosen)
            if chosen is not None else _not_modelled(), self.file)

    def _tensor_op(self, name: str, node: ast.Call, args: list[Value],
                   kwargs: dict[str, Value]) -> Value | None:
        """`keras.ops.<name>(...)` on symbolic tensors; None when it is not such a call."""
        rule, count = ops.OPS[name]
        operands = ops.op_inputs(args, kwargs, count)
        if operands is None or not any(isinstance(v, TensorValue) for v in operands):
            return None
        return self.program.graph.op(
            f"keras.ops.{name}", self._range(node), operands,
            lambda shapes: rule(args, kwargs, shapes), self.file)

    # -- models' methods and training --------------------------------------------------------

    def _model_method(self, model: ModelIR, name: str, node: ast.Call, args: list[Value],
                      kwargs: dict[str, Value]) -> Value:
        if name == "add":
            item = args[0] if args else kwargs.get("layer", UNKNOWN)
            at = self._entry_range(item, node.args[0] if node.args else node)
            if self._uncertain and model.region < self._region:
                # Added on some paths only: from here on the stack cannot be known (a model
                # made on the same path is there exactly when the add is).
                model.lose_track()
            self._add_entry(model, item, at)
            return Const(None)
        if name == "pop":
            # Keras rebuilds a model that has an input at each add and pop: the stack before
            # this pop was built, whatever comes after.
            self._supersede(model)
            if (self._uncertain and model.region < self._region) or not model.entries:
                model.lose_track(len(model.entries) - 1)
            else:
                model.entries.pop()
            return UNKNOWN
        if name == "build":
            shape = args[0] if args else kwargs.get("input_shape", UNKNOWN)
            shape_node = node.args[0] if node.args else node
            model.builds.append(BuildCall(self._range(node), shape, self._range(shape_node)))
            return Const(None)
        if name == "compile":
            values, nodes = _aligned_positional(node, args)
            model.compiles.append(CompileCall(
                self._range(node), kwargs,
                {k.arg: self._range(k.value) for k in node.keywords if k.arg},
                values, tuple(self._range(a) for a in nodes), file=self.file))
            return Const(None)
        if name in TRAINING_METHODS:
            self._record_training(model, name, node, args, kwargs)
            return UNKNOWN
        if name in INERT_MODEL_METHODS:
            return UNKNOWN
        model.lose_track()
        return UNKNOWN

    def _supersede(self, model: ModelIR) -> None:
        """Keep the stack about to be popped, unless an earlier one kept holds it (its
        refusals are that one's) or the model has kept enough."""
        if model.superseded:
            last = model.superseded[-1].entries
            if len(model.entries) <= len(last) and all(
                    a is b for a, b in zip(model.entries, last, strict=False)):
                return
        if len(model.superseded) < MAX_SNAPSHOTS:
            self._steps += len(model.entries)
            model.superseded.append(Snapshot(list(model.entries), model.opaque_from))

    def _record_training(self, model: ModelIR, method: str, node: ast.Call, args: list[Value],
                         kwargs: dict[str, Value]) -> None:
        if self.file is not None:
            return  # calls in other modules are checked when those modules are analysed
        method_node = node.func.attr if isinstance(node.func, ast.Attribute) else None
        method_range = (self._attribute_name_range(node.func) if method_node else
                        self._range(node.func))
        values, nodes = _aligned_positional(node, args)
        # Keras reads a DataFrame or Series as its values.
        values = tuple(data_calls.as_keras_data(v) for v in values)
        kwargs = {k: data_calls.as_keras_data(v) for k, v in kwargs.items()}
        arg_ranges = tuple(self._range(a) for a in nodes)
        value_ranges = {k.arg: self._range(k.value) for k in node.keywords if k.arg}
        fed = datasets.fed_to_training(method, values, arg_ranges, kwargs, value_ranges)
        training = TrainingCall(
            method=method, range=self._range(node), method_range=method_range,
            args=fed.args, kwargs=fed.kwargs, arg_ranges=fed.arg_ranges,
            kwarg_value_ranges=fed.kwarg_ranges,
            compiled_before=bool(model.compiles), certain=not self._uncertain,
            dataset_origin=fed.origin, dataset_batched=fed.batched)
        # A call in a loop that sees the same data at every turn says nothing new after the
        # first: recording (and paying for) each turn spent the budget of training loops.
        if any(_same_training(seen, training) for seen in model.trainings
               if seen.range == training.range):
            return
        self._steps += TRAINING_STEPS
        model.trainings.append(training)

    def _attribute_name_range(self, node: ast.expr) -> Range:
        full = self._range(node)
        assert isinstance(node, ast.Attribute)
        end = full.end
        start_char = max(end.character - len(node.attr), 0)
        return Range(type(end)(end.line, start_char), end)


def _same_training(a: TrainingCall, b: TrainingCall) -> bool:
    """The same call seeing the same values (TrainingCall compares by identity)."""
    return (a.method, a.args, a.kwargs, a.compiled_before, a.certain, a.dataset_origin,
            a.dataset_batched) == (b.method, b.args, b.kwargs, b.compiled_before, b.certain,
                                   b.dataset_origin, b.dataset_batched)


def _attribute_of_tensor(tensor: TensorValue, attr: str) -> Value:
    """`x.shape` (a tuple, None for dims Keras does not know), `x.dtype`."""
    if attr == "shape" and tensor.shape is not None:
        # A dim the engine does not know is no None to the program.
        return Seq(tuple(UNKNOWN if d is None and tensor.guessed else Const(d)
                         for d in tensor.shape))
    if attr == "dtype" and tensor.dtype is not None:
        return Const(tensor.dtype)
    return UNKNOWN


def _flat_tensors(value: Seq, depth: int = 0) -> tuple[TensorValue, ...] | None:
    """The tensors of a list, nested lists flattened (`[[out, h, c], inputs]`: Keras takes
    any nest of tensors); None when it holds anything else."""
    found: list[TensorValue] = []
    for item in value.items:
        if isinstance(item, TensorValue):
            found.append(item)
        elif isinstance(item, Seq) and depth < 8:
            inner = _flat_tensors(item, depth + 1)
            if inner is None:
                return None
            found.extend(inner)
        else:
            return None
    return tuple(found)


def _known_shape(shape: MaybeShape) -> Shape:
    if shape is None:
        raise ops.NotModelled
    return shape


def _not_modelled() -> Shape:
    raise ops.NotModelled


def _name_of(node: ast.expr | None) -> str | None:
    """The variable a tensor argument is written as, for messages."""
    return node.id if isinstance(node, ast.Name) else None


def _aligned_positional(node: ast.Call, args: list[Value]
                        ) -> tuple[tuple[Value, ...], list[ast.expr]]:
    """The positional arguments before the first `*iterable`, with their nodes: past one,
    which value sits at which position is not known (it may not have been expanded)."""
    nodes: list[ast.expr] = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            break
        nodes.append(arg)
    return tuple(args[:len(nodes)]), nodes
