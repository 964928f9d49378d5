"""Atomic file writes: a file is either its old self or completely new, never half written.

:func:`write_atomic` writes to a fresh temporary name in the target's folder
and renames it over the target (``os.replace``, atomic on POSIX and
Windows); on any error the temporary file is removed and the target is
untouched. Every file levelforge writes for a user goes through it (images,
GIFs, replays, marks, exports).
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path. A missing folder is a
    FileNotFoundError naming ``path`` and its folder (not the temporary file)."""
    p = Path(path)
    folder = p.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"no folder {folder}", str(p))
    while True:
        tmp = p.with_name(f".{p.name}.{secrets.token_hex(6)}.partial")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:  # pragma: no cover - a 48-bit name clash
            continue
        break
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return p
