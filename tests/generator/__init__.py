"""Random Sequential models, written as source text, checked against real TensorFlow."""
