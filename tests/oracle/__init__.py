"""Real TensorFlow as the judge: run test programs in a TF worker process and read the verdict."""

from tests.oracle.client import Oracle, OracleCall, OracleModel, OracleResult, OracleTensor

__all__ = ["Oracle", "OracleCall", "OracleModel", "OracleResult", "OracleTensor"]
