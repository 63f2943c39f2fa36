"""Which files may be attached (X-1), checked by extension AND by content, so that a
program renamed "photo.jpg" is refused, and how an uploaded name is made safe to show."""

import codecs
import os
import re
import unicodedata
import zipfile
from typing import IO

# extension → MIME type sent back on download (the client's claim is never trusted)
ALLOWED = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: doc, xls, ppt
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def safe_display_name(name: str) -> str:
    """The base name of an upload without path parts, control or reserved characters, and
    at most 200 characters (the extension kept). Chinese characters are kept as they are."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name


def _head(file: IO[bytes], size: int = 8192) -> bytes:
    file.seek(0)
    data = file.read(size)
    file.seek(0)
    return data


def _is_text(head: bytes, complete: bool) -> bool:
    # UTF-16 (Excel's "Unicode text") only with its byte order mark; otherwise a NUL byte
    # means binary. GB18030 covers the GBK files Chinese offices still produce.
    encodings = ("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else _TEXT_ENCODINGS
    if encodings == _TEXT_ENCODINGS and b"\x00" in head:
        return False
    for encoding in encodings:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except (UnicodeDecodeError, UnicodeError):
            continue
        return True
    return False


def _is_ooxml(file: IO[bytes], ext: str) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(_OOXML_PART[ext]) for n in names)


def content_matches(file: IO[bytes], ext: str, size: int) -> bool:
    """Whether the bytes of `file` are really of the type its extension `ext` claims."""
    head = _head(file)
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == "heic":
        return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("doc", "xls", "ppt"):
        return head.startswith(_OLE)
    if ext in _OOXML_PART:
        return head.startswith(b"PK\x03\x04") and _is_ooxml(file, ext)
    if ext in ("txt", "csv"):
        return _is_text(head, complete=size <= len(head))
    return False
