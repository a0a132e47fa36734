"""Rules for what Keras refuses while building a Sequential model, layer by layer.

Layer rules (`shape_engine.layers`) raise `Refusal` with one of these; the interpreter turns
the first refusal of each model into a finding, since Keras stops at the first one too.
"""

from __future__ import annotations

from shape_engine.findings import Severity
from shape_engine.rule import Rule

INCOMPATIBLE_RANK = Rule(
    "SL101", "incompatible-input-rank", Severity.ERROR,
    "A layer receives a tensor of a rank it cannot take.",
    "Each layer checks the rank of its input when the model is built, e.g. Conv2D needs "
    "(batch, height, width, channels) and an LSTM needs (batch, timesteps, features). A Dense "
    "layer outputs (batch, units), so Dense followed by Conv2D or LSTM fails. Insert a Reshape "
    "whose target has the same number of elements, or a Flatten/pooling layer before a head.",
)

UNKNOWN_REQUIRED_DIM = Rule(
    "SL102", "undefined-required-dim", Severity.ERROR,
    "A layer needs a dimension that is not defined (None) when the model is built.",
    "Dense, BatchNormalization and others create weights sized by an input axis, so that axis "
    "must be known. Flatten over a spatial axis of size None makes the next Dense fail.",
)

NON_POSITIVE_DIM = Rule(
    "SL103", "non-positive-output-dim", Severity.ERROR,
    "Convolution, pooling or cropping shrinks a dimension to zero or below.",
    "With padding='valid' each convolution or pooling step shrinks the spatial size. Keras "
    "refuses a computed size of zero or less. Use padding='same', a smaller kernel or stride, "
    "or fewer downsampling layers.",
)

RESHAPE_SIZE_MISMATCH = Rule(
    "SL104", "reshape-size-mismatch", Severity.ERROR,
    "A Reshape target does not hold the same number of elements as its input.",
    "Reshape keeps every element: the product of the target must equal the product of the "
    "input's non-batch dims. Dense(128) into Reshape((28, 28, 1)) fails: 128 != 784.",
)

INVALID_ARGUMENT = Rule(
    "SL105", "invalid-layer-argument", Severity.ERROR,
    "Keras rejects an argument or a combination of arguments of this layer.",
    "Examples: padding='causal' outside Conv1D, strides > 1 together with dilation_rate > 1, "
    "filters or input channels not divisible by groups, a Dropout rate outside [0, 1], an "
    "unknown padding mode (padding names are case-sensitive), batch_input_shape on a layer. "
    "Keras 1's keywords too, refused by tf.keras 2 and Keras 3 alike (observed on TensorFlow "
    "2.21): init (kernel_initializer), output_dim (units), nb_filter (filters), border_mode "
    "(padding), subsample (strides), nb_row/nb_col (kernel_size), filter_length, pool_length, "
    "stride, dim_ordering (data_format), W_/b_regularizer and W_/b_constraint, bias "
    "(use_bias), inner_init, inner_activation, dropout_W/dropout_U, Dropout(p=) (rate), and "
    "an optimizer's lr (learning_rate) given to compile(), which tf.keras 2 still took; the "
    "fix writes the modern keyword. With keras-version \"2\", tf.keras 2 takes "
    "batch_input_shape, input_shape next to input_dim, Input(5) for Input((5,)), pooling "
    "padding in capitals and "
    "AveragePooling without a pool_size, which Keras 3 refuses.",
)

SECOND_INPUT = Rule(
    "SL106", "second-input", Severity.ERROR,
    "A Sequential model gets a second Input after its first layer.",
    "A Sequential model has exactly one input. An Input or InputLayer anywhere but first "
    "is refused.",
)

MULTI_INPUT_LAYER = Rule(
    "SL107", "multi-input-layer-in-sequential", Severity.ERROR,
    "A layer that needs several inputs (Add, Concatenate, attention) is used in a Sequential.",
    "Each layer of a Sequential model receives exactly one tensor, the previous layer's "
    "output. Merge and attention layers need a list of tensors: use the functional API.",
)

MULTIPLE_OUTPUTS = Rule(
    "SL108", "multiple-outputs-feed-layer", Severity.ERROR,
    "A layer that returns several tensors (return_state=True) feeds the next layer.",
    "With return_state=True a recurrent layer returns [output, state...], and so does "
    "Bidirectional with merge_mode=None. The next layer of a Sequential takes one tensor, "
    "not a list (a merge layer aside, when the tensors in the list can be merged). With "
    "keras-version \"2\": tf.keras 2 refuses such a layer as soon as it is added, even "
    "last or before a Dropout (Keras 3 builds those).",
)

INCOMPATIBLE_DIM = Rule(
    "SL109", "incompatible-input-dim", Severity.ERROR,
    "A layer receives an input whose fixed axis has the wrong size.",
    "Some layers fix an axis of their input when they are built (a nested model with a "
    "declared input, for example: Keras compares the axes it declared, a last axis of size 1 "
    "aside). A different size on that axis is refused.",
)

UNMERGEABLE_INPUTS = Rule(
    "SL110", "unmergeable-inputs", Severity.ERROR,
    "A merge layer receives tensors whose shapes it cannot combine.",
    "Add, Subtract, Multiply, Average, Maximum and Minimum broadcast their inputs (batch axis "
    "aside): two sizes that differ must include a 1. Concatenate needs the same shape on "
    "every axis but its own `axis`, Dot the same size on the two axes it multiplies. Project "
    "one branch first (a 1x1 Conv2D or a Dense to the other's channels), or concatenate "
    "along the axis where the sizes differ.",
)

DISCONNECTED_GRAPH = Rule(
    "SL111", "disconnected-graph", Severity.ERROR,
    "A functional model's outputs are not computed from the inputs it is given.",
    "keras.Model(inputs, outputs) follows the outputs back to Input tensors; every Input "
    "found on the way must be among `inputs`, or Keras refuses the model (\"Output ... is "
    "not connected to inputs\"). Pass every Input the outputs depend on.",
)

WRONG_INPUT_COUNT = Rule(
    "SL112", "wrong-number-of-inputs", Severity.ERROR,
    "A layer is called on a list of tensors it cannot take, or a merge layer on one tensor.",
    "Most layers take one tensor: a list (the outputs of return_state=True, a list of "
    "branches) must be merged first (Concatenate, Add) or indexed. Merge layers take a list "
    "of at least two tensors: `layers.Add()([a, b])`, not `layers.Add()(a)`.",
)

INVALID_TENSOR_OP = Rule(
    "SL113", "invalid-tensor-op", Severity.ERROR,
    "An operation on symbolic tensors is refused for their shapes.",
    "Arithmetic between tensors broadcasts as NumPy does (sizes that differ must include a "
    "1); keras.ops.concatenate needs equal sizes off its axis, reshape the same number of "
    "elements, squeeze an axis of size 1, matmul matching inner sizes. Keras checks these "
    "when the op is applied to the symbolic tensors of a functional model.",
)
