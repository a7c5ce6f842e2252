"""The PDF cannot read the build machine: whatever the authors' HTML names, the PDF takes in only the
generator's own fonts and data: URLs, attaches no file, and links only to http(s) and mailto addresses.

Secrets are planted where an attacker would look for them: an environment variable of the build
(``/proc/self/environ``), a file beside the project, ``/etc/hostname``. The PDF is laid out with them
in reach, and read back with pypdf, objects and decompressed streams alike.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, StreamObject

from conftest import MINI_VIGNETTE, REPO, copy_project, run_cli
from generator.outputs.pdfworker import FONTS_DIR

SECRET = "s3cr3t-0f-the-build-machine"
HOSTNAME = Path("/etc/hostname")


def attacks(outside: Path) -> list[tuple[str, str]]:
    """(HTML, what the build must say about it) for every way HTML can make WeasyPrint fetch or attach."""
    up = "../" * 30 + outside.as_posix().lstrip("/")  # relative to the fonts' folder, the document's base
    return [
        ('<a rel="attachment" href="file:///proc/self/environ">environment</a>', "pdf.attachment"),
        ('<link rel="attachment" href="file:///etc/hostname">', "pdf.attachment"),
        (f'<a rel="attachment" href="{up}">outside</a>', "pdf.attachment"),
        ('<img src="file:///proc/self/environ" alt="environment">', "pdf.outside-file"),
        (f'<img src="{up}" alt="outside">', "pdf.outside-file"),
        ('<img src="http://other.host/tracker.png" alt="tracker">', "pdf.outside-file"),
        ('<link rel="stylesheet" href="file:///etc/hostname">', "pdf.outside-file"),
        ('<span style="background: url(\'file:///etc/hostname\')">background</span>', "pdf.outside-file"),
        ('<style>@font-face { font-family: Leak; src: url("http://other.host/font.ttf"); }'
         ' .leak { font-family: Leak; }</style><p class="leak">font</p>', "pdf.outside-file"),
        ('<a href="data:text/html,<h1>hi</h1>">data</a>', "pdf.link-scheme"),
        ('<a href="file:///etc/passwd">file</a>', "pdf.link-scheme"),
        ('<form action="http://other.host/"><input name="q" style="appearance: auto"></form>', "pdf.form"),
    ]


JAVASCRIPT = '<a href="javascript:app.alert(1)">script</a>'  # the loader refuses it before the PDF


def pdf_objects(reader: PdfReader):
    """Every object of the PDF, those in object streams too."""
    numbers = [(num, gen) for gen, objs in reader.xref.items() for num in objs]
    numbers += [(num, 0) for num in reader.xref_objStm]
    for num, gen in numbers:
        yield reader.get_object(IndirectObject(num, gen, reader))


def assert_carries_nothing_of_the_machine(data: bytes, outside_text: str) -> None:
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert reader.attachments == {}
    secrets = [SECRET, outside_text, HOSTNAME.read_text().strip()]
    for page in reader.pages:
        text = page.extract_text()
        assert not any(s in text for s in secrets)
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            assert annot["/Subtype"] == "/Link", annot
            action = annot.get("/A")
            if action is not None:
                assert action["/S"] == "/URI", annot
                assert action["/URI"].split(":", 1)[0] in ("http", "https", "mailto"), annot
    everything = [data]
    for obj in pdf_objects(reader):
        if isinstance(obj, StreamObject):
            everything.append(obj.get_data())
        if isinstance(obj, DictionaryObject):
            assert obj.get("/S") not in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"), obj
            assert "/JS" not in obj and "/EF" not in obj, obj
    for blob in everything:
        assert not any(s.encode() in blob for s in secrets)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside the project, holding a secret."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text("outside-the-project " + SECRET, encoding="utf-8")
    return path


LAY_OUT = """\
import json, sys
from pathlib import Path
from generator.outputs.layout import lay_out
pdf = lay_out(Path(sys.argv[1]).read_text(encoding="utf-8"))
Path(sys.argv[2]).write_bytes(pdf.data)
print(json.dumps([[r.kind, r.target] for r in pdf.refused]))
"""


def test_what_the_pdf_is_laid_out_from_cannot_put_the_machines_files_or_other_sites_into_it(tmp_path, outside):
    """The layout itself (the worker's part), with a secret in its environment: each attack is refused and
    listed, and the PDF WeasyPrint writes carries none of it."""
    body = "\n".join(html for html, _ in attacks(outside)) + "\n" + JAVASCRIPT
    fonts = FONTS_DIR.as_uri()
    source = tmp_path / "report.html"
    source.write_text(f'<!DOCTYPE html><html lang="en"><head><title>T</title><style>@font-face {{ font-family: S; '
                      f'src: url("{fonts}/SourceSerif4-Regular.ttf"); }} html {{ font-family: S; }}</style></head>'
                      f'<body><p>Words.</p>{body}<p><a href="https://example.org/">web</a></p></body></html>',
                      encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = subprocess.run([sys.executable, "-c", LAY_OUT, str(source), str(out)], cwd=REPO, capture_output=True,
                            text=True, env={**os.environ, "BUILD_TOKEN": SECRET})
    assert result.returncode == 0, result.stderr
    refused = json.loads(result.stdout)
    kinds = {kind for kind, _ in refused}
    assert kinds == {"attachment", "load", "link", "form"}
    targets = {target for _, target in refused}
    assert {"file:///proc/self/environ", "file:///etc/hostname", outside.as_uri(), "http://other.host/tracker.png",
            "http://other.host/font.ttf", "file:///etc/passwd", "javascript:app.alert(1)"} <= targets
    assert not any(t.startswith(fonts) for t in targets)  # the generator's own fonts are never refused
    assert_carries_nothing_of_the_machine(out.read_bytes(), outside.read_text(encoding="utf-8"))


def test_a_page_that_names_the_machines_files_fails_the_build_at_its_lines_and_nothing_is_written(tmp_path, outside,
                                                                                                  mini_site):
    root = copy_project(mini_site, tmp_path / "project")
    site_before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    found = attacks(outside)
    vignette = MINI_VIGNETTE + "\n" + "\n\n".join(html for html, _ in found) + "\n"
    (root / "vignettes" / "road-safety.md").write_text(vignette, encoding="utf-8")
    first = vignette.splitlines().index(found[0][0]) + 1
    expected = [f"vignettes/road-safety.md:{first + 2 * n}: " for n in range(len(found))]

    out = tmp_path / "report.pdf"
    result = run_cli("pdf", "--out", str(out), cwd=root)
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    # The authors' HTML check (core/sanitize.py) names each absolute address, form and style at its line before
    # any layout; a relative address is a link within the site to it, so the PDF's policy refuses it (below).
    for where, (html, code) in zip(expected, found, strict=True):
        if "../" not in html:
            assert any(line.startswith(where) and " [html." in line for line in problems), (html, problems)
    assert "Failed to load" not in result.stderr  # WeasyPrint's own warnings would only repeat them
    assert not out.exists()
    assert "PDF written" not in result.stdout

    build = run_cli("build", cwd=root)
    assert build.returncode == 1
    assert expected[0] in build.stderr
    assert "PDF written" not in build.stdout
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == site_before

    relative = [(html, code) for html, code in found if "../" in html and "attachment" not in html]
    assert relative
    vignette = MINI_VIGNETTE + "\n" + "\n\n".join(html for html, _ in relative) + "\n"
    (root / "vignettes" / "road-safety.md").write_text(vignette, encoding="utf-8")
    result = run_cli("pdf", "--out", str(out), cwd=root)
    assert result.returncode == 1
    for html, code in relative:
        where = f"vignettes/road-safety.md:{vignette.splitlines().index(html) + 1}: "
        assert any(line.startswith(where) and line.endswith(f"[{code}]") for line in result.stderr.splitlines()), (
            html, result.stderr)
    assert not out.exists()


def test_the_fetcher_serves_the_generators_fonts_and_nothing_a_link_in_their_folder_points_to(tmp_path, outside):
    from generator.outputs.pdfpolicy import Fetcher

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / "Own.ttf").write_bytes(b"font")
    (fonts / "Leak.ttf").symlink_to(outside)
    fetcher = Fetcher(fonts)
    assert fetcher.fetch((fonts / "Own.ttf").as_uri()).read() == b"font"
    assert fetcher.fetch("data:text/plain,inline").read() == b"inline"
    for url in [(fonts / "Leak.ttf").as_uri(), (fonts / ".." / "outside" / "secret.txt").as_uri(),
                f"file://other.host{fonts / 'Own.ttf'}", "http://other.host/x.ttf", fonts.as_uri()]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5
