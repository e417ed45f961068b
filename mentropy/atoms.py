"""Character classes, normalisation and atoms (DESIGN §2).

Text becomes code points once; full-width ASCII is matched as half-width, but every output keeps
the original text and offsets. Atoms are never split: a Han character, a run of digits/letters
(``3.14``, ``iPhone7``, ``COVID-19``, ``２０００``, ``40%``), a run of one space or punctuation mark,
and (by default) time words such as ``1998年`` and ``一九九八年``.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from mentropy._kernels import atoms as K

HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
HAN_EXTRA = (0x3007, 0x25CB)  # 〇 and ○, used as zero
HAN_NUMERALS = "〇○零一二三四五六七八九十百千万亿两"

KIND_NAMES = {K.K_HAN: "han", K.K_NUM: "num", K.K_LATIN: "latin", K.K_SPACE: "space",
              K.K_PUNCT: "punct", K.K_TIME: "time"}


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    norm = np.arange(0x10000, dtype=np.uint32)
    norm[0xFF01:0xFF5F] -= 0xFEE0  # full-width ASCII -> ASCII
    norm[0x3000] = 0x20  # ideographic space
    # the class of each general category, looked up once per BMP code point
    by_category = {"Nd": K.C_DIGIT, "Mn": K.C_MARK, "Mc": K.C_MARK, "Me": K.C_MARK}
    by_category.update({c: K.C_LETTER for c in ("Lu", "Ll", "Lt", "Lm", "Lo")})
    by_category.update({c: K.C_SPACE for c in ("Zs", "Zl", "Zp")})
    category = unicodedata.category
    bmp = "".join(map(chr, range(0x10000)))
    cls = np.fromiter((by_category.get(category(ch), 0) for ch in bmp), dtype=np.uint8,
                      count=0x10000)
    spaces = [cp for cp in range(0x10000) if bmp[cp].isspace() and cls[cp] != K.C_DIGIT
              and cls[cp] != K.C_LETTER]
    cls[spaces] = K.C_SPACE
    cls[0x200D] = K.C_MARK
    cls[0xFE00:0xFE10] = K.C_MARK
    for lo, hi in HAN_RANGES:
        if hi < 0x10000:
            cls[lo:hi + 1] = K.C_HAN
    for cp in HAN_EXTRA:
        cls[cp] = K.C_HAN
    for ch in HAN_NUMERALS:
        cls[ord(ch)] = K.C_HANNUM
    cls[0x3000] = K.C_SPACE
    # full-width forms take the class of their half-width form
    cls[0xFF01:0xFF5F] = cls[norm[0xFF01:0xFF5F]]
    return norm, cls


NORM_TABLE, CLASS_TABLE = _build_tables()


def _astral_classes(cps: np.ndarray) -> np.ndarray:
    out = np.zeros(cps.shape[0], dtype=np.uint8)
    han = (cps >= 0x20000) & (cps <= 0x3FFFF)
    out[han] = K.C_HAN
    for cp in np.unique(cps[~han]):
        cat = unicodedata.category(chr(int(cp)))
        modifier = 0x1F3FB <= cp <= 0x1F3FF or 0xE0100 <= cp <= 0xE01EF or 0xE0020 <= cp <= 0xE007F
        value = K.C_MARK if cat in ("Mn", "Mc", "Me") or modifier else \
            K.C_LETTER if cat[0] == "L" else K.C_DIGIT if cat == "Nd" else K.C_OTHER
        out[~han & (cps == cp)] = value
    return out


def codepoints(text: str) -> np.ndarray:
    """The code points of `text` as uint32 (lone surrogates pass through), in a writable
    array: kernels then see one array type (a read-only array would be a second numba
    specialisation of each kernel, compiled and loaded apart)."""
    return np.frombuffer(bytearray(text.encode("utf-32-le", "surrogatepass")), dtype=np.uint32)


def normalise(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (normalised code points, classes) for raw code points."""
    norm, cls, astral = K.normalise_bmp(np.ascontiguousarray(cps, dtype=np.uint32),
                                        NORM_TABLE, CLASS_TABLE)
    if astral:
        beyond = cps >= 0x10000
        cls[beyond] = _astral_classes(cps[beyond])
    return norm, cls


def normalise_text(text: str) -> str:
    """Full-width ASCII and the ideographic space mapped to ASCII; same length as `text`."""
    cps = codepoints(text)
    if cps.shape[0] == 0:
        return text
    norm, _ = normalise(cps)
    return norm.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@dataclass(frozen=True)
class Atoms:
    """Atoms of one text: atom a spans code points starts[a]:starts[a+1] of the original text."""

    cps: np.ndarray  # uint32[n] normalised code points
    starts: np.ndarray  # int64[m + 1]
    kinds: np.ndarray  # int8[m]

    def __len__(self) -> int:
        return int(self.kinds.shape[0])


def atomize(text: str, *, time_atoms: bool = True, number_atoms: bool = True) -> Atoms:
    """Split `text` into atoms; ``''.join`` of the atom strings is `text`."""
    return atomize_codepoints(codepoints(text), time_atoms=time_atoms,
                              number_atoms=number_atoms)


def atomize_codepoints(cps: np.ndarray, *, time_atoms: bool = True,
                       number_atoms: bool = True) -> Atoms:
    """:func:`atomize` for a text given as its code points (uint32)."""
    norm, cls = normalise(cps)
    starts, kinds = K.atomize(norm, cls, bool(time_atoms), bool(number_atoms))
    return Atoms(norm, starts, kinds)


def atom_strings(text: str, *, time_atoms: bool = True, number_atoms: bool = True) -> list[str]:
    """The atoms of `text` as strings (for inspection and tests)."""
    a = atomize(text, time_atoms=time_atoms, number_atoms=number_atoms)
    s = a.starts.tolist()
    return [text[s[i]:s[i + 1]] for i in range(len(a))]
