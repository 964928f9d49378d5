"""The README's Python example runs as written."""

from __future__ import annotations

import contextlib
import io
import os

from conftest import REPO


def test_readme_python_example_runs():
    text = (REPO / "README.md").read_text()
    start = text.index("```python") + len("```python")
    code = text[start : text.index("```", start)]
    cwd = os.getcwd()
    os.chdir(REPO)  # the example reads games/... relative to the checkout
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().startswith("['")  # the solver's plan, as action names
