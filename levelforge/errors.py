"""Errors meant for users: each renders as one line that says what is wrong."""


class LevelforgeError(Exception):
    """Base class of every error levelforge reports to a user as one line."""

    def __str__(self) -> str:  # one line, prefixed by the class name
        return f"{type(self).__name__}: {super().__str__()}"


class LevelFormatError(LevelforgeError):
    """A level file (or text) cannot be read as a level of the given game."""


class GameSpecError(LevelforgeError):
    """A game.toml is malformed or names something that does not exist."""


class UnknownGameError(LevelforgeError):
    """No game of that name (or path) exists."""
