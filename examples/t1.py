import tensorflow as tf
from tensorflow import keras
from keras import layers

UNITS = 64
model = keras.Sequential([
    layers.Dense(128, activation="relu", input_shape=(784,)),
    layers.Dense(UNITS * 2),
    layers.Flatten(),
])
m2 = tf.keras.models.Sequential()
m2.add(tf.keras.Input(shape=(10,)))
for u in [64, 32]:
    m2.add(layers.Dense(u))
def build(n=5):
    m = keras.Sequential([keras.Input((n,)), layers.Dense(3)])
    return m
b = build()
