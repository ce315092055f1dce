"""Errors a user can cause; the CLI prints them as one line and exits non-zero."""


class EvkgError(Exception):
    """A problem with the user's input or environment, described in one line."""

    exit_code = 2


class SourceSyntaxError(EvkgError):
    """A source file that does not parse; the message names file, line and column."""

    def __init__(self, path, line, column, detail):
        self.path, self.line, self.column, self.detail = path, line, column, detail
        where = f"{path}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: syntax error: {detail}")


class BuildFailure(EvkgError):
    """The sources parse but break a rule of the model (unknown source location, inconsistency ...).

    `details` is a longer report (for example the SHACL results) printed before the one-line error."""

    exit_code = 1

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details


def printable(text: str, limit: int = 1000) -> str:
    """`text` safe to echo on one terminal line: control characters (newlines and escape sequences
    included) and undecodable bytes shown as \\x.. escapes, and cut to `limit` characters."""
    out = "".join(c if c.isprintable() else _escaped(c) for c in text)
    return out if len(out) <= limit else out[:limit] + f"... ({len(out) - limit} more characters)"


def _escaped(c: str) -> str:
    if 0xDC80 <= ord(c) <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{ord(c) - 0xDC00:02x}"
    return c.encode("unicode_escape", "backslashreplace").decode("ascii") if ord(c) < 0xD800 or ord(c) > 0xDFFF \
        else f"\\u{ord(c):04x}"
