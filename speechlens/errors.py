"""Errors speechlens raises on purpose: every expected failure is a SpeechlensError."""

from __future__ import annotations


class SpeechlensError(Exception):
    """Base class of every error speechlens raises for bad input or a bad setup."""


class DocumentError(SpeechlensError):
    """A document could not be read; the message names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EmptyDocumentError(DocumentError):
    """The file holds no text (zero bytes or only whitespace)."""


class BinaryDocumentError(DocumentError):
    """The file looks like binary data, not text."""


class DecodingError(DocumentError):
    """The bytes could not be decoded in any supported encoding."""


class UnsupportedFormatError(DocumentError):
    """The file's format (extension) is not one speechlens reads."""


class ResourceError(SpeechlensError):
    """A packaged resource (dictionary, model) is missing or damaged."""


class ModelError(SpeechlensError):
    """A model directory is missing, incomplete or inconsistent."""


class MissingDependencyError(SpeechlensError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the optional package {package!r}: "
            f"pip install 'speechlens[{extra}]'"
        )
