"""How a caught exception reads inside the data package's own error messages."""

from __future__ import annotations

__all__ = ["short_error"]


def short_error(exc: BaseException, limit: int = 200) -> str:
    """One line, at most ``limit`` characters, naming the exception's class and message.

    Parameters
    ----------
    exc : BaseException
        The exception to describe.
    limit : int, default 200
        Longer texts are cut and end with ``"..."``.

    Returns
    -------
    str
    """
    # The network probe's own message ("no network: ...") reads better without the class.
    if isinstance(exc, OSError) and str(exc).startswith("no network"):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
