"""Broken where the model meets its data: wrong feature count, a sample without its batch axis,
and a loss that silently trains to nothing."""

import numpy as np
from tensorflow import keras

model = keras.Sequential([
    keras.layers.Dense(64, activation="relu", input_shape=(100,)),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")

x = np.random.rand(1000, 200)
y = np.random.randint(0, 2, size=(1000,))
model.fit(x, y, epochs=1)

sample = np.random.rand(100)
model.predict(sample)
