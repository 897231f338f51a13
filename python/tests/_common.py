"""Shared helpers of the Python tests (run by CTest with /usr/bin/python3 and PYTHONPATH=build/python)."""

import os
import subprocess
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PIMTX_BIN = os.environ.get("PIMTX_BIN", os.path.join(ROOT, "build", "pimtx"))

try:
    import pimtx  # noqa: F401
except ImportError as e:  # reported as skipped by CTest (SKIP_RETURN_CODE 77), never as passed
    print(f"SKIPPED: cannot import the pimtx Python module ({e}); build it with pybind11 installed "
          "and set PYTHONPATH=build/python", file=sys.stderr)
    sys.exit(77)


def run_cli(*args, cwd=ROOT):
    """Run the pimtx executable; returns the CompletedProcess (text output)."""
    return subprocess.run([PIMTX_BIN, *args], cwd=cwd, capture_output=True, text=True, check=False)


def main():
    unittest.main(verbosity=2)
