"""Keras objects as the program builds them: symbolic tensors, the calls that make them
(layer calls, Input, ops) and functional models over them."""
