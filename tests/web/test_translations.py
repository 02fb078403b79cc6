"""Every user-facing string is wrapped and has a Danish translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from depot.config import PROJECT_ROOT

PO = PROJECT_ROOT / "depot" / "translations" / "da" / "LC_MESSAGES" / "messages.po"


def test_every_message_has_a_danish_translation(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        catalogue = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(extracted - translated)
    assert not missing, f"{len(missing)} strings lack a Danish translation: {missing[:20]}"
