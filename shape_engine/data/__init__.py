"""Data the program reads or builds outside numpy: files named by a literal path, pandas
frames, sklearn's encoders."""
