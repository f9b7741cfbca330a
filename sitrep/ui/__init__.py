"""The Streamlit glue shared by the pages, by concern (the only part of the package that imports
Streamlit):

- `view_state`: the view (as-of, place, language) chosen in the sidebar and kept in the URL;
- `data`: the database version a page run reads, and cached reads with one call shape
  (`metric_frame(ID, view, ...)`, `query_frame(NAME, view, ...)`, `red_list_frame(view)`), reference
  rows (`reference_frame(NAME)`: queries/reference/), and a query past its time limit said on the page;
- `place_map`: the drill-down map (districts, then a district's townships), a click picks the place;
- `widgets`: a metric with its definition, a KPI card, a table with its CSV, a red note;
- `auth`: who is logged in (`current_user()`), the login page, the sidebar's user and logout;
  `session_routes`: the routes serve.py adds so that a login survives a refresh.

Pages write `from sitrep import ui` and call `ui.NAME`; the names below are the whole interface.
The database pools themselves are in sitrep.db, the pure row helpers in sitrep.frames.
"""

from sitrep.ui.auth import current_user
from sitrep.frames import CITY, field, is_red, scope_row, when
from sitrep.ui.data import (current_file_version, data_version, newer_version_preparing, newest_read, version_to_show, district_names, district_outlines,
                            districts_frame, metric_frame, query_frame, reader, reading_scope, red_list_frame,
                            reference_frame, say_timeout, scoped, scoped_label, timed_out, townships_frame, whole_city_label)
from sitrep.ui.people import people_table
from sitrep.ui.view_state import View, as_of_caption, chosen_language, controls, current_view, pick_place
from sitrep.ui.place_map import place_map
from sitrep.ui.widgets import (definition, definition_text, finest_level_note, format_delta, headline_text, kpi, metric_label, readable,
                               red_note,
                               table)

__all__ = ["CITY", "View", "as_of_caption", "chosen_language", "controls", "current_file_version", "current_view",
           "current_user", "data_version", "newer_version_preparing", "newest_read", "version_to_show", "definition", "definition_text", "district_names", "district_outlines", "districts_frame",
           "field", "finest_level_note", "format_delta", "headline_text", "is_red", "kpi", "metric_frame", "metric_label", "people_table", "pick_place", "place_map", "query_frame", "readable",
           "reader", "reading_scope", "red_list_frame", "red_note", "reference_frame", "say_timeout", "scope_row", "scoped", "scoped_label", "table",
           "timed_out", "townships_frame", "when", "whole_city_label"]
