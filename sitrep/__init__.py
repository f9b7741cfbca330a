"""Sitrep: situational awareness for Chongqing's epidemic-response command center.

Everything that is not a Streamlit page lives here; the pure modules never import Streamlit.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DB_PATH = DATA_DIR / "sitrep.duckdb"


def database_path() -> Path:
    """The database the app, the CLI and imports use: $SITREP_DB, else data/sitrep.duckdb."""
    return Path(os.environ.get("SITREP_DB") or DEFAULT_DB_PATH)

__version__ = "0.1.0"
