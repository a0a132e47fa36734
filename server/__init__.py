"""Shapelens' language server: a thin pygls adapter over `shape_engine`."""
