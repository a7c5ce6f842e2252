"""What identifies a release: its version, its build date, and the checksums of its files.

Every output (the site's footer, the PDF's back matter, the ``SHA256SUMS`` manifest) takes these from
here, so that two builds of one commit with the same ``SOURCE_DATE_EPOCH`` are byte-identical
whatever the folder, time zone or locale they ran in.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from datetime import datetime, timezone
from pathlib import Path

DISTRIBUTION = "report-generator"
CHECKSUMS = "SHA256SUMS"
NOT_INSTALLED = "not installed"


def version() -> str:
    """The release version, from the installed package's metadata (``pyproject.toml``)."""
    version = package_version(DISTRIBUTION)
    return "0+unknown" if version == NOT_INSTALLED else version  # a source tree never installed


def source_date_epoch(environ: dict[str, str] | None = None) -> int | None:
    """``SOURCE_DATE_EPOCH`` as an int, or None when it is not set.

    Raises ValueError with a readable message when it is set but is not a whole number of seconds.
    """
    value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {value!r}")
    return int(value)


def build_date(epoch: int | None = None) -> str:
    """The build date as an ISO date (``2018-02-28``), in UTC so that the time zone does not matter.

    ``epoch`` defaults to ``SOURCE_DATE_EPOCH``; without it, today.
    """
    if epoch is None:
        epoch = source_date_epoch()
    moment = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    return moment.date().isoformat()


def release_files(site_dir: Path) -> list[str]:
    """Every file of a built site (POSIX paths relative to it, sorted by code point), less the manifest."""
    site_dir = Path(site_dir)
    paths = (p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file())
    return sorted(p for p in paths if p != CHECKSUMS)


def checksums(site_dir: Path) -> str:
    """The ``SHA256SUMS`` manifest of a built site, in ``sha256sum`` format (check with ``sha256sum -c``)."""
    lines = []
    for rel in release_files(site_dir):
        digest = hashlib.sha256()
        with open(Path(site_dir, rel), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {rel}\n")
    return "".join(lines)


def write_checksums(site_dir: Path) -> Path:
    """Write ``SHA256SUMS`` into ``site_dir`` and return its path."""
    path = Path(site_dir, CHECKSUMS)
    path.write_text(checksums(site_dir), encoding="utf-8", newline="\n")
    return path


def human_size(n: int) -> str:
    """'1.2 MB', '830 kB' (SI units, as a download link shows them)."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} kB"


def package_version(name: str) -> str:
    """The installed version of the distribution ``name``, or "not installed" (for a cache's key)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED
