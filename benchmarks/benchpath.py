"""Imported first by every benchmark: this directory goes after the standard library.

Python puts a script's own directory first on ``sys.path``, and ``benchmarks/queue.py``
would then shadow the standard library's ``queue`` (which psycopg, RQ and
multiprocessing import). Moving the directory to the end keeps ``benchlib`` importable.
"""

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [entry for entry in sys.path if str(Path(entry or ".").resolve()) != HERE]
sys.path.append(HERE)
