"""Every SQL file stays portable: it transpiles to Spark SQL with sqlglot, nothing unsupported,
and its bound parameters stay parameters (Spark's :name markers), never values. A query is
checked as it runs, its ${fragments/...} expanded by the loader (sitrep.queries.sql_text)."""

import re

import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from sitrep import QUERIES_DIR
from sitrep.queries import sql_text

SQL_FILES = sorted(QUERIES_DIR.rglob("*.sql"))


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(QUERIES_DIR)))
def test_query_transpiles_to_spark_sql_with_its_parameters_intact(path):
    text = sql_text(str(path.relative_to(QUERIES_DIR).with_suffix("")))
    assert "${" not in text, "a fragment was left unexpanded"
    spark = "\n".join(sqlglot.transpile(text, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE))
    code = re.sub(r"--[^\n]*", "", text)
    for name in set(re.findall(r"\$([a-z_][a-z0-9_]*)", code)):
        assert f":{name}" in spark, name


def test_every_query_file_is_lower_case_sql():
    for path in SQL_FILES:
        code = re.sub(r"--[^\n]*|'[^']*'", "", path.read_text(encoding="utf-8"))
        keywords = re.findall(r"\b(SELECT|FROM|WHERE|GROUP BY|JOIN|WITH|CREATE TABLE)\b", code)
        assert keywords == [], f"{path.name}: upper-case keywords {keywords[:3]}"
