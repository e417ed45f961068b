"""Corpus input: files, folders, globs, .gz/.bz2 and stdin as a stream of decoded text blocks.

Input is read in blocks of raw bytes, never by lines (DESIGN §7: a 1 GB file may have no newline).
Each block is cut at a safe point -- after its last newline, else at a character boundary -- so no
character is split, the texts of a source's blocks concatenate to exactly its decoded text, and a
decode error names the file, line and byte offset (DESIGN §2.2).
"""
from __future__ import annotations

import bz2
import codecs
import glob
import gzip
import io
import logging
import lzma
import os
import sys
import zlib
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, Sequence, Union

from tqdm import tqdm

from mentropy.errors import InputError, MentropyError

log = logging.getLogger(__name__)

PathSpec = Union[str, "os.PathLike[str]"]
SourceSpec = Union["Source", PathSpec]

STDIN = "-"
STDIN_NAME = "<stdin>"
SNIFF_BYTES = 8192  # the head checked for binary content, independent of the block size
ERRORS = ("strict", "replace", "ignore")
ERRORS_HINT = " (use --errors replace to carry on)"  # stripped where there is no --errors
COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".lzma": "xz"}
UNSUPPORTED = {".zst": "zstd", ".zstd": "zstd", ".lz4": "lz4", ".7z": "7z", ".zip": "zip",
               ".br": "brotli"}  # named in the error, with what to do instead
# --errors replace stops when more than this share of the characters of a block (and more
# than REPLACED_MIN of them) were bad bytes: the text is then in another encoding, not noisy
REPLACED_SHARE = 0.005
REPLACED_MIN = 16

_UTF8_BOM = codecs.BOM_UTF8
_UNICODE_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32"), (codecs.BOM_UTF32_BE, "UTF-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16"), (codecs.BOM_UTF16_BE, "UTF-16", "utf-16"),
)
_MAGIC = (
    (b"\x1f\x8b", "gzip data"), (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"), (b"PK\x05\x06", "ZIP archive"), (b"\x7fELF", "ELF executable"),
    (b"BZh", "bzip2 data"), (b"\xfd7zXZ\x00", "xz data"), (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"\x04\x22\x4d\x18", "lz4 data"), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
)


@dataclass(frozen=True)
class Source:
    """One input: `path` is its display name ("<stdin>" for stdin), `size` its bytes on disk."""

    path: str
    size: int | None
    compression: str | None = None  # "gzip", "bz2", "xz" or None
    stdin: bool = False

    def open(self) -> IO[bytes]:
        """Open the (decompressed) content as a binary stream; closing it never closes stdin."""
        if self.stdin:
            return _StdinReader(sys.stdin.buffer)
        opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}.get(
            self.compression or "", open)
        try:
            return opener(self.path, "rb")
        except OSError as exc:
            raise InputError(self.path, f"cannot open ({exc.strerror or exc})") from None

    def _open_raw(self) -> tuple[IO[bytes], IO[bytes] | None]:
        """(content stream, raw compressed file or None); the raw position drives progress."""
        if self.stdin or self.compression is None:
            return self.open(), None
        try:
            raw = open(self.path, "rb")
        except OSError as exc:
            raise InputError(self.path, f"cannot open ({exc.strerror or exc})") from None
        if self.compression == "gzip":
            return gzip.GzipFile(fileobj=raw, mode="rb"), raw
        if self.compression == "xz":
            return lzma.LZMAFile(raw, "rb"), raw
        return bz2.BZ2File(raw, "rb"), raw


@dataclass(frozen=True)
class TextBlock:
    """The text decoded from `n_bytes` bytes of `path` from `byte_offset`, at line `first_line`."""

    text: str
    path: str
    first_line: int
    byte_offset: int
    n_bytes: int


class _StdinReader(io.RawIOBase):
    """Standard input's binary buffer behind a close() that leaves stdin open."""

    def __init__(self, buffer: IO[bytes]) -> None:
        self._buffer = buffer

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._buffer.read(len(b))
        b[:len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self._buffer.read(size)


def resolve_sources(specs: SourceSpec | Sequence[SourceSpec]) -> list[Source]:
    """Expand files, folders (recursively), glob patterns and "-" (stdin) into sources, in order.

    Folder and glob matches are sorted by path; hidden files and folders inside a folder are
    skipped. A missing file, a glob matching nothing or a folder without files raises `InputError`.
    """
    if isinstance(specs, (str, os.PathLike, Source)):
        specs = [specs]
    if len(specs) == 0:
        raise MentropyError("no input given")
    out: list[Source] = []
    for spec in specs:
        if isinstance(spec, Source):
            out.append(spec)
            continue
        spec = os.fspath(spec)
        if spec == STDIN:
            if any(s.stdin for s in out):
                raise MentropyError("standard input ('-') is given more than once")
            out.append(Source(STDIN_NAME, None, stdin=True))
        elif os.path.isdir(spec):
            found = _walk(spec)
            if not found:
                raise InputError(spec, "folder has no files")
            out.extend(found)
        elif os.path.exists(spec):
            out.append(_file_source(spec))
        elif any(c in spec for c in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise InputError(spec, "no file matches this pattern")
            for match in matches:
                out.extend(_walk(match) if os.path.isdir(match) else [_file_source(match)])
        else:
            raise InputError(spec, "no such file or folder")
    return out


def one_file(spec: PathSpec) -> Source:
    """The source of exactly one file ("-" = stdin), for commands that read a file, not a corpus.

    No folders or glob patterns: a folder or a missing file raises `InputError`.
    """
    spec = os.fspath(spec)
    if spec == STDIN:
        return Source(STDIN_NAME, None, stdin=True)
    if os.path.isdir(spec):
        raise InputError(spec, "is a folder, not a file")
    if not os.path.exists(spec):
        raise InputError(spec, "no such file")
    return _file_source(spec)


def _file_source(path: str) -> Source:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(path, f"cannot open ({exc.strerror or exc})") from None
    size = st.st_size if os.path.isfile(path) else None  # FIFOs and devices have no size
    ext = os.path.splitext(path)[1].lower()
    if ext in UNSUPPORTED:
        raise InputError(path, _unsupported(UNSUPPORTED[ext]))
    return Source(path, size, COMPRESSED.get(ext))


def _unsupported(kind: str) -> str:
    return (f"{kind} compression is not supported (gzip, bzip2 and xz are); decompress it "
            f"first, or pipe it in: e.g. `zstd -dc FILE | mentropy ... -`" if kind == "zstd"
            else f"{kind} compression is not supported (gzip, bzip2 and xz are); decompress "
                 "it first, or pipe the text in with '-'")


def _walk(folder: str) -> list[Source]:
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(root, name)
            if not name.startswith(".") and os.path.isfile(path):
                rel = os.path.relpath(path, folder)
                found.append((tuple(rel.split(os.sep)), path))
    return [_file_source(path) for _, path in sorted(found)]


def iter_blocks(sources: SourceSpec | Sequence[SourceSpec], *, encoding: str = "utf-8",
                errors: str = "strict", block_bytes: int = 4 << 20, progress: bool | None = None,
                desc: str = "reading") -> Iterator[TextBlock]:
    """Decoded text blocks of every source in order, each from about `block_bytes` raw bytes.

    `errors` is "strict" (an invalid byte raises `InputError` with line and byte offset),
    "replace" or "ignore". `progress`: True = a tqdm bar over bytes on stderr, False = none,
    None = only when stderr is a terminal. Options are checked and paths resolved at call time.
    """
    return (block for _, block in indexed_blocks(sources, encoding, errors, block_bytes, progress, desc))


def iter_lines(sources: SourceSpec | Sequence[SourceSpec], *, encoding: str = "utf-8",
               errors: str = "strict", block_bytes: int = 4 << 20, progress: bool | None = None,
               desc: str = "reading") -> Iterator[tuple[str, str, int]]:
    """(path, line without "\\n" or "\\r\\n", 1-based line number) for every line of every source.

    Lines end at "\\n"; a last line without one is still yielded, an empty file yields nothing.
    A long line is held whole, but nothing beyond it and one block is kept in memory.
    """
    blocks = indexed_blocks(sources, encoding, errors, block_bytes, progress, desc)
    return _split_lines(blocks)


def source_paths(sources: SourceSpec | Sequence[SourceSpec]) -> list[str]:
    """The paths of `sources`: a str or PathLike is one path (never text), anything else an
    iterable of them; raises MentropyError for an item that is not a path."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise MentropyError(f"a source must be a path (str or PathLike), got "
                                f"{type(item).__name__}; pass texts with texts=[...]")
    return [os.fspath(x) for x in items]


def text_items(texts: Iterable[str]) -> Iterable[str]:
    """`texts` checked to be an iterable of strings, not one string (a common slip)."""
    if isinstance(texts, (str, bytes, os.PathLike)):
        raise MentropyError("texts must be an iterable of strings, not a single "
                            f"{type(texts).__name__}: use texts=[text]")
    return texts


def corpus_lines(sources: SourceSpec | Sequence[SourceSpec] | None = None, *,
                 texts: Iterable[str] | None = None, encoding: str = "utf-8",
                 errors: str = "strict", progress: bool | None = None,
                 desc: str = "reading", repeats=None) -> Iterator[str]:
    """The lines of `sources` (paths, folders, globs, '-') or of ``texts=`` (strings, each
    split at newlines): the one rule every stage reads a corpus by. A str is always a path.
    With `repeats` (a dedupe.DuplicateStats), a line that repeats an earlier one is dropped
    (the lexicon's rule, dedupe.py) and counted there."""
    if (sources is None) == (texts is None):
        raise MentropyError("give either sources (paths) or texts=, not both or neither")
    if texts is not None:
        lines = (line for text in text_items(texts) for line in text.split("\n"))
    else:
        lines = (line for _, line, _ in iter_lines(source_paths(sources), encoding=encoding,
                                                   errors=errors, progress=progress,
                                                   desc=desc))
    if repeats is None:
        return lines
    from mentropy.dedupe import distinct_lines

    return distinct_lines(lines, repeats)


def file_lines(path: PathSpec) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) of one file ("-" = stdin), strictly UTF-8: for files in a
    format (gold segmentations, word lists). Errors name the file, line and byte offset."""
    try:
        for _, text, line_no in iter_lines([one_file(path)], progress=False):
            yield line_no, text
    except InputError as exc:  # no --errors or --encoding option to suggest here
        reason = exc.reason.removesuffix(ERRORS_HINT).split("; pass --encoding")[0]
        if reason != exc.reason and "byte order mark" in reason:
            reason += "; save it as UTF-8"
        raise InputError(exc.path, reason, line=exc.line, byte_offset=exc.byte_offset) from None


def read_texts(sources: SourceSpec | Sequence[SourceSpec], **options) -> list[str]:
    """The block texts of every source, in order (for small inputs and tests); see `iter_blocks`."""
    return [block.text for block in iter_blocks(sources, **options)]


def _split_lines(blocks: Iterator[tuple[int, TextBlock]]) -> Iterator[tuple[str, str, int]]:
    # the pieces of a long line are let go before it is yielded: one copy of it in memory
    current, path, line_no, pending = -1, "", 1, []
    for index, block in blocks:
        if index != current:
            if pending and (rest := take(pending)):
                yield path, chomp(rest), line_no
            current, path, line_no, pending = index, block.path, 1, []
        parts = block.text.split("\n")
        del block
        if len(parts) > 1:
            pending.append(parts[0])
            parts[0] = ""
            yield path, chomp(take(pending)), line_no
            line_no += 1
            for part in parts[1:-1]:
                yield path, chomp(part), line_no
                line_no += 1
        if parts[-1]:
            pending.append(parts[-1])
        del parts
    if pending and (rest := take(pending)):
        yield path, chomp(rest), line_no


def take(pending: list[str]) -> str:
    """The pieces joined; the list is emptied."""
    text = "".join(pending)
    pending.clear()
    return text


def chomp(line: str) -> str:
    """`line` without a final carriage return."""
    return line[:-1] if line.endswith("\r") else line


def indexed_blocks(sources: SourceSpec | Sequence[SourceSpec], encoding: str, errors: str,
                   block_bytes: int, progress: bool | None,
                   desc: str) -> Iterator[tuple[int, TextBlock]]:
    """Check options and resolve sources now; return a lazy stream of (source index, block)."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise MentropyError(f"unknown encoding {encoding!r}") from None
    if not getattr(codec, "_is_text_encoding", True):  # e.g. "rot13", "base64"
        raise MentropyError(f"{encoding!r} is not a text encoding")
    if errors not in ERRORS:
        raise MentropyError(f"errors must be one of {', '.join(ERRORS)}, not {errors!r}")
    if not isinstance(block_bytes, int) or block_bytes < 1:
        raise MentropyError(f"block_bytes must be a positive integer, not {block_bytes!r}")
    resolved = resolve_sources(sources)
    sizes = [s.size for s in resolved]
    total = None if None in sizes else sum(sizes)
    disable = None if progress is None else not progress
    return _generate(resolved, codec, errors, block_bytes, total, disable, desc)


def _generate(sources: list[Source], codec: codecs.CodecInfo, errors: str, block_bytes: int,
              total: int | None, disable: bool | None,
              desc: str) -> Iterator[tuple[int, TextBlock]]:
    with tqdm(total=total, unit="B", unit_scale=True, desc=desc, file=sys.stderr,
              disable=disable) as bar:
        for index, source in enumerate(sources):
            for block in _source_blocks(source, codec, errors, block_bytes, bar):
                yield index, block


class _Reader:
    """Reads a source's content, replays a sniffed head, and feeds the progress bar."""

    def __init__(self, source: Source, stream: IO[bytes], raw: IO[bytes] | None, bar: tqdm) -> None:
        self.source, self.stream, self.raw, self.bar = source, stream, raw, bar
        self.head = memoryview(b"")
        self.done = 0  # progress units reported so far

    def peek(self, n: int) -> bytes:
        """The first `n` bytes (fewer at end of input); they are read again by `read`."""
        parts, got = [], 0
        while got < n and (data := self._read(n - got)):
            parts.append(data)
            got += len(data)
        head = b"".join(parts)
        self.head = memoryview(head)
        return head

    def read(self, n: int) -> bytes:
        if not self.head:
            return self._read(n)
        out, self.head = self.head[:n].tobytes(), self.head[n:]
        return out + self._read(n - len(out)) if len(out) < n else out

    def _read(self, n: int) -> bytes:
        try:
            data = self.stream.read(n)
        except (OSError, EOFError, zlib.error) as exc:
            if self.source.compression is None:
                raise InputError(self.source.path, f"cannot read ({exc})") from None
            raise InputError(self.source.path, f"cannot decompress {self.source.compression} "
                             f"data ({exc})") from None
        position = self.raw.tell() if self.raw is not None else self.done + len(data)
        if position > self.done:
            self.bar.update(position - self.done)
            self.done = position
        return data


def _source_blocks(source: Source, codec: codecs.CodecInfo, errors: str, block_bytes: int,
                   bar: tqdm) -> Iterator[TextBlock]:
    stream, raw = source._open_raw()
    try:
        reader = _Reader(source, stream, raw, bar)
        ascii_like = _ascii_like(codec.name)
        start = _sniff(source, reader.peek(SNIFF_BYTES), codec.name, ascii_like)
        if start:
            reader.read(start)
        if codec.name == "utf-8":
            yield from _utf8_blocks(source.path, reader, errors, block_bytes, start)
        else:
            yield from _codec_blocks(source.path, reader, codec, errors, block_bytes, ascii_like)
    finally:
        stream.close()
        if raw is not None:
            raw.close()


def _ascii_like(encoding: str) -> bool:
    """True if the encoding writes ASCII as ASCII bytes, so a NUL byte means binary data."""
    try:
        return "a\x00".encode(encoding).endswith(b"a\x00")
    except UnicodeError:
        return False


def binary_kind(head: bytes) -> str | None:
    """What a file starting with `head` is when it is not UTF-8 text ("UTF-16 text",
    "gzip data", "PNG image", ...), from its byte-order mark or magic number; else None."""
    for bom, name, _ in _UNICODE_BOMS:
        if head.startswith(bom):
            return f"{name} text"
    for magic, kind in _MAGIC:
        if head.startswith(magic) and (magic != b"BZh" or head[4:10] == b"1AY&SY"):
            return kind
    return None


def _sniff(source: Source, head: bytes, encoding: str, ascii_like: bool) -> int:
    """Raise `InputError` if the head does not look like text; return the bytes to skip (a BOM)."""
    if ascii_like:
        for bom, name, option in _UNICODE_BOMS:
            if head.startswith(bom):
                raise InputError(source.path, f"looks like {name} text (it starts with a {name} "
                                 f"byte order mark); pass --encoding {option}")
    for magic, kind in _MAGIC:
        if head.startswith(magic) and (magic != b"BZh" or head[4:10] == b"1AY&SY"):
            ext = {"gzip data": ".gz", "bzip2 data": ".bz2", "xz data": ".xz"}.get(kind)
            if ext is not None:
                kind += ("; decompress it before piping" if source.stdin
                         else f"; name it {ext} to read it compressed")
                raise InputError(source.path, f"looks like a binary file ({kind})")
            if kind.split()[0] in ("zstd", "lz4", "7z"):
                raise InputError(source.path, f"looks like {kind}: "
                                 + _unsupported(kind.split()[0]))
            raise InputError(source.path, f"looks like a binary file ({kind})")
    if ascii_like and (nul := head.find(b"\x00")) >= 0:
        raise InputError(source.path, "looks like a binary file (it contains NUL bytes)",
                         line=head.count(b"\n", 0, nul) + 1, byte_offset=nul)
    return len(_UTF8_BOM) if encoding == "utf-8" and head.startswith(_UTF8_BOM) else 0


def _utf8_boundary(buf: bytes) -> int:
    """Length of the longest prefix of `buf` that does not end inside a UTF-8 character."""
    n = len(buf)
    for i in range(n - 1, max(n - 4, 0) - 1, -1):
        byte = buf[i]
        if byte & 0xC0 != 0x80:  # not a continuation byte
            need = 2 if 0xC0 <= byte < 0xE0 else 3 if 0xE0 <= byte < 0xF0 else \
                4 if 0xF0 <= byte < 0xF8 else 1
            return i if i + need > n else n
    return n  # only continuation bytes: invalid, let the decoder report it


def _utf8_blocks(path: str, reader: _Reader, errors: str, block_bytes: int,
                 offset: int) -> Iterator[TextBlock]:
    line, carry = 1, b""
    while True:
        # read up to block_bytes in all, so a block is never much longer than block_bytes
        data = reader.read(max(block_bytes - len(carry), 1))
        if not data:
            if carry:
                text = _decode_utf8(carry, len(carry), path, errors, line, offset, True)
                yield TextBlock(text, path, line, offset, len(carry))
            return
        if (nul := data.find(b"\x00")) >= 0:
            at = len(carry) + nul
            line += (carry + data).count(b"\n", 0, at)
            raise InputError(path, "NUL byte: this is not a text file", line=line,
                             byte_offset=offset + at)
        buf = carry + data if carry else data
        del data  # hold one copy of the bytes at a time (the memory bound is a few blocks)
        cut = buf.rfind(b"\n") + 1 or _utf8_boundary(buf)
        if cut == 0:  # only the start of one character so far
            carry = buf
            continue
        carry = buf[cut:]
        text = _decode_utf8(buf, cut, path, errors, line, offset, False)
        n_lines = buf.count(b"\n", 0, cut)
        del buf
        yield TextBlock(text, path, line, offset, cut)
        del text
        line += n_lines
        offset += cut


def _decode_utf8(buf: bytes, cut: int, path: str, errors: str, line: int, offset: int,
                 last: bool) -> str:
    """Decode buf[:cut] without copying it; errors name the line and byte."""
    try:
        text = codecs.utf_8_decode(memoryview(buf)[:cut], errors, True)[0]
    except UnicodeDecodeError as exc:
        at = exc.start
        if last and exc.end == cut and exc.reason == "unexpected end of data":
            what = "incomplete utf-8 character at end of file" + ERRORS_HINT
        else:
            what = f"invalid utf-8 byte 0x{buf[at]:02x}" + (
                _encoding_hint(buf[:cut]) or ERRORS_HINT)
        raise InputError(path, what, line=line + buf.count(b"\n", 0, at),
                         byte_offset=offset + at) from None
    if errors == "replace" and (bad := text.count("\ufffd")) > REPLACED_MIN:
        bad -= buf.count(b"\xef\xbf\xbd", 0, cut)  # U+FFFD written in the file itself
        if bad > REPLACED_MIN and bad > REPLACED_SHARE * len(text):
            at = codecs.utf_8_decode(memoryview(buf)[:cut], "replace", True)[0].index("\ufffd")
            raise InputError(path, f"{bad:,} of {len(text):,} characters are invalid utf-8: "
                             "this is not noise but another encoding"
                             + (_encoding_hint(buf[:cut]) or "; pass --encoding"),
                             line=line + text.count("\n", 0, at)) from None
    return text


# Chinese text in a legacy encoding: the encodings tried, and characters common in Chinese
# text of any kind (simplified and traditional) that a wrong decoding rarely produces
LEGACY_ENCODINGS = ("gb18030", "big5")
_COMMON_HAN = set("的一是不了在人有我他这這个個们們中来來上大为為和国國到说說时時要就会會也你对對能"
                  "而那得于於着著下自之年过過后後作里裡家可以所")


def _encoding_hint(data: bytes) -> str:
    """"; it decodes cleanly as GB18030: pass --encoding gb18030" when one of the legacy
    Chinese encodings decodes `data` without error and gives common Chinese characters."""
    best, score = None, 0
    for name in LEGACY_ENCODINGS:
        try:
            text = data[:1 << 20].decode(name)
        except UnicodeDecodeError as exc:
            if exc.start < min(len(data), 1 << 20) - 4:  # not just a character cut at the end
                continue
            text = data[:exc.start].decode(name)
        common = sum(ch in _COMMON_HAN for ch in text)
        if common > score:
            best, score = name, common
    if best is None:
        return ""
    return (f"; the bytes decode cleanly as {best.upper()}: pass --encoding {best}")


def _codec_blocks(path: str, reader: _Reader, codec: codecs.CodecInfo, errors: str,
                  block_bytes: int, ascii_like: bool) -> Iterator[TextBlock]:
    """Any other encoding: an incremental decoder finds the character boundaries."""
    decoder = codec.incrementaldecoder(errors)
    line, offset, fed = 1, 0, 0
    while True:
        data = reader.read(block_bytes)
        state = decoder.getstate()
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's pending bytes followed by `data`
            pending = len(exc.object) - len(data)
            before = codec.incrementaldecoder("replace")
            before.setstate(state)
            lines = before.decode(data[:max(exc.start - pending, 0)]).count("\n")
            raise InputError(path, f"invalid {codec.name} byte 0x{exc.object[exc.start]:02x}"
                             + ERRORS_HINT, line=line + lines,
                             byte_offset=fed - pending + exc.start) from None
        fed += len(data)
        consumed = fed - len(decoder.getstate()[0])
        if ascii_like and (nul := text.find("\x00")) >= 0:
            raise InputError(path, "NUL byte: this is not a text file",
                             line=line + text.count("\n", 0, nul))
        if text:  # bytes of a BOM or a partial character wait for the next block
            yield TextBlock(text, path, line, offset, consumed - offset)
            line += text.count("\n")
            offset = consumed
        if not data:
            return
