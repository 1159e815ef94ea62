"""Errors whose message is written for the person using the workbench.

Pages show `str(error)` as it is, so each message says what went wrong and what to do.
"""


class WorkbenchError(Exception):
    """Base class: an expected problem with a plain-language message."""


class AssetError(WorkbenchError):
    """An embedded asset is missing, could not be downloaded, or failed its checksum."""


class ModelUnavailableError(WorkbenchError):
    """A model could not be found or loaded."""


class DatasetUnavailableError(WorkbenchError):
    """A data set could not be loaded (offline, missing file, ...)."""


class DataValidationError(WorkbenchError):
    """User data (an upload, a file) cannot be used as it is."""


class QuantizationUnavailableError(WorkbenchError):
    """8-bit or 4-bit loading was asked for but bitsandbytes cannot do it here."""
