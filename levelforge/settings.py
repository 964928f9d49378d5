"""Settings: what every config dataclass (DQNConfig, GANConfig) can do with itself.

A config is a dataclass of plain values. :class:`Settings` gives it a dict
form (saved inside model files, so a result can be traced to its settings),
a tolerant way back (unknown keys from other versions are ignored), and
``--set KEY=VALUE`` parsing with each field's own type.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, TypeVar

S = TypeVar("S", bound="Settings")
SCALARS = (bool, int, float, str)


class Settings:
    """Mixin for config dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[S], d: dict[str, Any]) -> S:
        """A config from :meth:`to_dict`'s output; unknown keys (from other
        versions) are ignored, missing ones take their defaults."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def parse_overrides(cls, items: "list[str] | tuple[str, ...]") -> dict[str, Any]:
        """``["batch_size=64", "prioritized=true"]`` as typed field values
        (what ``--set KEY=VALUE`` options give); ValueError names a bad item."""
        defaults = cls()
        names = [f.name for f in fields(cls) if isinstance(getattr(defaults, f.name), SCALARS)]  # type: ignore[arg-type]
        out: dict[str, Any] = {}
        for item in items:
            key, sep, raw = item.partition("=")
            if not sep or key not in names:
                raise ValueError(f"--set {item!r}: expected KEY=VALUE with KEY one of {', '.join(names)}")
            kind = type(getattr(defaults, key))
            if kind is bool:
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(f"--set {item!r}: expected true or false")
                out[key] = raw.lower() in ("true", "1")
                continue
            try:
                out[key] = _integer(raw) if kind is int else kind(raw)
            except ValueError:
                raise ValueError(f"--set {item!r}: expected {'an' if kind is int else 'a'} {kind.__name__}") from None
        return out


def _integer(raw: str) -> int:
    """``"50000"``, ``"50_000"`` or ``"5e4"`` as an int (ValueError if not whole)."""
    try:
        return int(raw)
    except ValueError:
        f = float(raw)
        if not f.is_integer():
            raise
        return int(f)
