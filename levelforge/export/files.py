"""An export's files: safe names, all checked before any is written, each written atomically.

Formats build their files in memory (``{relative name: bytes}``);
:func:`write_files` then checks every name (a plain relative path that stays
inside the output folder) and that none exists (unless ``force``), and only
then writes them, each to a temporary name beside it and renamed into place.
A name clash or a bad name therefore writes nothing, and a crash mid-way
leaves no half-written file.

:func:`stems` turns level names into file stems: letters, digits, ``-``,
``_`` and ``.`` only, no leading dot, at most 80 characters, and unique
within the export (a clash gets ``-2``, ``-3`` ...).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from ..atomic import write_atomic
from ..errors import LevelforgeError

MAX_STEM = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ExportError(LevelforgeError):
    """An export cannot be written: a file exists, a name is unsafe, a level does not fit the format."""


def stem(name: str) -> str:
    """``name`` as a safe file stem (never empty)."""
    s = _UNSAFE.sub("_", name).strip("._-")[:MAX_STEM].rstrip("._-")
    return s or "level"


def distinct(bases: Iterable[str], sep: str = "-", taken: Iterable[str] = ()) -> list[str]:
    """``bases`` made distinct, case-insensitively (for every file system), by numbering repeats:
    ``a``, ``a-2``, ``a-3`` (``sep`` joins the number); names in ``taken`` count as used already."""
    out: list[str] = []
    seen: set[str] = {t.lower() for t in taken}
    for base in bases:
        s, k = base, 1
        while s.lower() in seen:
            k += 1
            s = f"{base}{sep}{k}"
        seen.add(s.lower())
        out.append(s)
    return out


def stems(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Safe, distinct stems for ``names``, in order, none of them in ``taken`` (the stems of an
    export's own files: ``index``, ``tileset`` ...)."""
    return distinct((stem(n) for n in names), taken=taken)


def check_name(name: str) -> PurePosixPath:
    """``name`` as a relative path inside the export folder, or :class:`ExportError`."""
    p = PurePosixPath(name)
    if not name or p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or "\\" in name:
        raise ExportError(f"unsafe file name {name!r} in an export")
    return p


def write_files(out: str | Path, files: Mapping[str, bytes], force: bool = False) -> list[Path]:
    """Write ``files`` (relative name -> bytes) under ``out``; the paths written, in name order."""
    out = Path(out)
    targets = {name: out.joinpath(*check_name(name).parts) for name in files}
    folders = sorted(str(p) for p in targets.values() if p.is_dir())
    if folders:
        raise ExportError(f"{folders[0]} is a folder; cannot write a file there")
    if not force:
        existing = sorted(str(p) for p in targets.values() if p.exists())
        if existing:
            what = f"{existing[0]} and {len(existing) - 1} more files already exist" if len(existing) > 1 else \
                f"{existing[0]} already exists"
            raise ExportError(f"{what}; nothing written (use --force to replace them)")
    written = []
    for name in sorted(files):
        path = targets[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_atomic(path, files[name]))
    return written
