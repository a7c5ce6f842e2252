"""The site half of ``report build``: ``mkdocs build --strict`` in a child process (:mod:`.run`), run while
the PDF is laid out. The pages link to the PDF and print a placeholder for its size; once both are done,
:func:`publish_pdf` puts the PDF into the site and its size into the pages. MkDocs glue, like the plugin;
the stages below know nothing of it."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

from ...common.release import human_size
from ...knowledge.sitemap import DOWNLOADS

PLACEHOLDER_PREFIX = "report-pdf-size-pending-"


class SiteFailed(Exception):
    """MkDocs stopped with an error while the PDF was being laid out (MkDocs has said why)."""


class SiteBuild:
    """``with SiteBuild(root, out, pdf) as site:`` runs ``mkdocs build --strict`` in a child process while
    the PDF is laid out.

    The child builds and writes the whole site, its pages linking to ``downloads/<pdf's name>`` and
    printing ``site.size_placeholder`` (new for every build, so no text can contain it) for its size.
    Inside ``site.laying_out()``, the child failing raises :class:`SiteFailed` here, in the main thread:
    there is nothing left to build the PDF for. Leaving the ``with`` block always ends the child and
    reaps it, so it writes nothing more.
    """

    def __init__(self, root: Path, site_dir: Path, pdf: Path):
        self._cmd = [sys.executable, "-m", "generator.hosts.mkdocs.run",
                     "--config-file", str(root / "mkdocs.yml"), "--site-dir", str(site_dir)]
        self._cwd, self._pdf = root, pdf
        self.size_placeholder = f"{PLACEHOLDER_PREFIX}{secrets.token_hex(8)}"
        self._laying_out = False
        self._watcher: threading.Thread | None = None
        self._previous_handler = None

    def __enter__(self) -> SiteBuild:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPORT_PDF": str(self._pdf),
               "REPORT_PDF_SIZE": self.size_placeholder}
        # A process group of its own: Ctrl-C in the terminal reaches `report` alone, which stops MkDocs.
        # Were MkDocs to die of it first, its failure could be reported instead of the interrupt.
        self.proc = subprocess.Popen(self._cmd, cwd=self._cwd, env=env, process_group=0)
        try:
            if (hasattr(os, "waitid") and hasattr(signal, "pthread_kill")
                    and threading.current_thread() is threading.main_thread()):
                self._previous_handler = signal.signal(signal.SIGUSR1, self._interrupted) or signal.SIG_DFL
                self._watcher = threading.Thread(target=self._watch, name="mkdocs-watch", daemon=True)
                self._watcher.start()
        except BaseException:  # e.g. Ctrl-C right now: __exit__ will not run
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
        if self._watcher is not None:
            # The child is reaped, so the watcher returns at once; any signal it sent has reached this
            # thread (a no-op by now) before the handler is put back.
            self._watcher.join(timeout=10)
            self._watcher = None
        if self._previous_handler is not None:
            signal.signal(signal.SIGUSR1, self._previous_handler)
            self._previous_handler = None

    @contextlib.contextmanager
    def laying_out(self) -> Iterator[None]:
        self._laying_out = True
        try:
            yield
        finally:
            self._laying_out = False

    def _watch(self) -> None:
        # Signals sent to the process are the main thread's to take: blocked here, they interrupt its waits.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        try:  # wait for the child to end without reaping it: Popen.wait still does that
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)
        except OSError:
            return
        if self._laying_out and info is not None and not (info.si_code == os.CLD_EXITED and info.si_status == 0):
            # A real signal, to the main thread: it also cuts short a wait in a system call.
            signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)

    def _interrupted(self, signum, frame) -> None:
        if self._laying_out:  # not once the PDF is done: then wait() reports the failure
            raise SiteFailed()

    def wait(self) -> int:
        return self.proc.wait()

    def stop(self) -> None:
        """End the child (if it still runs) and reap it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def publish_pdf(site_dir: Path, pdf: Path, placeholder: str) -> None:
    """Put ``pdf`` into ``site_dir/downloads/`` and its size into the pages that print ``placeholder``."""
    (site_dir / DOWNLOADS).mkdir(exist_ok=True)
    shutil.copyfile(pdf, site_dir / DOWNLOADS / pdf.name)
    pending, size = placeholder.encode(), human_size(pdf.stat().st_size).encode()
    for page in site_dir.rglob("*.html"):
        html = page.read_bytes()
        if pending in html:
            page.write_bytes(html.replace(pending, size))
