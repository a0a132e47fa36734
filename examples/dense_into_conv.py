"""Broken: a Dense layer's 2-D output fed into Conv2D, which needs (batch, height, width, channels)."""

from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(128, activation="relu", input_shape=(784,)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
