"""A content-addressed cache of the PDF: lay the report out again only when something it depends on changed.

WeasyPrint's output is a pure function of what it is given and of what it runs on (the reproducibility
tests prove it byte for byte). The key is the SHA-256 of all of it:

- the HTML document (the report's pages, the cover and back matter, the CSS, the build date and the
  fonts' URLs), exactly as it is laid out;
- the bytes of every file in the vendored fonts' folder;
- the versions of WeasyPrint and of the Python packages it requires (pydyf writes the PDF, fontTools
  subsets fonts, Pyphen hyphenates, tinycss2 and cssselect2 read the CSS, …);
- the versions of the native libraries that shape and measure text (Pango, HarfBuzz, fontconfig,
  FreeType), of HarfBuzz-Subset, which subsets the fonts (or that it is missing), and of zlib, which
  compresses the PDF's streams;
- the options the PDF is written with.

Entries live in ``<folder>/<key>.pdf``; only the newest is kept. Every write is a temporary file
renamed into place, so a reader sees a whole entry or none, and an interrupted build leaves nothing
half-written. Looking up a key never imports WeasyPrint, which is slow to import.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import re
import shutil
import sys
import time
import zlib
from importlib import metadata
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from ..common.files import atomic_write
from ..common.project import Layout, caches_read
from ..common.release import package_version

FORMAT = "report-pdf-cache 4"  # change it when the make-up of the key, or what may go into the PDF, changes
STALE_TEMP_SECONDS = 3600  # a temporary file this old belongs to a build that was killed

# The native libraries WeasyPrint loads (weasyprint/text/ffi.py tries these names, among others).
# Their versions are read through ctypes, from the same shared objects: WeasyPrint exposes them only
# from weasyprint.text.ffi, and importing that module imports all of WeasyPrint.
_NATIVE = {
    "pango": (("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll"), "pango_version_string"),
    "harfbuzz": (("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"), "hb_version_string"),
    # Optional: without it WeasyPrint subsets the fonts with fontTools, into other bytes ("unknown" then).
    "harfbuzz-subset": (("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll"),
                        "hb_version_string"),
    "fontconfig": (("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll"), "FcGetVersion"),
    "freetype": (("libfreetype.so.6", "libfreetype.6.dylib", "libfreetype-6.dll"), None),
}


def _load(names: tuple[str, ...]):
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _native_version(library: str) -> str:
    names, function = _NATIVE[library]
    lib = _load(names)
    if lib is None:  # not where this platform keeps it: WeasyPrint's own version still counts
        return "unknown"
    try:
        if function is None:  # FreeType: FT_Library_Version needs a library instance
            handle = ctypes.c_void_p()
            if lib.FT_Init_FreeType(ctypes.byref(handle)) != 0:
                return "unknown"
            parts = [ctypes.c_int() for _ in range(3)]
            lib.FT_Library_Version(handle, *(ctypes.byref(p) for p in parts))
            lib.FT_Done_FreeType(handle)
            return ".".join(str(p.value) for p in parts)
        call = getattr(lib, function)
        if function == "FcGetVersion":
            return str(call())
        call.restype = ctypes.c_char_p
        return call().decode("ascii", "replace")
    except AttributeError:
        return "unknown"


@lru_cache(maxsize=1)
def engine_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of WeasyPrint, the packages it requires, and the native libraries it lays text
    out with, sorted by name."""
    versions = {"python": sys.version.split()[0], "zlib": zlib.ZLIB_RUNTIME_VERSION}
    try:
        required = metadata.requires("weasyprint") or []
    except metadata.PackageNotFoundError:
        required = []
    versions["weasyprint"] = package_version("weasyprint")
    for requirement in required:
        if "extra ==" in requirement:  # documentation and test tools
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement)[0]
        versions[name.lower()] = package_version(name)
    for library in _NATIVE:
        versions[f"lib{library}"] = _native_version(library)
    return tuple(sorted(versions.items()))


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key(html: str, fonts_dir: Path, options: Mapping[str, object]) -> str:
    """The cache key of the PDF laid out from ``html`` with the fonts in ``fonts_dir`` and ``options``."""
    fonts_dir = Path(fonts_dir)
    fonts = sorted((p.relative_to(fonts_dir).as_posix(), _file_digest(p)) for p in fonts_dir.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for part in (FORMAT, json.dumps({"engine": engine_versions(), "fonts": fonts, "options": dict(options)},
                                    sort_keys=True), html):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))  # lengths first: no two inputs run into each other
        digest.update(data)
    return digest.hexdigest()


def _looks_whole(path: Path) -> bool:
    """A PDF that starts and ends as one does (a file cut short, or not a PDF, is not reused)."""
    try:
        with open(path, "rb") as f:
            head = f.read(5)
            f.seek(max(0, path.stat().st_size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


def copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary file beside it: ``target`` is whole or untouched."""
    with atomic_write(target) as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)


class PdfCache:
    """``<folder>/<key>.pdf``. ``read=False`` never reuses an entry but still stores a fresh PDF."""

    def __init__(self, folder: Path, *, read: bool = True):
        self.folder = Path(folder)
        self.read = read

    def entry(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def kept_at(self) -> float | None:
        """When the newest entry was kept (its modification time); None when there is none to reuse."""
        if not self.read or not self.folder.is_dir():
            return None
        times = []
        for path in self.folder.glob("*.pdf"):
            with contextlib.suppress(OSError):  # removed by a build running at the same time
                times.append(path.stat().st_mtime)
        return max(times, default=None)

    def fetch(self, key: str, out: Path) -> bool:
        """Copy the entry for ``key`` to ``out`` and return True; False when there is none to reuse."""
        if not self.read:
            return False
        entry = self.entry(key)
        if not (entry.is_file() and _looks_whole(entry)):
            return False
        copy_atomically(entry, out)
        return True

    def store(self, key: str, pdf: Path) -> None:
        """Keep ``pdf`` as the entry for ``key``, and only it. A cache that cannot be written (a read-only
        folder, a full disk) is not an error: the PDF is built, only not kept for next time."""
        try:
            copy_atomically(pdf, self.entry(key))
            self.prune(keep=self.entry(key))
        except OSError:
            pass

    def prune(self, keep: Path) -> None:
        now = time.time()
        for path in self.folder.iterdir():
            try:
                if path == keep or not path.is_file():
                    continue
                if path.suffix == ".pdf" or (path.suffix == ".tmp"
                                             and now - path.stat().st_mtime > STALE_TEMP_SECONDS):
                    path.unlink()
            except OSError:  # removed by a build running at the same time
                continue


CACHE_DIR = Path(".cache") / "pdf"  # under the project's root

def pdf_cache(root: Path, use_cache: bool) -> PdfCache:
    return PdfCache(root / CACHE_DIR, read=use_cache and caches_read())


def will_lay_out(root: Path, cache: PdfCache) -> bool:
    """A guess made before the project is loaded, so that WeasyPrint is imported early only when it will
    probably be needed: the cache is not read, holds no PDF, or a source file changed after its newest
    PDF was kept. (Whether the PDF is reused is decided by its key, later.)"""
    kept = cache.kept_at()
    if kept is None:
        return True
    layout = Layout()
    sources = [root / "mkdocs.yml", *(p for folder in (layout.content, layout.vignettes, layout.references)
                                      for p in (root / folder).rglob("*"))]
    for path in sources:
        try:
            if path.stat().st_mtime > kept:
                return True
        except OSError:  # removed meanwhile: the loader will say so
            return True
    return False
