"""Reading and checking specimen-group files (CSV or Parquet) for the analytics jobs.

Every column is read as it is typed and converted in the engine, so a non-numeric strength in row
9,000,001 is reported as such (with its row) instead of breaking the reader or turning silently into
NULL. The checks run in the same pass as the evaluation (a count per batch); only when something is
wrong does :func:`locate_problems` scan the file again, in a single-threaded DuckDB that numbers the
rows, to name the first offending rows and columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jianguan.concrete.domain import (
    GRADES,
    HALF_UP,
    HIGH_STRENGTH_FK,
    MAX_GROUPS_PER_BATCH,
    SIZE_FACTORS,
    STRENGTH_RANGE,
)
from jianguan.core.errors import ApplicationError
from jianguan.lake import engines

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

REQUIRED_COLUMNS = ("batch_id", "grade", "group_id", "size_mm", "f1", "f2", "f3")
OPTIONAL_COLUMNS = ("sigma0", "size_factor")
STRENGTH_COLUMNS = ("f1", "f2", "f3")
ROW = "_row"

CANNOT_READ = _("Cannot read %(path)s: %(reason)s")
NOT_A_TABLE_FILE = _("expected a .csv or .parquet file")
MISSING_COLUMNS = _("%(path)s lacks the required column(s) %(columns)s (required: %(required)s).")
INPUT_INVALID = _("%(path)s has invalid data (%(count)s problem(s) shown):")

PROBLEMS = {
    "empty": _("%(column)s is empty"),
    "not_a_number": _("%(column)s = %(value)s is not a number"),
    "strength_range": _("%(column)s = %(value)s is not a cube strength between 0 and 200 MPa"),
    "unknown_grade": _("grade %(value)s is unknown (expected C10 to C100 in steps of 5, e.g. C30)"),
    "unknown_size": _("size_mm = %(value)s is not a cube size (100, 150 or 200)"),
    "sigma0_range": _("sigma0 = %(value)s is not a standard deviation between 0 and 50 MPa"),
    "size_factor_range": _("size_factor = %(value)s is implausible (expected 0.80 to 1.20)"),
    "size_factor_required": _(
        "from C60, 100 and 200 mm cubes need a size_factor determined by tests (GB/T 50107-2010 §4.3.2)"
    ),
    "size_factor_fixed": _("size_factor = %(value)s, but below C60 the standard fixes 0.95 (100 mm) and 1.05 (200 mm)"),
    "mixed_grades": _("the batch mixes grades %(value)s"),
    "mixed_sigma0": _("the batch's rows give different sigma0 values (%(value)s); give one value on every row"),
    "duplicate_group": _("group %(value)s appears more than once in the batch"),
    "batch_too_large": _("the batch has %(value)s groups; an inspection lot has at most %(maximum)s"),
    "invalid": _("the row cannot be evaluated"),
}
ROW_LOCATION = _("row %(row)s (batch %(batch)s, group %(group)s)")
BATCH_LOCATION = _("batch %(batch)s (first at row %(row)s)")
PROBLEM_LINE = _("%(where)s: %(what)s")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located by row and batch/group.

    Rows are numbered as a spreadsheet shows them: in a CSV the header is row 1 (the first data row
    is row 2), as ``jianguan bidding screen`` numbers them; in Parquet the first record is row 1.
    """

    code: str
    row: int | None
    batch_id: str | None
    group_id: str | None = None
    column: str | None = None
    value: str | None = None

    def render(self, language: str | None = None) -> str:
        with translation.override(language):
            where = str(BATCH_LOCATION if self.code in BATCH_PROBLEMS else ROW_LOCATION) % {
                "row": self.row if self.row is not None else "?",
                "batch": self.batch_id or "—",
                "group": self.group_id or "—",
            }
            what = str(PROBLEMS[self.code]) % {
                "column": self.column or "",
                "value": "—" if self.value is None else repr(self.value) if self.code == "not_a_number" else self.value,
                "maximum": MAX_GROUPS_PER_BATCH,
            }
            return str(PROBLEM_LINE) % {"where": where, "what": what}

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "row": self.row,
            "batch_id": self.batch_id,
            "group_id": self.group_id,
            "column": self.column,
            "value": self.value,
        }


BATCH_PROBLEMS = {"mixed_grades", "mixed_sigma0", "duplicate_group", "batch_too_large"}


class InputInvalid(ApplicationError):
    """The input file cannot be evaluated: which rows and columns are wrong, and how."""

    code = "concrete_input_invalid"
    status = 400

    def __init__(self, *, path: str | Path, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            INPUT_INVALID,
            path=Path(path).name,
            count=len(self.problems),
            extra={"problems": [problem.as_dict() for problem in self.problems]},
        )

    def render(self, language: str | None = None) -> str:
        head = super().render(language)
        return "\n".join([head, *(f"  - {problem.render(language)}" for problem in self.problems)])


class InputUnreadable(ApplicationError):
    code = "concrete_input_unreadable"
    status = 400


class MissingColumns(ApplicationError):
    code = "concrete_input_invalid"
    status = 400


# -- reading -----------------------------------------------------------------------------------------


def connect(engine: str | None = None, *, threads: int | None = None) -> BaseBackend:
    """An engine for the concrete jobs.

    On DuckDB, Parquet float statistics are not trusted to rule out NaN (``parquet_can_have_nan``):
    Arrow-written files leave NaN out of min/max, and DuckDB 2.0 would otherwise fold ``isnan(x)`` and
    ``x >= 200`` to false and let a NaN strength through (duckdb/duckdb#25521).
    """
    backend = engines.connect(engine, threads=threads)
    if backend.name == "duckdb":
        backend.raw_sql("SET parquet_can_have_nan = true")
    return backend


def open_input(backend: BaseBackend, path: str | Path, *, row_numbers: bool = False) -> ibis.Table:
    """The file as an Ibis table with lower-case column names; CSV columns stay text.

    ``row_numbers`` (DuckDB only, used to locate problems) adds ``_row``, numbered as a spreadsheet
    shows the file (see :class:`Problem`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputUnreadable(CANNOT_READ, path=path, reason="no such file")
    if suffix not in {".csv", ".parquet", ".pq"} and not path.is_dir():
        raise InputUnreadable(CANNOT_READ, path=path, reason=NOT_A_TABLE_FILE)
    try:
        if row_numbers:
            table = _numbered(backend, path, csv=suffix == ".csv")
        elif suffix == ".csv" and backend.name == "pyspark":
            table = backend.read_csv(str(path), header=True, inferSchema=False)
        elif suffix == ".csv":
            table = backend.read_csv(str(path), all_varchar=True, header=True)
        else:
            table = engines.read_file(backend, path)
    except ApplicationError:
        raise
    except Exception as exc:  # the reader's own message says what is wrong with the file
        raise InputUnreadable(CANNOT_READ, path=path.name, reason=str(exc).splitlines()[0]) from exc
    renames = {name.strip().lower(): name for name in table.columns if name != name.strip().lower()}
    if renames:
        table = table.rename(renames)
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise MissingColumns(
            MISSING_COLUMNS,
            path=path.name,
            columns=", ".join(missing),
            required=", ".join(REQUIRED_COLUMNS),
            extra={"missing_columns": missing},
        )
    return table


def _numbered(backend: BaseBackend, path: Path, *, csv: bool) -> ibis.Table:
    """A DuckDB view of the file with the data rows numbered in file order (one thread keeps order)."""
    name = f"numbered_{abs(hash(str(path)))}"
    quoted = str(path).replace("'", "''")
    if csv:
        source = f"read_csv('{quoted}', all_varchar = true, header = true, parallel = false)"
        backend.raw_sql(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT row_number() OVER () + 1 AS {ROW}, * FROM {source}"  # noqa: S608
        )
    else:
        backend.raw_sql(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT file_row_number + 1 AS {ROW}, * EXCLUDE (file_row_number) "  # noqa: S608
            f"FROM read_parquet('{quoted}', file_row_number = true)"
        )
    return backend.table(name)


# -- typing and row checks -----------------------------------------------------------------------------


def _text(column: ibis.Value) -> ibis.StringValue:
    if column.type().is_string():
        return column.strip()
    return column.cast("string")


def _number(column: ibis.Value) -> ibis.FloatingValue:
    if column.type().is_numeric():
        return column.cast("float64")
    return column.cast("string").strip().try_cast("float64")


def _given(column: ibis.Value) -> ibis.BooleanValue:
    """Whether a cell holds anything: not NULL, and for text not blank (typed columns cost no cast)."""
    if column.type().is_string():
        return column.notnull() & (column.strip() != "")
    return column.notnull()


def typed(table: ibis.Table) -> ibis.Table:
    """Typed, derived columns beside the raw ones, and a flag for any row problem.

    Adds: ``b`` (batch id), ``g`` (group id), ``fk`` (fcu,k or NULL), ``size`` (mm), ``x1..x3``
    (strengths, float), ``sigma0_given``/``sigma0_num``, ``factor_given``/``factor_num``, ``bad``.
    """
    grade = _text(table.grade).upper()
    has_sigma0 = "sigma0" in table.columns
    has_factor = "size_factor" in table.columns
    t = table.mutate(
        b=_text(table.batch_id),
        g=_text(table.group_id),
        fk=ibis.ifelse(grade.isin(list(GRADES)), grade.substr(1).try_cast("int64"), ibis.null("int64")),
        size=_number(table.size_mm),
        x1=_number(table.f1),
        x2=_number(table.f2),
        x3=_number(table.f3),
        sigma0_given=_given(table.sigma0) if has_sigma0 else ibis.literal(False),
        sigma0_num=_number(table.sigma0) if has_sigma0 else ibis.null("float64"),
        factor_given=_given(table.size_factor) if has_factor else ibis.literal(False),
        factor_num=_number(table.size_factor) if has_factor else ibis.null("float64"),
    )
    return t.mutate(bad=_any_problem(t))


def _out_of_range(x: ibis.FloatingValue, low: float, high: float, *, inclusive: bool = False) -> ibis.BooleanValue:
    if inclusive:
        return x.isnan() | (x < low) | (x > high)
    return x.isnan() | (x <= low) | (x >= high)


def _factor_hundredths(x: ibis.FloatingValue) -> ibis.IntegerValue:
    # clamped first: a NaN or huge factor must not break the cast (it is reported as out of range)
    return (ibis.least(ibis.greatest(x, 0.0), 100.0) * 100 + HALF_UP).floor().cast("int64")


def _optional_text(t: ibis.Table, name: str) -> ibis.Value:
    return _text(t[name]) if name in t.columns else ibis.null("string")


def _row_checks(t: ibis.Table) -> list[tuple[ibis.BooleanValue, str, str, ibis.Value]]:
    """(failing condition, problem code, column, offending value) in the order they are reported.

    The values are only computed when problems are located; the conditions run on every row.
    """
    low, high = STRENGTH_RANGE
    size_ok = t.size.isin([float(size) for size in SIZE_FACTORS])
    high_odd_size = ((t.fk >= HIGH_STRENGTH_FK) & (t.size != 150)).fill_null(False)
    standard = ibis.cases((t.size == 100, 95), (t.size == 200, 105), else_=100)
    checks: list[tuple[ibis.BooleanValue, str, str, ibis.Value]] = [
        (t.b.isnull() | (t.b == ""), "empty", "batch_id", t.b),
        (t.g.isnull() | (t.g == ""), "empty", "group_id", t.g),
        (t.fk.isnull(), "unknown_grade", "grade", _text(t.grade)),
        (~size_ok.fill_null(False), "unknown_size", "size_mm", _text(t.size_mm)),
    ]
    for name, x in (("f1", t.x1), ("f2", t.x2), ("f3", t.x3)):
        given = _given(t[name])
        checks.append((~given, "empty", name, _text(t[name])))
        checks.append((given & x.isnull(), "not_a_number", name, _text(t[name])))
        checks.append((x.notnull() & _out_of_range(x, low, high), "strength_range", name, _text(t[name])))
    checks += [
        (
            t.sigma0_given & (t.sigma0_num.isnull() | _out_of_range(t.sigma0_num, 0, 50)),
            "sigma0_range",
            "sigma0",
            _optional_text(t, "sigma0"),
        ),
        (
            t.factor_given & (t.factor_num.isnull() | _out_of_range(t.factor_num, 0.8, 1.2, inclusive=True)),
            "size_factor_range",
            "size_factor",
            _optional_text(t, "size_factor"),
        ),
        (high_odd_size & ~t.factor_given, "size_factor_required", "size_factor", ibis.null("string")),
        (
            t.factor_given & ~high_odd_size & (_factor_hundredths(t.factor_num) != standard),
            "size_factor_fixed",
            "size_factor",
            _optional_text(t, "size_factor"),
        ),
    ]
    return checks


def _any_problem(t: ibis.Table) -> ibis.BooleanValue:
    """Any row check failing, as one cheap expression: the same union as :func:`_row_checks`."""
    low, high = STRENGTH_RANGE
    strengths_bad = [x.isnull() | _out_of_range(x, low, high) for x in (t.x1, t.x2, t.x3)]
    high_odd_size = ((t.fk >= HIGH_STRENGTH_FK) & (t.size != 150)).fill_null(False)
    standard = ibis.cases((t.size == 100, 95), (t.size == 200, 105), else_=100)
    conditions = [
        t.b.isnull() | (t.b == ""),
        t.g.isnull() | (t.g == ""),
        t.fk.isnull(),
        ~t.size.isin([float(size) for size in SIZE_FACTORS]).fill_null(False),
        *strengths_bad,
        t.sigma0_given & (t.sigma0_num.isnull() | _out_of_range(t.sigma0_num, 0, 50)),
        t.factor_given & (t.factor_num.isnull() | _out_of_range(t.factor_num, 0.8, 1.2, inclusive=True)),
        high_odd_size & ~t.factor_given,
        t.factor_given & ~high_odd_size & (_factor_hundredths(t.factor_num) != standard),
    ]
    result = conditions[0].fill_null(True)
    for condition in conditions[1:]:
        result = result | condition.fill_null(True)
    return result


def batch_problem_flags(aggregated: ibis.Table) -> ibis.BooleanValue:
    """Whether a batch (aggregated by the evaluation) has any problem at all."""
    a = aggregated
    return (
        (a.bad_rows > 0)
        | (a.fk_min != a.fk_max)
        | ((a.sigma0_count > 0) & ((a.sigma0_count != a.n_total) | (a.sigma0_min != a.sigma0_max)))
        | (a.n_total > MAX_GROUPS_PER_BATCH)
    )


# -- locating problems -----------------------------------------------------------------------------------


def locate_problems(path: str | Path, *, limit: int = 20) -> list[Problem]:
    """The first problems of the file in row order (a DuckDB scan with numbered rows)."""
    backend = connect("duckdb", threads=1)
    table = typed(open_input(backend, path, row_numbers=True))
    problems: list[Problem] = []

    checks = _row_checks(table)
    code = ibis.cases(*[(condition.fill_null(False), code) for condition, code, _, _ in checks], else_="invalid")
    column = ibis.cases(*[(condition.fill_null(False), name) for condition, _, name, _ in checks])
    value = ibis.cases(*[(condition.fill_null(False), raw.cast("string")) for condition, _, _, raw in checks])
    rows = (
        table.filter(table.bad)
        .select(ROW, "b", "g", code=code, column=column, value=value)
        .order_by(ROW)
        .limit(limit)
        .to_pyarrow()
        .to_pylist()
    )
    problems += [Problem(row["code"], row[ROW], row["b"], row["g"], row["column"], row["value"]) for row in rows]

    # batch checks look at every row whose own value is usable, bad rows included
    known = table.filter(table.b.notnull() & (table.b != ""))
    batches = known.group_by("b").aggregate(
        row=known[ROW].min(),
        n_total=known.count(),
        grades=known.grade.cast("string").strip().upper().collect(where=known.fk.notnull(), distinct=True),
        sigma0s=known.sigma0_num.collect(where=known.sigma0_given, distinct=True),
        sigma0_count=known.sigma0_given.cast("int64").sum(),
    )
    for row in batches.filter(batches.grades.length() > 1).order_by("row").limit(limit).to_pyarrow().to_pylist():
        problems.append(Problem("mixed_grades", row["row"], row["b"], value=", ".join(sorted(row["grades"]))))
    mixed_sigma0 = batches.filter(
        (batches.sigma0_count > 0) & ((batches.sigma0_count != batches.n_total) | (batches.sigma0s.length() > 1))
    )
    for row in mixed_sigma0.order_by("row").limit(limit).to_pyarrow().to_pylist():
        values = sorted(str(value) for value in row["sigma0s"])
        if row["sigma0_count"] != row["n_total"]:
            values.append("—")
        problems.append(Problem("mixed_sigma0", row["row"], row["b"], value=", ".join(values)))
    too_large = batches.filter(batches.n_total > MAX_GROUPS_PER_BATCH).order_by("row").limit(limit)
    for row in too_large.to_pyarrow().to_pylist():
        problems.append(Problem("batch_too_large", row["row"], row["b"], value=str(row["n_total"])))

    identified = known.filter(known.g.notnull() & (known.g != ""))
    duplicates = identified.group_by(["b", "g"]).aggregate(row=identified[ROW].min(), count=identified.count())
    for row in duplicates.filter(duplicates["count"] > 1).order_by("row").limit(limit).to_pyarrow().to_pylist():
        problems.append(Problem("duplicate_group", row["row"], row["b"], row["g"], value=row["g"]))

    problems.sort(key=lambda problem: problem.row or 0)
    return problems[:limit] or [Problem("invalid", None, None)]
