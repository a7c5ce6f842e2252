"""Valid HTML: the Nu Html Checker (vnu.jar, pinned in package-lock.json) finds no error on any page."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import REPO, required

VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# One short run: the quick compiler alone and one garbage collector thread take a third of the CPU of Java's
# defaults, with the same messages; the checker's schema needs a deeper stack than the quick compiler's default.
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss2m"]


def test_every_page_is_valid_html(built_site):
    java = shutil.which("java")
    required("Java", java is not None, "default-jre-headless")
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR} is missing: run `npm ci --ignore-scripts` (make test does)")
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 10
    result = subprocess.run([java, *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html",
                             str(built_site)], capture_output=True, text=True)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{m['url'].split(str(built_site))[-1]}:{m.get('lastLine', '?')}: {m['message']} "
              f"[{m.get('extract', '').strip()[:80]}]"
              for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(errors[:40])
