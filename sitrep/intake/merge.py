"""Checks against the database, and the write: inside one transaction on one connection.

The file's rows are staged as the temporary table `incoming`; each is matched to the stored row
with the same natural key. A column the file does not carry keeps its stored value, so a later
file with fewer columns never blanks what an earlier one said. `merged` holds every row as it
will stand after the import; time order and cross-column rules are checked on it, so a file
that only adds a transfer time is still checked against the identification time already held.

The SQL here is generated from the table spec: identifiers come from sitrep.intake.specs, and
every value arrives through the registered DataFrame, never as text in the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from sitrep.intake.files import give_back_memory
from sitrep.intake.validate import Checked, problems_frame
from sitrep.personal import PERSONAL_COLUMNS


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    persons_added: int = 0
    persons_updated: int = 0


def _q(name: str) -> str:
    return f'"{name}"'


def table_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute("select column_name, data_type from information_schema.columns "
                       "where table_schema = 'main' and table_name = ? order by ordinal_position", [table]).fetchall()
    return dict(rows)


MERGE_BATCH_ROWS = 1_000_000


class Staged:
    """`incoming` and `merged` on a connection, for one checked file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, checked: Checked):
        self.con, self.checked, self.spec = con, checked, checked.spec
        self.types = table_types(con, self.spec.name)
        self.person = bool(self.spec.person) and any(c in checked.present for c in (*PERSONAL_COLUMNS, "person_id"))
        # Columns of the table the file gives a value for (person columns resolve to person_id).
        self.given = [c for c in self.types if c in checked.present or (c == "person_id" and self.person)]
        self.key = list(self.spec.key)
        self.loaded = False

    def header(self, column: str) -> str:
        if column in self.checked.header_of:
            return self.checked.header_of[column]
        try:
            return self.spec.column(column).zh
        except StopIteration:
            return column

    # --- staging --------------------------------------------------------------------------------
    def load(self) -> None:
        """Create `incoming` from the checked rows, and let the rows go. Called outside a
        transaction: within one, DuckDB keeps the frame it read alive until the commit (for a
        6 M-row file, 200 MB through every later step). stage() calls it if it was not."""
        if self.loaded or not self.types:   # no types: the table is missing (stage() says so)
            return
        frame = self.checked.typed
        con = self.con
        con.register("incoming_frame", frame)
        casts = ["cast(_row as bigint) as _row"]
        for column in self.checked.present:
            kind = self.types.get(column) or ("timestamp" if self.spec.column(column).kind == "timestamp" else "varchar")
            casts.append(f"cast({_q(column)} as {kind}) as {_q(column)}")
        # A key part that may be empty and the file leaves out (a file of case passengers alone
        # has no contact id): empty in every row, so every row has the whole key to match on.
        casts += [f"cast(null as {self.types[k]}) as {_q(k)}" for k in self.key if k not in self.checked.present]
        if self.person:   # every person column, null where the file has none: one shape for the SQL below
            if "person_id" not in self.checked.present:
                casts.append("cast(null as bigint) as person_id")
            casts += [f"cast(null as varchar) as {c}" for c in PERSONAL_COLUMNS if c not in self.checked.present]
        # Fetched to the end, so the connection holds no result that still refers to the frame.
        con.execute("create or replace temp table incoming as select " + ", ".join(casts) + " from incoming_frame"
                    ).fetchall()
        con.unregister("incoming_frame")
        # The rows are in `incoming` now: the frame is let go before the joins below (for a
        # 6 M-row file it holds 200 MB that the database holds too).
        del frame
        self.checked.release_rows()
        give_back_memory()
        self.loaded = True

    def stage(self) -> pd.DataFrame:
        """Create `incoming` (unless load() did) and `merged`; return the problems found against
        the database."""
        if not self.types:      # a database file built before the table was added to the schema
            return problems_frame([None], "", [None], "table_missing", self.spec.name)
        con = self.con
        self.load()
        problems = [self._resolve_persons()] if self.person else []
        self._merge()
        if not self.person:     # only the person steps read `incoming` after the merge
            con.execute("drop table if exists temp.incoming")
        problems += [self._not_null(), self._references(), self._orders(), self._rules()]
        if self.spec.name == "cases":
            problems.append(self._classification_changes())
        found = [p for p in problems if not p.empty]
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _resolve_persons(self) -> pd.DataFrame:
        con, found = self.con, []
        has_card = "id_card_number" in self.checked.present
        if has_card:
            conflict = con.execute("""
                select i._row, i.person_id, p.person_id
                from incoming i join persons p on p.id_card_number = i.id_card_number
                where i.person_id is not null and i.person_id <> p.person_id
            """).fetchall()
            if conflict:
                rows, given, known = zip(*conflict)
                found.append(problems_frame(rows, self.header("person_id"), [str(g) for g in given], "person_conflict",
                                            [str(k) for k in known]))
            con.execute("""
                update incoming set person_id = p.person_id
                from persons p
                where incoming.person_id is null and p.id_card_number = incoming.id_card_number
            """)
        unknown = con.execute("""
            select i._row, i.person_id from incoming i
            where i.person_id is not null
              and not exists (select 1 from persons p where p.person_id = i.person_id)
              and i.id_card_number is null
        """).fetchall()
        if unknown:
            rows, ids = zip(*unknown)
            found.append(problems_frame(rows, self.header("person_id"), [str(i) for i in ids], "unknown_person"))
        if has_card and "full_name" in self.checked.present:
            clash = con.execute("""
                with names as (
                    select id_card_number, min(_row) as first_row
                    from incoming
                    where id_card_number is not null and full_name is not null
                    group by id_card_number
                    having count(distinct full_name) > 1
                )
                select i._row, n.first_row
                from incoming i join names n using (id_card_number)
                where i._row > n.first_row
                order by i._row
            """).fetchall()
            if clash:
                found.append(problems_frame([r[0] for r in clash], self.header("full_name"), [None] * len(clash),
                                            "person_name_conflict", [str(r[1]) for r in clash]))
        if has_card:
            # New people: numbered after the highest person id, in ID-card order (same file, same ids).
            con.execute("""
                create or replace temp table new_persons as
                with cards as (
                    select id_card_number, max(full_name) as full_name, max(phone) as phone, min(_row) as first_row
                    from incoming
                    where person_id is null and id_card_number is not null
                    group by id_card_number
                )
                select
                    (select coalesce(max(person_id), 0) from persons)
                        + row_number() over (order by id_card_number) as person_id,
                    id_card_number, full_name, phone, first_row
                from cards
            """)
            nameless = con.execute("select first_row from new_persons where full_name is null").fetchall()
            if nameless:
                found.append(problems_frame([r[0] for r in nameless], self.header("full_name"), [None] * len(nameless),
                                            "name_needed"))
            con.execute("""
                update incoming set person_id = n.person_id
                from new_persons n
                where incoming.person_id is null and n.id_card_number = incoming.id_card_number
            """)
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _key_match(self, stored: str, other: str) -> str:
        """Rows of the same key; a key part that may be empty matches empty (is not distinct from)."""
        return " and ".join(f"{stored}.{_q(k)} = {other}.{_q(k)}" if self.spec.column(k).required
                            else f"{stored}.{_q(k)} is not distinct from {other}.{_q(k)}" for k in self.key)

    def _merge(self) -> None:
        on = self._key_match("t", "i")
        chosen = [f"i.{_q(c)}" if c in self.given else f"t.{_q(c)}" for c in self.types]
        differs = " or ".join(f"i.{_q(c)} is distinct from t.{_q(c)}" for c in self.given if c not in self.key)
        extra = ", t.classification as _old_classification, coalesce(t.confirmed_at, t.sampled_at) as _old_from" \
            if self.spec.name == "cases" else ""
        if "classified_at" in self.checked.present:
            extra += ", i.classified_at"
        select = f"""
            select
                i._row,
                t.{_q(self.key[0])} is not null as existed,
                t.{_q(self.key[0])} is not null and ({differs or 'false'}) as changed,
                {", ".join(f"{expr} as {_q(c)}" for expr, c in zip(chosen, self.types))}
                {extra}
            from incoming i
            left join {_q(self.spec.name)} t on {on}
            where i._row >= $first and i._row < $past
        """
        # MERGE_BATCH_ROWS file rows at a time: the join's hash table holds one batch, not the
        # file (for 6 M rows, 250 MB less at the peak). Each row lands in one batch.
        first, last = self.con.execute("select coalesce(min(_row), 0), coalesce(max(_row), 0) from incoming").fetchall()[0]
        for batch, start in enumerate(range(first, last + 1, MERGE_BATCH_ROWS)):
            self.con.execute(("create or replace temp table merged as " if batch == 0 else "insert into merged ") + select,
                             {"first": start, "past": start + MERGE_BATCH_ROWS}).fetchall()

    def _not_null(self) -> pd.DataFrame:
        """A column the spec lets stay empty but this database file declares NOT NULL (a file built
        under an older schema: testing_rounds.deadline_at before it could be empty) is refused as
        an empty required cell, not as a database error."""
        strict = [r[0] for r in self.con.execute(
            "select column_name from information_schema.columns where table_schema = 'main' and table_name = ? "
            "and is_nullable = 'NO'", [self.spec.name]).fetchall()]
        found = []
        for column in strict:
            if column not in self.given or column in self.key:
                continue
            rows = self.con.execute(f"select _row from merged where {_q(column)} is null order by _row").fetchall()
            if rows:
                found.append(problems_frame([r[0] for r in rows], self.header(column), [None] * len(rows),
                                            "required_empty"))
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _references(self) -> pd.DataFrame:
        found = []
        for ref in self.spec.references:
            if ref.column not in self.checked.present:
                continue
            self_ref = ref.table == self.spec.name
            # The values the file names, each once, are looked up: an anti-join of every row
            # against the referenced table would build a hash table of all of that table (8.7 M
            # tubes at city scale: 400 MB) to answer the same question.
            rows = self.con.execute(f"""
                with named as (
                    select distinct m.{_q(ref.column)} as value
                    from merged m
                    where m.{_q(ref.column)} is not null
                ),
                unknown as (
                    select n.value
                    from named n
                    where not exists (select 1 from {_q(ref.table)} r where r.{_q(ref.target)} = n.value)
                      {f"and not exists (select 1 from merged s where s.{_q(ref.target)} = n.value)"
                       if self_ref else ""}
                )
                select m._row, cast(m.{_q(ref.column)} as varchar)
                from merged m
                join unknown u on u.value = m.{_q(ref.column)}
                order by m._row
            """).fetchall()
            if rows:
                found.append(problems_frame([r[0] for r in rows], self.header(ref.column), [r[1] for r in rows],
                                            "unknown_reference", f"{ref.table}.{ref.target}"))
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _orders(self) -> pd.DataFrame:
        found = []
        for order in self.spec.orders:
            if order.later not in self.given and order.earlier not in self.given:
                continue  # neither value changes: the stored row already passed this check
            op = "<=" if order.strict else "<"
            rows = self.con.execute(f"""
                select _row, cast({_q(order.later)} as varchar), cast({_q(order.earlier)} as varchar)
                from merged
                where {_q(order.later)} {op} {_q(order.earlier)}
                order by _row
            """).fetchall()
            if rows:
                reason = "order_strict" if order.strict else "order"
                if self.spec.column(order.later).kind != "timestamp":
                    reason = "order_count"
                found.append(problems_frame([r[0] for r in rows], self.header(order.later), [r[1] for r in rows],
                                            reason, [f"{self.header(order.earlier)} = {r[2]}" for r in rows]))
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _rules(self) -> pd.DataFrame:
        found = []
        for rule in self.spec.rules:
            rows = self.con.execute(f"select _row, cast({_q(rule.column)} as varchar) from merged "
                                    f"where {rule.broken_when} order by _row").fetchall()
            if rows:
                found.append(problems_frame([r[0] for r in rows], self.header(rule.column), [r[1] for r in rows],
                                            rule.reason))
        return pd.concat(found, ignore_index=True) if found else problems_frame()

    def _classification_changes(self) -> pd.DataFrame:
        if "classification" not in self.given:
            return problems_frame()
        has_time = "classified_at" in self.checked.present
        rows = self.con.execute(f"""
            select _row, classification, _old_classification from merged
            where existed and classification is distinct from _old_classification
              {"and classified_at is null" if has_time else ""}
            order by _row
        """).fetchall()
        if not rows:
            return problems_frame()
        return problems_frame([r[0] for r in rows], self.header("classified_at"), [None] * len(rows),
                              "classified_at_needed", [f"{r[2]} → {r[1]}" for r in rows])

    # --- counting and writing -----------------------------------------------------------------------
    def counts(self) -> Counts:
        inserted, updated, unchanged = self.con.execute(
            "select count(*) filter (where not existed), count(*) filter (where existed and changed), "
            "count(*) filter (where existed and not changed) from merged").fetchone()
        counts = Counts(inserted, updated, unchanged)
        if self.person and "id_card_number" in self.checked.present:
            counts.persons_added = self.con.execute("select count(*) from new_persons").fetchone()[0]
            counts.persons_updated = self.con.execute(self._person_updates_sql("count(*)")).fetchone()[0]
        return counts

    def _person_updates_sql(self, what: str) -> str:
        sets = [c for c in ("full_name", "phone") if c in self.checked.present]
        if not sets:
            return f"select {what} from persons where false"
        differs = " or ".join(f"(i.{c} is not null and i.{c} is distinct from p.{c})" for c in sets)
        return f"""
            select {what} from (
                select distinct p.person_id from incoming i join persons p on p.person_id = i.person_id
                where i.person_id not in (select person_id from new_persons) and ({differs})
            )
        """

    def write(self) -> Counts:
        counts = self.counts()
        con, table = self.con, _q(self.spec.name)
        columns = ", ".join(_q(c) for c in self.types)
        on = self._key_match("t", "m")
        if self.person and "id_card_number" in self.checked.present:
            con.execute("""
                insert into persons (person_id, full_name, id_card_number, phone, sex, birth_year)
                select person_id, full_name, id_card_number, phone,
                       case when cast(substr(id_card_number, 17, 1) as integer) % 2 = 1 then 'M' else 'F' end,
                       cast(substr(id_card_number, 7, 4) as integer)
                from new_persons
            """)
            for column in ("full_name", "phone"):
                if column in self.checked.present:
                    con.execute(f"""
                        update persons set {column} = i.{column}
                        from (select person_id, max({column}) as {column} from incoming
                              where {column} is not null group by person_id) i
                        where persons.person_id = i.person_id and persons.{column} is distinct from i.{column}
                          and persons.person_id not in (select person_id from new_persons)
                    """)
        if self.spec.name == "cases" and "classification" in self.given:
            self._write_classification_history()
        con.execute(f"delete from {table} t using merged m where m.existed and m.changed and {on}")
        con.execute(f"insert into {table} ({columns}) select {columns} from merged where not existed or changed")
        return counts

    def _write_classification_history(self) -> None:
        """A reclassification keeps the old class in force until it happened (stg_case_class_periods)."""
        has_time = "classified_at" in self.checked.present
        con = self.con
        con.execute("""
            insert into case_classifications (case_id, classification, classified_at)
            select m.case_id, m._old_classification, m._old_from
            from merged m
            where m.existed and m.classification is distinct from m._old_classification
              and not exists (select 1 from case_classifications h where h.case_id = m.case_id)
            on conflict do nothing
        """)
        if has_time:
            con.execute("""
                insert into case_classifications (case_id, classification, classified_at)
                select m.case_id, m.classification, m.classified_at
                from merged m
                where m.classified_at is not null
                  and (not m.existed or m.classification is distinct from m._old_classification)
                on conflict do nothing
            """)

    def newest_time(self) -> pd.Timestamp | None:
        """The latest time among the rows written: the data now reach at least this far."""
        stamps = [c for c, kind in self.types.items()
                  if kind.startswith("TIMESTAMP") and c in self.given and c not in self.spec.due]
        if not stamps:
            return None
        value = self.con.execute(f"select max(greatest({', '.join(_q(c) for c in stamps)})) from merged "
                                 "where not existed or changed").fetchone()[0]
        return pd.Timestamp(value) if value is not None else None

    def drop(self) -> None:
        for name in ("merged", "incoming", "new_persons"):
            self.con.execute(f"drop table if exists temp.{name}")
