"""Reading an uploaded CSV without loading it into memory: encoding, delimiter, header, first records, UTF-8 stream."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
from django.utils.translation import gettext as _

from apps.core.errors import DomainError

CHUNK = 1 << 20
SAMPLE = 1 << 20
DELIMITERS = ",;"


@dataclass(frozen=True)
class CsvInfo:
    encoding: str
    delimiter: str
    header: list[str]


# Legacy encodings spreadsheets use per tenant language, to break ties between equally plausible guesses.
PREFERRED_ENCODINGS = {
    "pl": ("cp1250", "iso8859_2"),
    "fr": ("cp1252", "iso8859_15", "latin_1"),
    "en": ("cp1252", "latin_1", "iso8859_15"),
}


def _detect_encoding(sample: bytes, at_eof: bool, preferred: tuple[str, ...]) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    with contextlib.suppress(UnicodeDecodeError):
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
        return "utf-8"
    if b"\x00" in sample:
        raise DomainError(
            _("This is not a text file (it looks like a spreadsheet or another binary file). Save it as CSV first."),
            field="file",
        )
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        raise DomainError(
            _("The file's character encoding could not be recognised. Save it as CSV in UTF-8 and upload it again."),
            field="file",
        )
    best = matches[0]
    for match in matches:
        if match.chaos > best.chaos + 0.01 or match.coherence < best.coherence - 0.01:
            break
        for name in preferred:
            if name in match.could_be_from_charset:
                return name
    return str(best.encoding)


def _check_decodes(path: Path, encoding: str) -> None:
    """Decode the whole file once, a chunk at a time, so a bad byte is reported before anything runs."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise DomainError(
                    _(
                        "The file is not readable as %(encoding)s text: byte %(position)s cannot be decoded. "
                        "Save it as CSV in UTF-8 and upload it again."
                    )
                    % {"encoding": encoding, "position": offset + exc.start},
                    field="file",
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise DomainError(
                _("The file ends in the middle of a character; it is not valid %(encoding)s text.")
                % {"encoding": encoding},
                field="file",
            ) from None


def _detect_delimiter(first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d])


def inspect(path: Path, language: str = "en") -> CsvInfo:
    """Encoding, delimiter and header of a CSV file, or a DomainError saying why it cannot be read."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
        at_eof = not fh.read(1)
    if not sample.strip():
        raise DomainError(_("The file is empty."), field="file")
    encoding = _detect_encoding(sample, at_eof, PREFERRED_ENCODINGS.get(language, PREFERRED_ENCODINGS["en"]))
    _check_decodes(path, encoding)
    text = codecs.getincrementaldecoder(encoding)(errors="ignore").decode(sample, final=at_eof)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = _detect_delimiter(first_line)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    header = [h.strip() or _("Column %(n)s") % {"n": i + 1} for i, h in enumerate(header)]
    if len(header) < 2:
        raise DomainError(
            _("The first line should name the columns, separated by commas or semicolons; found only one column."),
            field="file",
        )
    return CsvInfo(encoding=encoding, delimiter=delimiter, header=header)


def utf8_chunks(path: Path, encoding: str) -> Iterator[bytes]:
    """The file as UTF-8 bytes, a chunk at a time. UTF-8 files pass through untouched."""
    with path.open("rb") as fh:
        if encoding in ("utf-8", "utf-8-sig"):
            while chunk := fh.read(CHUNK):
                yield chunk
            return
        decoder = codecs.getincrementaldecoder(encoding)()
        while chunk := fh.read(CHUNK):
            yield decoder.decode(chunk).encode("utf-8")
        if tail := decoder.decode(b"", final=True):
            yield tail.encode("utf-8")


def records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every record after the header, skipping blank lines."""
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader, None)
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                yield reader.line_num, fields
