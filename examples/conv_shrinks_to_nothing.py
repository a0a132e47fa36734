"""Broken: three valid 5x5 convolutions and two poolings shrink a 16x16 image below zero."""

import tensorflow as tf

IMG_SIZE = (16, 16)

model = tf.keras.models.Sequential()
model.add(tf.keras.layers.InputLayer(shape=IMG_SIZE + (3,)))
for filters in [16, 32, 64]:
    model.add(tf.keras.layers.Conv2D(filters, 5))
    model.add(tf.keras.layers.MaxPooling2D())
model.add(tf.keras.layers.GlobalAveragePooling2D())
model.add(tf.keras.layers.Dense(2))
