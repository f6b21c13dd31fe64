"""Uploaded files as evidence: type checked by content (not by name), size limited, checksummed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from jianguan.core import errors

FILE_TOO_LARGE = _("File %(name)s is larger than %(limit)s MB.")
FILE_TYPE_REFUSED = _("File %(name)s is not an accepted type (%(accepted)s).")
FILE_EMPTY = _("File %(name)s is empty.")

# kind -> (magic prefixes, extensions that may carry it)
SIGNATURES: dict[str, tuple[tuple[bytes, ...], tuple[str, ...]]] = {
    "pdf": ((b"%PDF-",), (".pdf",)),
    "jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "xlsx": ((b"PK\x03\x04",), (".xlsx",)),
    "docx": ((b"PK\x03\x04",), (".docx",)),
}
DEFAULT_KINDS = ("pdf", "jpeg", "png")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    size: int
    sha256: str


def file_check(upload: UploadedFile, *, kinds: tuple[str, ...] = DEFAULT_KINDS, max_mb: int = 20) -> CheckedFile:
    """Refuse a file whose content is not one of ``kinds`` or which is too large; return its checksum."""
    name = (upload.name or "upload").rsplit("/", 1)[-1]
    size = upload.size or 0
    if size == 0:
        raise errors.ValidationFailed(FILE_EMPTY, code="file_empty", name=name)
    if size > max_mb * 1024 * 1024:
        raise errors.ValidationFailed(FILE_TOO_LARGE, code="file_too_large", name=name, limit=max_mb)
    upload.seek(0)
    head = upload.read(16)
    lower = name.lower()
    kind = next(
        (
            k
            for k in kinds
            if any(head.startswith(magic) for magic in SIGNATURES[k][0]) and lower.endswith(SIGNATURES[k][1])
        ),
        None,
    )
    if kind is None:
        raise errors.ValidationFailed(FILE_TYPE_REFUSED, code="file_type_refused", name=name, accepted=", ".join(kinds))
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, kind=kind, size=size, sha256=digest.hexdigest())
