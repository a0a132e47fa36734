"""A correct convolutional classifier for MNIST: Shapelens reports nothing here."""

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)

model = keras.Sequential(
    [
        keras.Input(shape=INPUT_SHAPE),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ]
)
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

x_train = np.random.rand(256, 28, 28, 1).astype("float32")
y_train = keras.utils.to_categorical(np.random.randint(0, NUM_CLASSES, size=(256,)), NUM_CLASSES)
model.fit(x_train, y_train, batch_size=64, epochs=1, validation_split=0.1)
