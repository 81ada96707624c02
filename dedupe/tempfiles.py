"""Temporary files written next to their target, and the removal of those a killed run left behind.

Every file ``dedupe`` replaces (``-o``, ``--in-place``, an index file) is first written to
``.dedupe-<pid>-<random>.tmp`` in the target's directory, then renamed over the target. A
process killed outright (``kill -9``, a crash, a power cut) leaves that file behind.

To tell such a file from the one of a run still at work, a writer holds a shared lock
(``flock``) on the directory for as long as it has a temporary file there; the system drops
the locks of a process however it ends, ``kill -9`` included, and a lock taken in one
container is seen in another on the same machine. :func:`remove_stale` removes a
directory's temporary files only while it holds the exclusive lock (so no writer is left)
and only those whose pid is not a running process: a second guard, for file systems whose
locks do not reach other machines. A pid reused by another process only delays the
removal to a later run; where the directory cannot be locked (a network file system that
cannot lock directories, Windows), nothing is removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

_NAME = re.compile(r"\.dedupe-([0-9]+)-[a-z0-9_]+\.tmp")

if sys.platform == "win32":  # pragma: no cover - no flock: nothing is ever judged stale

    def _lock(directory: str, *, exclusive: bool) -> int | None:
        return None

else:
    import fcntl

    def _lock(directory: str, *, exclusive: bool) -> int | None:
        """Lock ``directory``, shared (waiting up to a second) or exclusive (not waiting); return the lock's descriptor.

        ``None``: the directory cannot be locked, or someone else holds a lock that stands in the way.
        """
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return None
        # A writer waits for a run removing files there (a moment), but not forever: a cleaner
        # stopped by Ctrl-Z must not hang it; the pid in its files' names still guards them.
        for _ in range(1 if exclusive else 100):
            try:
                fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if not exclusive:
                    time.sleep(0.01)
            except OSError:
                break
        os.close(fd)
        return None


@dataclass
class _Held:
    """The shared lock this process holds on one directory, and how many of its temporary files are there."""

    fd: int | None  # None: the directory cannot be locked
    files: int


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


def _hold(directory: str) -> None:
    with _held_guard:
        held = _held.get(directory)
        if held is None:
            _held[directory] = _Held(_lock(directory, exclusive=False), 1)
        else:
            held.files += 1


def _release(directory: str) -> None:
    with _held_guard:
        held = _held[directory]
        held.files -= 1
        if not held.files:
            del _held[directory]
            if held.fd is not None:
                os.close(held.fd)


# Every temporary file of this process not yet renamed or removed, so that an interrupted run
# removes them all, also one made a moment before the signal came (before its owner held it).
_live: dict[int, TempFile] = {}
_STOPPING = {signal.SIGINT, signal.SIGTERM} if hasattr(signal, "pthread_sigmask") else set()


class TempFile:
    """A new, empty temporary file in ``directory``: open for writing as ``fd``, named ``path``.

    The caller owns ``fd`` (and closes it); :meth:`replace` or :meth:`remove` ends the file's life.
    """

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(directory)
        _hold(self.directory)
        # Ctrl-C or SIGTERM waits while the file is made and registered: no moment leaves it unknown.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING) if _STOPPING else None
        try:
            self.fd, self.path = tempfile.mkstemp(prefix=f".dedupe-{os.getpid()}-", suffix=".tmp", dir=self.directory)
            self._open = True
            _live[id(self)] = self
        except BaseException:
            _release(self.directory)
            raise
        finally:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def replace(self, target: str) -> None:
        """Rename the file over ``target``."""
        os.replace(self.path, target)
        self._done()

    def remove(self) -> None:
        """Delete the file (best effort: what cannot be deleted now, a later run removes)."""
        if self._open:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self._done()

    def _done(self) -> None:
        if self._open:
            self._open = False
            _live.pop(id(self), None)
            _release(self.directory)


def remove_unfinished() -> None:
    """Remove every temporary file of this process still waiting for its rename (the run was stopped)."""
    for temp in list(_live.values()):
        temp.remove()


def mode_for(path: str) -> int:
    """The mode a file written over ``path`` gets: that of the file it replaces, else what the umask leaves of 0666."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def remove_stale(directory: str) -> list[tuple[str, int]]:
    """Remove the temporary files that writers no longer alive left in ``directory``.

    Returns the path and writer's pid of each file removed; nothing when another process is
    writing there at the moment (its lock is held) or when the directory cannot be locked.
    """
    fd = _lock(directory, exclusive=True)
    if fd is None:
        return []
    removed = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                match = _NAME.fullmatch(entry.name)
                if match is None or not entry.is_file(follow_symlinks=False):
                    continue
                pid = int(match.group(1))
                if _running(pid):
                    continue
                try:
                    os.unlink(entry.path)
                except OSError:
                    continue
                removed.append((entry.path, pid))
    except OSError:
        pass  # an unreadable directory: nothing more to remove
    finally:
        os.close(fd)
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this pid may exist (pid 0 names none: ``kill(0)`` means the process group)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):
        return False  # no process can have that pid
    except OSError:
        return True  # another user's process, or no telling: keep the file
    return pid > 0
