"""Command line: `python -m sitrep COMMAND`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sitrep import access, cli_common, database_path
from sitrep.cli_common import DEFAULT_DB_HELP, acting, existing_database

DEFAULT_SEED = 20220713


def _build_demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sitrep.scenario.build import build_database

    out = Path(args.out) if args.out else database_path()
    started = time.perf_counter()
    with tqdm(total=100, desc="building", unit="%", bar_format="{desc:<24}{percentage:3.0f}%|{bar}| {elapsed}",
              file=sys.stderr) as bar:
        def progress(label: str, fraction: float) -> None:
            bar.set_description(label)
            bar.update(round(fraction * 100) - bar.n)

        build_database(out, seed=args.seed, scale=args.scale, progress=progress, alert_history=args.alert_history)
    print(f"built {out} ({args.scale} scale, seed {args.seed}) in {time.perf_counter() - started:.1f} s")
    return 0


def _redlist(args: argparse.Namespace) -> int:
    from sitrep.formatting import format_threshold, red_item_values
    from sitrep.redlist import red_list

    if args.engine == "spark":
        con, data_as_of = _spark_engine(args)
        as_of = cli_common.as_of(None, args.as_of, data_as_of)
    else:
        if args.lake or args.spark_master or args.spark_remote or args.spark_time_limit:
            raise SystemExit("--lake, --spark-master and --spark-remote go with --engine spark")
        con = cli_common.connect_read(args.db)
        as_of = cli_common.as_of(con, args.as_of)
    items = red_list(con, as_of, district_code=args.district)
    if args.format == "csv":
        items.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d %H:%M")
    elif args.format == "json":
        print(items.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    else:
        print(f"红色预警 Red list as of {as_of:%Y-%m-%d %H:%M} (Asia/Shanghai): {len(items)} items")
        shown = items.assign(
            district=items["district_name_zh"].fillna("全市"),
            value=red_item_values(items),
            threshold=[format_threshold(v, u) for v, u in zip(items["threshold"], items["threshold_unit"])],
            since=items["red_since"].dt.strftime("%m-%d %H:%M").fillna(""),
        )[["rule_id", "name_zh", "district", "round_id", "value", "threshold", "since", "source", "acting_unit_zh"]]
        if shown["round_id"].isna().all():
            shown = shown.drop(columns="round_id")
        print(shown.to_string(index=False) if len(shown) else "(nothing is red)")
    return 0


def _spark_engine(args: argparse.Namespace):
    """The Spark engine over --lake (a lake written by `lake export`), and the lake's data time.
    Exits saying what to install when PySpark or Java is missing."""
    from sitrep.engines import spark

    if not args.lake:
        raise SystemExit("--engine spark reads a lake: pass --lake DIR (write one with "
                         "`python -m sitrep lake export --db PATH --out DIR`)")
    try:
        spark.require_spark()
        manifest = spark.read_manifest(args.lake)
        engine = spark.SparkEngine.for_lake(args.lake, master=args.spark_master or "local[2]",
                                            remote=args.spark_remote, time_limit=args.spark_time_limit)
    except (spark.SparkUnavailable, FileNotFoundError) as error:
        raise SystemExit(f"--engine spark: {error}")
    return engine, manifest.get("data_as_of")


def _lake_export(args: argparse.Namespace) -> int:
    from sitrep import lake

    db = existing_database(args.db)
    result = lake.export(db, args.out)
    print(f"lake {result.out}: {len(result.tables_written)} tables written, {len(result.tables_kept)} unchanged "
          f"and kept; {result.bytes / 1e6:,.1f} MB in {result.seconds:.1f} s; data as of "
          f"{result.manifest['data_as_of']} (source sha256 {result.manifest['source']['sha256'][:12]}…)")
    return 0


def _table_name(label: str) -> str:
    from sitrep.intake import specs

    name = specs.by_label(label)
    if name is None:
        raise SystemExit(f"--table: no importable table {label!r}; one of: "
                         + ", ".join(f"{s.name} ({s.zh})" for s in specs.TABLES.values()))
    return name


def _import(args: argparse.Namespace) -> int:
    from sitrep.db import connect_read
    from sitrep.export import csv_bytes
    from sitrep.intake import report, specs
    import duckdb

    from sitrep.intake.run import Outcome, check_file, import_file
    from sitrep.intake.validate import database_problem

    table = _table_name(args.table)
    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"no such file: {path}")
    report_to = Path(args.report) if args.report else None
    if report_to is not None and not report_to.parent.is_dir():
        # Said before anything is checked or written, so no import runs whose report has nowhere to go.
        print(f"--report: the folder {report_to.parent} does not exist 文件夹不存在; create it or choose another "
              "place 请先创建或换一个位置", file=sys.stderr)
        return 2
    db = existing_database(args.db)
    by = args.by if args.check_only else acting(db, args.by, access.IMPORT_DATA, f"import into {table}")
    data = path.read_bytes()
    try:
        if args.check_only:
            con = connect_read(db)
            try:
                outcome, _ = check_file(con, data, path.name, table, ignore_extra=args.ignore_extra_columns)
            finally:
                con.close()
        else:
            outcome = import_file(db, data, path.name, table, by=by, via="cli",
                                  ignore_extra=args.ignore_extra_columns)
    except duckdb.Error as error:
        # A database error the checks did not foresee: a report row like any other problem (the
        # import is atomic, so nothing was written), not a traceback. Its message is not shown:
        # it can quote values.
        outcome = Outcome("rejected", table, path.name, problems=database_problem(error))
    c = outcome.counts
    if outcome.ignored_headers:
        print(f"ignored columns 已忽略的列: {', '.join(outcome.ignored_headers)}", file=sys.stderr)
    if not outcome.ok:
        frame = report.report_frame(outcome.problems, outcome.file_name, specs.table(table))
        print(f"{path.name}: rejected 已拒绝 — {len(frame)} problems 个问题 in {outcome.rows_rejected:,} of "
              f"{outcome.rows_in_file:,} rows; nothing was written 未写入任何数据"
              + (f" (logged 已记录: import #{outcome.import_id})" if outcome.import_id else ""), file=sys.stderr)
        print(report.report_text(frame), file=sys.stderr)
        if report_to is not None:
            try:
                report_to.write_bytes(csv_bytes(frame))
            except OSError as error:
                print(f"--report: cannot write {report_to} 无法写入问题清单 ({error.strerror})", file=sys.stderr)
                return 2
            print(f"report 问题清单: {report_to}", file=sys.stderr)
        return 1
    verb = "checked 校验通过 (nothing written 未写入)" if outcome.status == "valid" else "imported 已导入"
    print(f"{path.name} → {table}: {verb}; {outcome.rows_in_file:,} rows 行 ({outcome.encoding}): "
          f"{c.inserted:,} new 新增, {c.updated:,} updated 更新, {c.unchanged:,} unchanged 未变"
          + (f"; persons 人员 +{c.persons_added:,} new, {c.persons_updated:,} updated" if c.persons_added
             or c.persons_updated else "")
          + (f"; import #{outcome.import_id}" if outcome.import_id else "")
          + (f"; data as of 数据截至 {outcome.data_as_of:%Y-%m-%d %H:%M}" if outcome.data_as_of is not None else "")
          + f" in {outcome.seconds:.1f} s")
    return 0


def _watch(args: argparse.Namespace) -> int:
    import signal
    import threading

    from sitrep.intake import watch

    try:
        folder = watch.prepare(Path(args.folder))
    except OSError as error:
        print(f"watch: {error}", file=sys.stderr)
        return 2
    db = existing_database(args.db) if args.once else (Path(args.db) if args.db else database_path())
    by = acting(db, args.by, access.IMPORT_DATA, f"watch {folder}", via="watch")

    def told(done) -> None:
        print(done.line(), flush=True)

    try:
        if args.once:
            handled = watch.once(folder, db, by=by, told=told)
            return 1 if any(h.result in ("rejected", "refused", "error") for h in handled) else 0
        stop = threading.Event()

        def stopping(signum, frame) -> None:
            if stop.is_set():                     # asked twice: stop now
                raise KeyboardInterrupt
            print("stopping after the current file 处理完当前文件后停止", file=sys.stderr, flush=True)
            stop.set()

        signal.signal(signal.SIGINT, stopping)
        signal.signal(signal.SIGTERM, stopping)
        print(f"watching 监视 {folder} → {db} every {watch.poll_seconds():g} s (Ctrl-C stops 停止)", flush=True)
        watch.watch(folder, db, by=by, stop=stop, told=told,
                    waiting=lambda text: print(text, file=sys.stderr, flush=True))
        print("stopped 已停止", flush=True)
        return 0
    except RuntimeError as error:                 # another watcher has the folder
        print(f"watch: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped 已停止 (an import cut short leaves the database as it was)", file=sys.stderr)
        return 130


def _template(args: argparse.Namespace) -> int:
    from sitrep.intake import specs, templates

    spec = specs.table(_table_name(args.table))
    data = templates.template_xlsx(spec) if args.format == "xlsx" else templates.template_csv(spec)
    out = Path(args.out) if args.out else Path(f"{spec.name}_template.{args.format}")
    out.write_bytes(data)
    print(f"template 模板: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep", description="Sitrep command line")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build-demo", help="build a database from the synthetic Chongqing scenario")
    build.add_argument("--scale", choices=["demo", "city"], default="demo",
                       help="demo: a month-long outbreak (default); city: adds a 32-million-person "
                            "testing round and hundreds of thousands of contacts, for benchmarks")
    build.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same data)")
    build.add_argument("--out", "--db", dest="out", help=f"database file to write ({DEFAULT_DB_HELP})")
    build.add_argument("--alert-history", action=argparse.BooleanOptionalAction, default=None,
                       help="replay the timeline through the follow-through alerts (default: for the demo scale; "
                            "a few minutes at the demo scale on 2 cores, see demo_replay_step_hours)")
    build.set_defaults(func=_build_demo)

    red = sub.add_parser("redlist", help="every rule breaching its threshold, per district")
    red.add_argument("--as-of", help="moment to compute for, e.g. '2022-07-28 18:00' (default: newest data)")
    red.add_argument("--format", choices=["table", "csv", "json"], default="table")
    red.add_argument("--district", help="only this district code, e.g. 500105")
    red.add_argument("--db", help=f"database file ({DEFAULT_DB_HELP})")
    red.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                     help="duckdb (default): the database file; spark: the same queries on Spark over --lake "
                          "(needs requirements-spark.txt and Java 17; docs/spark.md)")
    red.add_argument("--lake", help="with --engine spark: the lake folder (`python -m sitrep lake export`)")
    red.add_argument("--spark-master", help="with --engine spark: Spark master URL (default local[2])")
    red.add_argument("--spark-remote", help="with --engine spark: a Spark Connect URL, sc://host:15002")
    red.add_argument("--spark-time-limit", type=float, default=0, metavar="SECONDS",
                     help="with --engine spark: seconds one query may run (default 0: no limit; the app's "
                          "query_time_limit_seconds is for pages, not batch runs on a cluster)")
    red.set_defaults(func=_redlist)

    lake_parser = sub.add_parser("lake", help="the Parquet lake the Spark engine reads (docs/spark.md)")
    lake_sub = lake_parser.add_subparsers(dest="lake_command", required=True)
    export = lake_sub.add_parser("export", help="write every table as Parquet with a manifest; rewrites only "
                                                "changed tables and switches readers over in one rename")
    export.add_argument("--db", help=f"database file ({DEFAULT_DB_HELP})")
    export.add_argument("--out", required=True, help="lake folder (created if missing)")
    export.set_defaults(func=_lake_export)

    from sitrep.briefing.cli import add_parsers as add_briefing_parsers
    add_briefing_parsers(sub)  # briefing, bulletin

    load = sub.add_parser("import", help="load a delivered CSV or XLSX file into one table, atomically",
                          description="Check the file, then apply it in one transaction or not at all. Rows are "
                                      "matched by their natural key: a repeat or overlapping file updates, never "
                                      "duplicates. Exit status 1 and a report when the file is rejected.")
    load.add_argument("file", help="CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or XLSX")
    load.add_argument("--table", required=True, help="table to load: cases, contacts, facilities, rooms, room_stays, "
                      "testing_progress_reports, testing_tubes, testing_samples, risk_areas, investigations, "
                      "screening_tasks (or its Chinese name)")
    load.add_argument("--db", help=f"database file ({DEFAULT_DB_HELP})")
    load.add_argument("--by", help="who is importing, for the import and audit logs (default $SITREP_OPERATOR or the "
                                    "operating-system user; an account's role must allow importing)")
    load.add_argument("--check-only", action="store_true", help="check and count, write nothing")
    load.add_argument("--ignore-extra-columns", action="store_true",
                      help="skip columns the table does not have (default: reject the file, naming them)")
    load.add_argument("--report", help="write the full problem report here as CSV")
    load.set_defaults(func=_import)

    watcher = sub.add_parser("watch", help="import each file dropped in a folder; move it to done/ or refused/",
                             description="Import each CSV/TXT/XLSX file that lands in FOLDER (table from its name or a "
                                         "sidecar FILE.table), then move it to FOLDER/done/ or FOLDER/refused/ with "
                                         "its report. The same bytes are never applied twice. See docs/intake.md.")
    watcher.add_argument("folder", help="the drop folder")
    watcher.add_argument("--db", help=f"database file ({DEFAULT_DB_HELP})")
    watcher.add_argument("--by", help="who imports, for the import and audit logs (default $SITREP_OPERATOR or the "
                                       "operating-system user; an account's role must allow importing)")
    watcher.add_argument("--once", action="store_true",
                         help="handle what is in the folder now and exit (status 1 if a file was refused)")
    watcher.set_defaults(func=_watch)

    template = sub.add_parser("template", help="write a template to fill in for one table")
    template.add_argument("--table", required=True)
    template.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    template.add_argument("--out", help="file to write (default TABLE_template.FORMAT)")
    template.set_defaults(func=_template)

    from sitrep.explain import add_parser as add_explain_parser
    add_explain_parser(sub)  # explain

    from sitrep.user_cli import add_parser as add_user_parser
    add_user_parser(sub)  # user add | passwd | disable | enable | list

    from sitrep.alerts_cli import add_parser as add_alerts_parser
    add_alerts_parser(sub)  # alerts [ack | act | close | history | sync]

    args = parser.parse_args(argv)
    return args.func(args)
