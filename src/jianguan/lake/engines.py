"""Analytics engines: the same Ibis expressions executed by DuckDB (in-process, the default) or by
Apache Spark (``local[*]`` in tests, a cluster master URL in production).

Nothing is downloaded at run time: DuckDB runs without extensions, and Spark reads Delta tables as
the Parquet files listed in the table's transaction log (``deltalake``), so no Delta jars are needed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
from django.conf import settings

if TYPE_CHECKING:
    from ibis.backends import BaseBackend
    from pyspark.sql import SparkSession

ENGINES = ("duckdb", "spark")

_spark_lock = threading.Lock()
_spark: SparkSession | None = None


class UnknownEngine(ValueError):
    pass


def engine_name(engine: str | None = None) -> str:
    name = (engine or settings.ANALYTICS_ENGINE).lower()
    if name not in ENGINES:
        raise UnknownEngine(f"unknown analytics engine {name!r}; choose one of {', '.join(ENGINES)}")
    return name


def spark_session() -> SparkSession:
    """One Spark session per process, configured for this platform (no UI, UTC, quiet)."""
    global _spark
    with _spark_lock:
        if _spark is None:
            from pyspark.sql import SparkSession

            builder = (
                SparkSession.builder.master(settings.SPARK_MASTER)
                .appName("jianguan")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
                .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
                .config("spark.sql.ansi.enabled", "false")
                # Partition values stay strings, as DuckDB reads them: same types on both engines.
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            )
            _spark = builder.getOrCreate()
            _spark.sparkContext.setLogLevel("ERROR")
        return _spark


def spark_stop() -> None:
    """Stop the shared Spark session, if one was started (end of a test run, end of a job)."""
    global _spark
    with _spark_lock:
        if _spark is not None:
            _spark.stop()
            _spark = None


def connect(engine: str | None = None, *, threads: int | None = None) -> BaseBackend:
    """A backend to run Ibis expressions: a fresh in-memory DuckDB, or the shared Spark session."""
    name = engine_name(engine)
    if name == "duckdb":
        config = {"threads": threads} if threads else {}
        backend = ibis.duckdb.connect(**config)
        # DuckDB 2.0 trusts the float statistics Arrow writes into Parquet and folds isnan() and range
        # checks to false, letting NaN slip through validation (duckdb#25521); never trust them.
        backend.raw_sql("SET parquet_can_have_nan = true")
        return backend
    return ibis.pyspark.connect(spark_session())


def read_file(backend: BaseBackend, path: str | Path, *, table_name: str | None = None) -> ibis.Table:
    """A CSV or Parquet file (or a folder of Parquet files) as an Ibis table on the backend."""
    text = str(path)
    suffix = Path(text).suffix.lower()
    if suffix == ".csv":
        if backend.name == "pyspark":
            return backend.read_csv(text, table_name=table_name, header=True, inferSchema=True)
        return backend.read_csv(text, table_name=table_name)
    if suffix in {".parquet", ".pq"} or Path(text).is_dir():
        return backend.read_parquet(text, table_name=table_name)
    raise ValueError(f"cannot read {text}: expected .csv or .parquet")


def delta_files(uri: str, *, version: int | None = None) -> tuple[list[str], list[str]]:
    """The Parquet files making up a Delta table's snapshot, and its partition columns."""
    from deltalake import DeltaTable

    table = DeltaTable(uri, version=version)
    return list(table.file_uris()), list(table.metadata().partition_columns)


def read_delta(
    backend: BaseBackend, uri: str | Path, *, version: int | None = None, table_name: str | None = None
) -> ibis.Table:
    """A Delta table's snapshot as an Ibis table, partition columns restored from the file paths.

    Partition values come back as strings on both engines (cast them in the job when needed), so the
    same expression gives the same answer on DuckDB and Spark.
    """
    root = str(uri)
    files, partitions = delta_files(root, version=version)
    if not files:
        raise ValueError(f"Delta table {root} has no data files")
    if backend.name == "pyspark":
        session = backend._session  # the Spark session behind the Ibis backend
        frame = session.read.option("basePath", root).parquet(*files)
        name = table_name or _temp_name()
        frame.createOrReplaceTempView(name)
        return backend.table(name)
    return backend.read_parquet(
        files, table_name=table_name, hive_partitioning=bool(partitions), hive_types_autocast=False
    )


_counter = 0


def _temp_name() -> str:
    global _counter
    _counter += 1
    return f"jianguan_delta_{_counter}"


def execute(expr: ibis.Expr, backend: BaseBackend | None = None) -> Any:
    """Run an expression and return pandas objects (DataFrame, Series or scalar)."""
    return (backend or expr._find_backend()).execute(expr)


def same_result_columns(frame: Any, columns: Sequence[str]) -> Any:
    """Rows sorted by the given columns with a clean index: how parity tests compare engines."""
    return frame.sort_values(list(columns)).reset_index(drop=True)
