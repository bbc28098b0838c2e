"""Documents a debtor sends with a request: PDF, JPEG or PNG only, recognised by their content (never by their name
or the type the browser claims), at most 10 MB each."""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
import warnings
from pathlib import PurePath

import pypdf
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
# What the file picker offers; the server decides by content.
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
PDF = "application/pdf"
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
# The PDF header may follow some bytes of junk; readers look this far for it.
PDF_HEADER_WITHIN = 1024
# A photo of a receipt is far below this; a "decompression bomb" is far above.
MAX_PIXELS = 80_000_000


@dataclasses.dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def clean_name(name: str) -> str:
    """The file name a person gave, without folders or control characters, for display and download only."""
    base = PurePath((name or "").replace("\\", "/")).name
    text = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    return text.strip()[:255] or "document"


def _digest(upload: UploadedFile) -> str:
    sha = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def _pdf_pages(upload: UploadedFile) -> int | None:
    """Pages of a readable PDF; 0 when it is encrypted; None when it cannot be read at all."""
    upload.seek(0)
    try:
        reader = pypdf.PdfReader(upload)
        return 0 if reader.is_encrypted else len(reader.pages)
    except Exception:  # pypdf raises many kinds of errors on a damaged or fake file
        return None
    finally:
        upload.seek(0)


def _pdf_ok(upload: UploadedFile, name: str) -> None:
    pages = _pdf_pages(upload)
    if pages == 0:
        raise ValidationError(
            _("“%(name)s” is protected by a password. Please send it without the password."),
            params={"name": name},
            code="encrypted",
        )
    if not pages:
        raise ValidationError(
            _("“%(name)s” looks like a PDF but cannot be read. Please check the file and send it again."),
            params={"name": name},
            code="damaged",
        )


def _image_format(upload: UploadedFile) -> str:
    """JPEG or PNG for a picture Pillow can read and that is not absurdly large; "" otherwise."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = image.format or ""
                too_big = image.width * image.height > MAX_PIXELS
                image.verify()
    except Exception:  # Pillow raises assorted errors on damaged data, bombs and fakes alike
        return ""
    finally:
        upload.seek(0)
    return "" if too_big else kind


def _image_type(upload: UploadedFile, name: str) -> str:
    kind = _image_format(upload)
    if kind not in IMAGE_TYPES:
        raise ValidationError(
            _("“%(name)s” looks like a picture but cannot be read. Please send a JPEG or PNG photo or a PDF."),
            params={"name": name},
            code="damaged",
        )
    return IMAGE_TYPES[kind]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """The upload with its real type and fingerprint; a ValidationError a debtor can act on otherwise."""
    name = clean_name(upload.name or "")
    size = int(upload.size or 0)
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), params={"name": name}, code="empty")
    if size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s MB. Each file can be at most 10 MB: send a smaller photo or scan."),
            params={"name": name, "size": f"{size / 1024 / 1024:.1f}"},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(PDF_HEADER_WITHIN)
    upload.seek(0)
    if b"%PDF-" in head:
        _pdf_ok(upload, name)
        content_type = PDF
    elif head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        content_type = _image_type(upload, name)
    else:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file. Please send your document in one of these formats."),
            params={"name": name},
            code="file_type",
        )
    return CheckedUpload(upload, name, content_type, size, _digest(upload))
