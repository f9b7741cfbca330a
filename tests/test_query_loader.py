"""The query loader: ${fragments/NAME} is expanded before binding, renames touch identifiers only,
a comment may name a fragment without including it, and fragments that include each other, a
rename of a name the fragment lacks, or a missing fragment are clear errors."""

import pytest

from sitrep import queries


@pytest.fixture
def query_dir(tmp_path, monkeypatch):
    (tmp_path / "fragments").mkdir()
    (tmp_path / "metrics").mkdir()
    monkeypatch.setattr(queries, "QUERIES_DIR", tmp_path)
    for cached in (queries.source_text, queries.sql_text, queries.parameters, queries.fragments_used):
        cached.cache_clear()
    yield tmp_path
    for cached in (queries.source_text, queries.sql_text, queries.parameters, queries.fragments_used):
        cached.cache_clear()


def write(folder, name, text):
    (folder / f"{name}.sql").write_text(text, encoding="utf-8")


def test_a_fragment_is_expanded_in_place_with_its_renames_and_parameters(query_dir):
    write(query_dir / "fragments", "biggest", "-- header\nselect max(n) as n from numbers where n < $limit")
    write(query_dir / "metrics", "m", "with numbers as (select 1 as n),\n"
                                      "top as (${fragments/biggest(numbers = counted)})\nselect * from top")
    text = queries.sql_text("metrics/m")
    assert "top as (select max(n) as n from counted where n < $limit)" in text
    assert "${" not in text and "-- header" not in text
    assert queries.parameters("metrics/m") == ("limit",)
    assert queries.fragments_used("metrics/m") == ("fragments/biggest",)


def test_a_comment_naming_a_fragment_does_not_include_it(query_dir):
    write(query_dir / "fragments", "self", "-- fragments/self: read as ${fragments/self}\nselect 1")
    write(query_dir / "metrics", "m", "-- uses ${fragments/self}\nselect * from (${fragments/self})")
    assert queries.sql_text("metrics/m") == "-- uses ${fragments/self}\nselect * from (select 1)"


def test_fragments_that_include_each_other_are_refused(query_dir):
    write(query_dir / "fragments", "a", "select * from (${fragments/b})")
    write(query_dir / "fragments", "b", "select * from (${fragments/a})")
    write(query_dir / "metrics", "m", "select * from (${fragments/a})")
    with pytest.raises(ValueError, match="include each other"):
        queries.sql_text("metrics/m")


def test_a_rename_must_name_something_the_fragment_reads(query_dir):
    write(query_dir / "fragments", "f", "select 1 from numbers")
    write(query_dir / "metrics", "m", "select * from (${fragments/f(nombres = counted)})")
    with pytest.raises(ValueError, match="has no 'nombres'"):
        queries.sql_text("metrics/m")
    write(query_dir / "metrics", "v", "select * from (${fragments/f(numbers = '1; drop table x')})")
    with pytest.raises(ValueError, match="identifier = identifier"):
        queries.sql_text("metrics/v")


def test_a_missing_fragment_is_named(query_dir):
    write(query_dir / "metrics", "m", "select * from (${fragments/nowhere})")
    with pytest.raises(ValueError, match="fragments/nowhere"):
        queries.sql_text("metrics/m")


def test_every_real_query_expands_fully_and_every_fragment_is_used():
    used = set()
    for path in sorted(queries.QUERIES_DIR.glob("[!f]*/*.sql")):
        name = f"{path.parent.name}/{path.stem}"
        assert "${" not in queries.sql_text(name), name
        used |= set(queries.fragments_used(name))
    fragments = {f"fragments/{p.stem}" for p in (queries.QUERIES_DIR / "fragments").glob("*.sql")}
    assert fragments - used == set(), "fragments no query uses"
    assert "fragments/red_since" in queries.fragments_used("metrics/iso_use")


def test_a_rename_may_name_an_alias_column_and_never_touches_a_parameter(query_dir):
    write(query_dir / "fragments", "in_community", "($community_code is null or community_code = $community_code)")
    write(query_dir / "metrics", "m", "select * from cases c\n"
                                      "where ${fragments/in_community(community_code = c.community_code)}")
    text = queries.sql_text("metrics/m")
    assert "($community_code is null or c.community_code = $community_code)" in text
    assert queries.parameters("metrics/m") == ("community_code",)
