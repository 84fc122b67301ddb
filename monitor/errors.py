"""The exception tree mirrors where things fail; the CLI turns any MonitorError into one ``Error:`` line."""

from __future__ import annotations

__all__ = [
    "BlockedAddress",
    "ConfigError",
    "FetchError",
    "HTTPStatusError",
    "MailError",
    "MonitorError",
    "StoreError",
    "TooLarge",
]


class MonitorError(Exception):
    """Root of every error monitor raises on purpose."""


class ConfigError(MonitorError, ValueError):
    """feeds.yaml or the environment is wrong; the message names the file, key and line."""


class FetchError(MonitorError):
    """An HTTP fetch failed: network, timeout, a limit we enforce, or a body that is not what was asked for."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class HTTPStatusError(FetchError):
    """The server answered with a status we do not treat as success."""


class TooLarge(FetchError):
    """A body went over its byte cap (counted after decompression)."""


class BlockedAddress(FetchError):
    """The URL resolves to an address we refuse to fetch (SSRF guard), or uses a scheme we do not fetch."""


class StoreError(MonitorError):
    """The database could not be opened or written."""


class MailError(MonitorError):
    """The digest could not be rendered or delivered."""
