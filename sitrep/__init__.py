"""Sitrep: situational awareness for Chongqing's epidemic-response command center.

Everything that is not a Streamlit page lives here; the pure modules never import Streamlit.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DB_PATH = DATA_DIR / "sitrep.duckdb"

__version__ = "0.1.0"
