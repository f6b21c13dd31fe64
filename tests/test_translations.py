"""Every user-visible string has its Chinese translation, and the catalogues match the code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jianguan"
CATALOGUES = sorted(SRC.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_templates_or_models_has_a_catalogue() -> None:
    apps = {path.parent.name for path in SRC.glob("*/apps.py")}
    with_catalogue = {path.parts[-5] for path in CATALOGUES}
    assert apps <= with_catalogue, f"apps without a zh_Hans catalogue: {sorted(apps - with_catalogue)}"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_catalogue_is_complete(catalogue: Path) -> None:
    po = polib.pofile(str(catalogue))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


@pytest.mark.slow
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-5])
def test_catalogue_matches_the_code(catalogue: Path, tmp_path: Path) -> None:
    """Re-extract the strings from a copy of the app: nothing new may appear (run `make messages`)."""
    app = catalogue.parents[3]
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    jianguan = Path(sys.executable).with_name("jianguan")
    subprocess.run([str(jianguan), "makemessages", "-l", "zh_Hans", "-v0"], cwd=copy, check=True, timeout=120)
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    known = {entry.msgid for entry in polib.pofile(str(catalogue)) if not entry.obsolete}
    assert not fresh - known, f"strings missing from {catalogue}: {sorted(fresh - known)}"
