"""The daily briefing (疫情防控日报) and the 2-hour testing bulletin (核酸检测进度快报).

    snapshot.py  every number the briefing shows, from the query layer, as canonical JSON
    bulletin.py  the same for the 2-hour testing bulletin of each active round
    compose.py   the snapshot as a document (headings, sentences, tables, charts) in zh or en
    charts.py    charts drawn locally with matplotlib (Agg), no network
    render.py    the document as Markdown, DOCX or PDF, deterministic for the same snapshot
    store.py     issued briefings kept as files (data/briefings/), re-opened and compared
    cli.py       `python -m sitrep briefing` and `python -m sitrep bulletin`

No module here imports Streamlit; pages/briefing.py draws them.
"""
