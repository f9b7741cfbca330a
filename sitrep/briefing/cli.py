"""`python -m sitrep briefing` and `python -m sitrep bulletin` (registered by sitrep/cli.py).

    python -m sitrep briefing                                   # Markdown of the newest data, to stdout
    python -m sitrep briefing --as-of "2022-07-24 18:00" --format pdf --out briefing.pdf
    python -m sitrep briefing --as-of "2022-07-24 18:00" --issue --by "值班员 张三"
    python -m sitrep briefing --list                            # issued briefings
    python -m sitrep briefing --compare ID                      # issued vs today's data, same moment
    python -m sitrep bulletin --as-of "2022-08-05 18:00" --format docx --out bulletin.docx
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sitrep import access, audit, cli_common, users
from sitrep.cli_common import DEFAULT_DB_HELP


def add_parsers(sub) -> None:
    brief = sub.add_parser("briefing", help="the daily briefing (疫情防控日报) as Markdown, DOCX or PDF")
    _common(brief)
    brief.add_argument("--issue", action="store_true", help="issue it: keep its snapshot and files under "
                       "data/briefings/ (or $SITREP_BRIEFINGS_DIR)")
    brief.add_argument("--by", help="who issues it (with --issue; default $SITREP_OPERATOR or the operating-system "
                                     "user; an account's role must allow issuing)")
    brief.add_argument("--list", action="store_true", help="list the issued briefings")
    brief.add_argument("--reopen", metavar="ID", help="write an issued briefing exactly as issued")
    brief.add_argument("--compare", metavar="ID", help="compare an issued briefing with today's data at its as-of")
    brief.set_defaults(func=_briefing)

    bulletin = sub.add_parser("bulletin", help="the 2-hour testing bulletin of every active round")
    _common(bulletin)
    bulletin.set_defaults(func=_bulletin)


def _common(parser) -> None:
    parser.add_argument("--as-of", help="moment to report on, e.g. '2022-07-24 18:00' (default: newest data)")
    parser.add_argument("--format", choices=["md", "docx", "pdf"], default="md")
    parser.add_argument("--out", help="file to write (default: Markdown to stdout; DOCX/PDF to a file named "
                                      "after the as-of in the current folder)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--db", help=f"database file ({DEFAULT_DB_HELP})")


def _write(data: bytes, fmt: str, out: str | None, default_name: str) -> None:
    if out is None and fmt == "md":
        sys.stdout.write(data.decode("utf-8"))
        return
    path = Path(out or default_name)
    path.write_bytes(data)
    print(f"wrote {path} ({len(data):,} bytes)", file=sys.stderr)


def _briefing(args: argparse.Namespace) -> int:
    import pandas as pd

    from sitrep.briefing import store
    from sitrep.briefing.fonts import FontMissing

    if args.list:
        for issued in store.list_issued():
            m = issued.meta
            print(f"{issued.id}\tas of {m['as_of']}\tissued {m['issued_at']} by {m['issued_by']}\t{m['lang']}\t"
                  f"{m['snapshot_sha256'][:16]}")
        return 0
    if args.reopen:
        issued = store.load(args.reopen)
        files, same = store.reopen(issued)
        print(f"re-rendered from the stored snapshot: {'identical to' if same else 'DIFFERENT from'} the files "
              f"as issued", file=sys.stderr)
        _write(issued.file(args.format), args.format, args.out, f"{issued.id}.{args.format}")
        return 0 if same else 1

    from sitrep.briefing.compose import compose_briefing, stamp_line
    from sitrep.briefing.render import render
    from sitrep.briefing.snapshot import build_snapshot, snapshot_sha256

    con = cli_common.connect_read(args.db)
    db = cli_common.existing_database(args.db)       # its operational store holds the alerts
    if args.compare:
        issued = store.load(args.compare)
        current = build_snapshot(con, pd.Timestamp(issued.meta["as_of"]), db=db)
        rows = store.compare(issued.snapshot, current)
        print(f"issued {issued.meta['snapshot_sha256'][:16]} vs today {snapshot_sha256(current)[:16]}: "
              f"{len(rows)} values differ")
        for row in rows:
            print(f"{row['where']}\t{row['field']}\t{row['issued']!r} -> {row['current']!r}")
        return 0
    as_of = cli_common.as_of(con, args.as_of)
    started = time.perf_counter()
    snapshot = build_snapshot(con, as_of, db=db)
    built = time.perf_counter() - started
    sha = snapshot_sha256(snapshot)
    if args.issue:
        by = cli_common.acting(db, args.by, access.ISSUE_BRIEFING, "issue the briefing")
        try:
            issued = store.issue(snapshot, by, lang=args.lang)
        except FontMissing as error:
            raise SystemExit(str(error))
        audit.record(db, audit.BRIEFING_ISSUED, user=users.user(db, by) or by, object=issued.id, via="cli",
                     details={"as_of": snapshot["as_of"], "snapshot_sha256": sha, "lang": args.lang})
        print(f"issued {issued.id} (snapshot SHA-256 {sha}) in {issued.path}", file=sys.stderr)
        if args.out:
            _write(issued.file(args.format), args.format, args.out, "")
        return 0
    doc = compose_briefing(snapshot, args.lang, with_charts=True)
    doc.stamp = stamp_line(pd.Timestamp.now(), args.lang)
    try:
        data = render(doc, args.format)
    except FontMissing as error:
        raise SystemExit(str(error))
    _write(data, args.format, args.out, f"sitrep_briefing_asof_{as_of:%Y%m%d-%H%M}.{args.format}")
    print(f"briefing as of {as_of:%Y-%m-%d %H:%M}: snapshot SHA-256 {sha}; snapshot {built:.1f} s, "
          f"total {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _bulletin(args: argparse.Namespace) -> int:
    import pandas as pd

    from sitrep.briefing.bulletin import build_bulletin
    from sitrep.briefing.compose import compose_bulletin, stamp_line
    from sitrep.briefing.fonts import FontMissing
    from sitrep.briefing.render import render
    from sitrep.briefing.snapshot import snapshot_sha256

    con = cli_common.connect_read(args.db)
    as_of = cli_common.as_of(con, args.as_of)
    snapshot = build_bulletin(con, as_of)
    doc = compose_bulletin(snapshot, args.lang)
    doc.stamp = stamp_line(pd.Timestamp.now(), args.lang)
    try:
        data = render(doc, args.format)
    except FontMissing as error:
        raise SystemExit(str(error))
    _write(data, args.format, args.out, f"sitrep_bulletin_asof_{as_of:%Y%m%d-%H%M}.{args.format}")
    print(f"bulletin as of {as_of:%Y-%m-%d %H:%M}: snapshot SHA-256 {snapshot_sha256(snapshot)}", file=sys.stderr)
    return 0
