"""The text of a generated PDF, read back by poppler's pdftotext as a person would see it."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes, tmp_path, *, layout: bool = True) -> str:
    """The PDF's text; `layout` keeps table rows on one line, otherwise reading order."""
    tool = shutil.which("pdftotext")
    if tool is None:
        message = "pdftotext (poppler-utils) is not installed here; CI installs it"
        if os.environ.get("REQUIRE_BROWSER"):  # set by CI: it must run there
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    options = ["-layout"] if layout else []
    out = subprocess.run(
        [tool, *options, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return out.stdout
