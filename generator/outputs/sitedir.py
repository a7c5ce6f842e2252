"""Replace an output folder all at once, or not at all — and never one that holds the sources.

A build writes into a staging folder beside the output (``.site-new-<pid>-…``); only a complete build
is swapped in. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call, so there is no moment
without a site; elsewhere it is two renames, the first undone if the second fails. Signals are held
back while folders change names, and staging folders left by a killed build are removed by the next.
The published folder gets the permissions of any new folder (0755 under the usual umask).

:func:`overlap` says why an output would destroy the project's sources; :func:`locked` lets one build
at a time replace a given folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

try:
    import fcntl
except ImportError:  # not on Windows: builds are not locked there
    fcntl = None

NEW_PREFIX = ".site-new-"
OLD_PREFIX = ".site-old-"
_HELD = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Delay SIGINT/SIGTERM/SIGHUP until the block has finished (no-op where unsupported)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def overlap(root: Path, out: Path, folders: Iterable[str]) -> str | None:
    """Why writing to ``out`` would destroy the project at ``root`` — ``out`` is, contains or lies inside the
    project or one of its source ``folders``, symbolic links followed — or None. A folder inside the
    project that is none of these (``site/``, ``public/``) is fine."""
    root, out = Path(os.path.realpath(root)), Path(os.path.realpath(out))
    if out == root:
        return "is the project's own folder"
    if root.is_relative_to(out):
        return f"contains the project ({root})"
    for name in folders:
        folder = Path(os.path.realpath(root / name))
        if out == folder:
            return f"is the project's {name}/ folder"
        if out.is_relative_to(folder):
            return f"is inside the project's {name}/ folder"
        if folder.is_relative_to(out):
            return f"contains the project's {name}/ folder"
    return None


@contextlib.contextmanager
def locked(site_dir: Path, say: Callable[[str], object]) -> Iterator[None]:
    """Hold the lock of ``site_dir`` (``.<name>.lock`` beside it, removed when the block ends) for the block:
    a second build of the same folder waits for the first to finish, saying so, then builds from the sources
    as they are by then, so that an older build never replaces a newer one; ``say`` tells the waiting. The
    system releases the lock when its process ends, however it ends."""
    if fcntl is None:
        yield
        return
    site_dir = Path(site_dir).resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    path = site_dir.parent / f".{site_dir.name}.lock"
    while True:
        lock = open(path, "a+", encoding="ascii")
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip()
                say(f"waiting for another build of {site_dir} to finish"
                    f"{f' (pid {holder})' if holder.isdigit() else ''}; Ctrl-C stops waiting.")
                fcntl.flock(lock, fcntl.LOCK_EX)
            if _same_file(path, lock):
                break
        except BaseException:
            lock.close()
            raise
        lock.close()  # the holder removed the file as it finished: lock the one there now
    with lock:  # closing it releases the lock
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
            yield
        finally:
            path.unlink(missing_ok=True)  # while still held: whoever waits on it locks a new file


def _same_file(path: Path, file) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(file.fileno()).st_ino
    except FileNotFoundError:
        return False


def unremovable(folder: Path) -> Path | None:
    """The first folder in ``folder`` (itself included) whose entries this process may not remove (read-only,
    or immutable), or None: a site that could not be removed entirely is not replaced."""
    for path, _, _ in os.walk(folder):
        if not os.access(path, os.W_OK | os.X_OK):
            return Path(path)
    return None


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new, empty folder in ``parent`` named ``<prefix><random>``, with the permissions of any new folder
    (``tempfile.mkdtemp`` gives 0700, which the published site would keep)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs: a process killed but not yet waited for by its parent (a zombie) does not;
    it stays in the process table, and ``kill(pid, 0)`` reaches it, until then."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:  # no /proc here, or it has just ended
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]  # "pid (name) state …"; the name may hold ")"


def remove_stale(parent: Path) -> list[Path]:
    """Remove staging folders in ``parent`` whose build process no longer runs (e.g. after SIGKILL)."""
    removed = []
    for prefix in (NEW_PREFIX, OLD_PREFIX):
        for path in sorted(parent.glob(f"{prefix}*")):
            pid = path.name[len(prefix):].split("-", 1)[0]
            if path.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False when the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False  # kernel or file system without RENAME_EXCHANGE
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def swap_in(new: Path, site_dir: Path) -> Path | None:
    """Put the complete folder ``new`` at ``site_dir``; call with signals held.

    Returns the folder now holding the previous site (for the caller to remove), or None when there
    was none. On failure ``site_dir`` is as it was and the exception propagates.
    """
    if not site_dir.exists():
        new.rename(site_dir)
        return None
    blocked = unremovable(site_dir)
    if blocked is not None:
        raise PermissionError(f"{blocked} is read-only, so the previous site cannot be removed — make it writable "
                              f"(chmod -R u+w {site_dir}) or remove it, then build again")
    if _exchange(new, site_dir):
        return new  # now holds the previous site
    old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{os.getpid()}-", dir=site_dir.parent))
    try:
        site_dir.rename(old / "site")
        try:
            new.rename(site_dir)
        except BaseException:
            (old / "site").rename(site_dir)
            raise
    except BaseException:
        if not (old / "site").exists():  # never delete the previous site
            shutil.rmtree(old, ignore_errors=True)
        raise
    return old


class Staging:
    """``with Staging(site) as stage:`` build into ``stage.path``, then ``stage.publish()``.

    Leaving the block without publishing (an error, Ctrl-C, SIGTERM turned into an exception) leaves
    ``site`` as it was; either way no staging folder is left behind.
    """

    def __init__(self, site_dir: Path):
        self.site_dir = Path(site_dir).resolve()
        self.path: Path | None = None
        self.published = False
        self._old: Path | None = None

    def __enter__(self) -> Staging:
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.site_dir.parent)
        try:
            with signals_held():
                self.path = _new_folder(self.site_dir.parent, f"{NEW_PREFIX}{os.getpid()}-")
        except BaseException:  # a signal delivered as the block ends
            self._clean()
            raise
        return self

    def publish(self) -> None:
        assert self.path is not None, "publish() inside the with block"
        with signals_held():
            self._old = swap_in(self.path, self.site_dir)
            self.published = True

    def _clean(self) -> None:
        with signals_held():
            for path in (self.path, self._old):
                if path is not None and path.exists() and path != self.site_dir:
                    shutil.rmtree(path, ignore_errors=True)

    def __exit__(self, *exc_info) -> None:
        self._clean()
