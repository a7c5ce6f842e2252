"""Writing a file so that it is either whole or as it was: never half-written, whatever stops the writer."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """``with atomic_write(path) as f:`` writes to a temporary file beside ``path`` (``.<name>.<random>.tmp``),
    which replaces ``path`` (readable by all, 0644) only when the block ends without an error; otherwise it is
    removed and ``path`` is left as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
