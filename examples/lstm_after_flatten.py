"""Broken: Flatten removes the time axis, so the second LSTM gets a 2-D tensor."""

import keras

model = keras.Sequential()
model.add(keras.Input(shape=(50, 8)))
model.add(keras.layers.LSTM(32, return_sequences=True))
model.add(keras.layers.Flatten())
model.add(keras.layers.LSTM(16))
model.add(keras.layers.Dense(1))
