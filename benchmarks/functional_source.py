"""Deterministic realistic Keras scripts for the functional-API benchmarks.

`functional_script(lines)` writes a training script of functional models as users write
them: ResNet blocks, a small UNet with skip connections, transformer encoder blocks with
MultiHeadAttention, a two-input model, each built by helper functions that take and return
tensors, then compiled and fitted on numpy data, among plain code unrelated to Keras.

`keras_folder(count)` writes the files of a project folder: a mix of Sequential scripts
(`engine_speed.generate`), functional scripts and notebook-style scripts (top-level cells,
no functions, `# %%` markers), 100 to 600 lines each.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_speed import HEADER, _plain_code, generate


def _resnet(rng: random.Random, index: int) -> list[str]:
    filters = rng.choice([16, 32, 64])
    size = rng.choice([32, 64])
    return [
        f"def conv_bn_{index}(x, filters, kernel_size=3, strides=1):",
        '    """Convolution, batch normalisation and ReLU, the ResNet way."""',
        '    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same",',
        "                      use_bias=False)(x)",
        "    x = layers.BatchNormalization()(x)",
        '    return layers.Activation("relu")(x)',
        "",
        "",
        f"def residual_block_{index}(x, filters, strides=1):",
        "    shortcut = x",
        f"    x = conv_bn_{index}(x, filters, strides=strides)",
        '    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)',
        "    x = layers.BatchNormalization()(x)",
        "    if strides != 1 or shortcut.shape[-1] != filters:",
        "        # Project the shortcut so that it can be added to the block's output.",
        "        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(shortcut)",
        "        shortcut = layers.BatchNormalization()(shortcut)",
        "    x = layers.Add()([x, shortcut])",
        '    return layers.Activation("relu")(x)',
        "",
        "",
        f"def build_resnet_{index}(num_classes=NUM_CLASSES):",
        f"    inputs = keras.Input(shape=({size}, {size}, 3))",
        f"    x = conv_bn_{index}(inputs, {filters})",
        f"    x = residual_block_{index}(x, {filters})",
        f"    x = residual_block_{index}(x, {filters * 2}, strides=2)",
        f"    x = residual_block_{index}(x, {filters * 4}, strides=2)",
        "    x = layers.GlobalAveragePooling2D()(x)",
        f"    x = layers.Dropout({rng.choice([0.2, 0.3, 0.5])})(x)",
        '    outputs = layers.Dense(num_classes, activation="softmax")(x)',
        f'    return keras.Model(inputs, outputs, name="resnet_{index}")',
        "",
        "",
        f"resnet_{index} = build_resnet_{index}()",
        f'resnet_{index}.compile(optimizer="adam", loss="sparse_categorical_crossentropy",',
        '                 metrics=["accuracy"])',
        f"images_{index} = np.random.rand(64, {size}, {size}, 3).astype(\"float32\")",
        f"classes_{index} = np.random.randint(0, NUM_CLASSES, size=(64,))",
        f"resnet_{index}.fit(images_{index}, classes_{index}, epochs=EPOCHS, "
        "batch_size=BATCH_SIZE)",
        "",
    ]


def _unet(rng: random.Random, index: int) -> list[str]:
    base = rng.choice([8, 16, 32])
    size = rng.choice([64, 128])
    return [
        f"def down_{index}(x, filters):",
        '    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)',
        '    skip = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)',
        "    return layers.MaxPooling2D(2)(skip), skip",
        "",
        "",
        f"def up_{index}(x, skip, filters):",
        '    x = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(x)',
        "    x = layers.Concatenate()([x, skip])",
        '    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)',
        '    return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)',
        "",
        "",
        f"def build_unet_{index}():",
        f"    inputs = keras.Input(shape=({size}, {size}, 1))",
        f"    x1, s1 = down_{index}(inputs, {base})",
        f"    x2, s2 = down_{index}(x1, {base * 2})",
        f"    x3, s3 = down_{index}(x2, {base * 4})",
        f'    bottom = layers.Conv2D({base * 8}, 3, padding="same", activation="relu")(x3)',
        f"    u3 = up_{index}(bottom, s3, {base * 4})",
        f"    u2 = up_{index}(u3, s2, {base * 2})",
        f"    u1 = up_{index}(u2, s1, {base})",
        '    mask = layers.Conv2D(1, 1, activation="sigmoid")(u1)',
        f'    return keras.Model(inputs=inputs, outputs=mask, name="unet_{index}")',
        "",
        "",
        f"unet_{index} = build_unet_{index}()",
        f'unet_{index}.compile(optimizer=keras.optimizers.Adam(1e-4), loss="binary_crossentropy")',
        f"scans_{index} = np.random.rand(16, {size}, {size}, 1)",
        f"masks_{index} = np.random.randint(0, 2, size=(16, {size}, {size}, 1))",
        f"unet_{index}.fit(scans_{index}, masks_{index}, epochs=1, batch_size=4)",
        "",
    ]


def _attention(rng: random.Random, index: int) -> list[str]:
    dim = rng.choice([32, 64, 128])
    heads = rng.choice([2, 4])
    steps = rng.choice([50, 100, 200])
    return [
        f"def encoder_block_{index}(x, heads={heads}, ff_dim={dim * 2}, rate=0.1):",
        '    """Self-attention and a feed-forward network, each with a residual and a norm."""',
        "    attention = layers.MultiHeadAttention(num_heads=heads, key_dim=x.shape[-1] // heads)",
        "    attended = attention(x, x)",
        "    attended = layers.Dropout(rate)(attended)",
        "    x = layers.LayerNormalization(epsilon=1e-6)(x + attended)",
        '    hidden = layers.Dense(ff_dim, activation="relu")(x)',
        "    hidden = layers.Dense(x.shape[-1])(hidden)",
        "    hidden = layers.Dropout(rate)(hidden)",
        "    return layers.LayerNormalization(epsilon=1e-6)(x + hidden)",
        "",
        "",
        f"tokens_in_{index} = keras.Input(shape=({steps},), dtype=\"int32\")",
        f"embedded_{index} = layers.Embedding(VOCAB, {dim})(tokens_in_{index})",
        f"encoded_{index} = encoder_block_{index}(embedded_{index})",
        f"encoded_{index} = encoder_block_{index}(encoded_{index})",
        f"pooled_{index} = layers.GlobalAveragePooling1D()(encoded_{index})",
        f"pooled_{index} = layers.Dropout(0.1)(pooled_{index})",
        f'sentiment_{index} = layers.Dense(2, activation="softmax")(pooled_{index})',
        f"transformer_{index} = keras.Model(tokens_in_{index}, sentiment_{index})",
        f'transformer_{index}.compile("adam", "sparse_categorical_crossentropy", '
        'metrics=["accuracy"])',
        f"reviews_{index} = np.random.randint(0, VOCAB, size=(128, {steps}))",
        f"stars_{index} = np.random.randint(0, 2, size=(128,))",
        f"transformer_{index}.fit(reviews_{index}, stars_{index}, batch_size=32, epochs=2,",
        f"                  validation_data=(reviews_{index}, stars_{index}))",
        "",
    ]


def _two_inputs(rng: random.Random, index: int) -> list[str]:
    features = rng.choice([8, 12, 20])
    return [
        f"# Two inputs: an image and a table of {features} features, joined before the head.",
        f"picture_{index} = keras.Input(shape=(32, 32, 3), name=\"picture_{index}\")",
        f"table_in_{index} = keras.Input(shape=({features},), name=\"table_{index}\")",
        f'seen_{index} = layers.Conv2D(16, 3, activation="relu")(picture_{index})',
        f"seen_{index} = layers.MaxPooling2D()(seen_{index})",
        f"seen_{index} = layers.Flatten()(seen_{index})",
        f'read_{index} = layers.Dense(32, activation="relu")(table_in_{index})',
        f"joined_{index} = layers.concatenate([seen_{index}, read_{index}])",
        f'score_{index} = layers.Dense(1, activation="sigmoid", name="score_{index}")'
        f"(joined_{index})",
        f"fusion_{index} = keras.Model([picture_{index}, table_in_{index}], score_{index})",
        f'fusion_{index}.compile(optimizer="rmsprop", loss="binary_crossentropy")',
        f"fusion_{index}.fit([np.random.rand(64, 32, 32, 3), np.random.rand(64, {features})],",
        "             np.random.randint(0, 2, size=(64, 1)), epochs=1)",
        "",
    ]


FUNCTIONAL_BLOCKS: list[Callable[[random.Random, int], list[str]]] = [
    _resnet, _unet, _attention, _two_inputs]


def functional_script(lines_wanted: int = 1000, seed: int = 0) -> str:
    """A script of functional models (ResNet, UNet, attention, two inputs) and plain code."""
    rng = random.Random(seed)
    lines = HEADER.splitlines()
    index = 0
    while len(lines) < lines_wanted:
        lines += [f"# ---- experiment {index} " + "-" * 60, ""]
        lines += FUNCTIONAL_BLOCKS[index % len(FUNCTIONAL_BLOCKS)](rng, index)
        if index % 2:
            lines += _plain_code(rng, index)
        index += 1
    return "\n".join(lines) + "\n"


def notebook_script(lines_wanted: int, seed: int = 0) -> str:
    """A notebook exported as a script: cells of top-level code, one model built inline."""
    rng = random.Random(seed)
    lines = ['# %% [markdown]', '# Exploration notebook (exported as a script)', "", "# %%",
             *HEADER.splitlines()[3:13], ""]
    index = 0
    while len(lines) < lines_wanted:
        body = FUNCTIONAL_BLOCKS[index % len(FUNCTIONAL_BLOCKS)](rng, index)
        lines += ["# %%"]
        # Notebook cells rarely define functions: keep the blocks without them.
        lines += body if not body[0].startswith("def ") else _flat_cnn(rng, index)
        lines += ["# %%", f"print('cell {index} done')", ""]
        index += 1
    return "\n".join(lines) + "\n"


def _flat_cnn(rng: random.Random, index: int) -> list[str]:
    width = rng.choice([28, 32])
    return [
        f"inputs = keras.Input(shape=({width}, {width}, 1))",
        'x = layers.Conv2D(32, 3, activation="relu")(inputs)',
        "x = layers.MaxPooling2D()(x)",
        'x = layers.Conv2D(64, 3, activation="relu")(x)',
        "x = layers.MaxPooling2D()(x)",
        "x = layers.Flatten()(x)",
        f'outputs = layers.Dense({rng.choice([10, 26])}, activation="softmax")(x)',
        f"model = keras.Model(inputs, outputs, name=\"cell_model_{index}\")",
        "model.summary()",
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")',
        f"x_train = np.random.rand(100, {width}, {width}, 1)",
        "y_train = np.random.randint(0, 10, size=(100,))",
        "model.fit(x_train, y_train, epochs=1)",
        "",
    ]


def keras_folder(root: Path, count: int = 300, seed: int = 0) -> list[Path]:
    """`count` files in `root`: Sequential, functional and notebook-style scripts in turn."""
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        size = rng.randint(100, 600)
        kind = number % 3
        if kind == 0:
            text = generate(max(1, size // 50), size, seed=number)
        elif kind == 1:
            text = functional_script(size, seed=number)
        else:
            text = notebook_script(size, seed=number)
        path = root / f"{['sequential', 'functional', 'notebook'][kind]}_{number:03d}.py"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
