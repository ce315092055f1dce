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
