"""Help starts without the heavy libraries: they load inside the command that uses them.

Start-up time itself is measured in benchmarks/README.md ("Start-up"), not here.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("polars", "duckdb", "networkx", "plotly", "jinja2", "pyfixest")

# Runs the CLI as `python -m tradeflows ARGS` does, then prints which heavy modules it loaded.
PROBE = f"""
import json, runpy, sys
sys.argv = ["tradeflows", *sys.argv[1:]]
try:
    runpy.run_module("tradeflows", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)), file=sys.stderr)
"""


def loaded_modules(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    assert "Usage" in result.stdout
    return json.loads(result.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("sql", "--help"), ("indicators", "--help"), ("routes", "--help")])
def test_help_loads_no_heavy_library(args):
    assert loaded_modules(*args) == []


def test_importing_the_package_loads_no_heavy_library():
    code = f"import sys, tradeflows.cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_public_api_still_loads_on_use():
    code = "import sys, tradeflows; tradeflows.open; print('duckdb' in sys.modules, 'open' in dir(tradeflows))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True"]
