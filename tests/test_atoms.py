"""Atoms (DESIGN §2): the atom table, lossless atomisation, normalisation, the atom switches."""
from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from mentropy.atoms import HAN_NUMERALS, KIND_NAMES, atom_strings, atomize, normalise_text
from mentropy.fragments import han_runs


def kinds(text: str, **switches) -> list[str]:
    return [KIND_NAMES[int(k)] for k in atomize(text, **switches).kinds]


# --- the atom table ---------------------------------------------------------------------------

# text -> (atoms, kinds) with the default switches (time and number atoms on)
ATOM_TABLE = {
    "3.14": (["3.14"], ["num"]),
    "iPhone7": (["iPhone7"], ["latin"]),
    "COVID-19": (["COVID-19"], ["latin"]),
    "２０００": (["２０００"], ["num"]),
    "３.１４": (["３.１４"], ["num"]),
    "40%": (["40%"], ["num"]),
    "40％": (["40％"], ["num"]),
    "1,000": (["1,000"], ["num"]),
    "12:30": (["12:30"], ["num"]),
    "don't": (["don't"], ["latin"]),
    "1998年": (["1998年"], ["time"]),
    "１９９８年": (["１９９８年"], ["time"]),
    "一九九八年": (["一九九八年"], ["time"]),
    "二〇〇〇年": (["二〇〇〇年"], ["time"]),
    "十二月": (["十二月"], ["time"]),
    "三十一日": (["三十一日"], ["time"]),
    "1998年12月31日": (["1998年", "12月", "31日"], ["time", "time", "time"]),
    "３万": (["３万"], ["num"]),
    "2000万人": (["2000万", "人"], ["num", "han"]),
    "第十五": (["第十五"], ["num"]),
    "第": (["第"], ["han"]),
    "〇": (["〇"], ["han"]),
    "——": (["——"], ["punct"]),
    "……": (["……"], ["punct"]),
    "——……": (["——", "……"], ["punct", "punct"]),
    "中  文": (["中", "  ", "文"], ["han", "space", "han"]),
    "e\u0301": (["e\u0301"], ["latin"]),  # e + combining acute: one atom
    "\u00e9": (["\u00e9"], ["latin"]),  # precomposed
    "x\u0301y": (["x\u0301y"], ["latin"]),
    "中\u0301文": (["中\u0301", "文"], ["han", "han"]),  # a mark joins the atom before it
    "𠀀": (["𠀀"], ["han"]),
    "𪚥𠀀": (["𪚥", "𠀀"], ["han", "han"]),
    "學習": (["學", "習"], ["han", "han"]),
    "㐀龦鿿豈": (["㐀", "龦", "鿿", "豈"], ["han"] * 4),  # ext A, past U+9FA5, compatibility
    "ＡＢＣ": (["ＡＢＣ"], ["latin"]),
    "ＣＯＶＩＤ－１９": (["ＣＯＶＩＤ－１９"], ["latin"]),
    "3.": (["3", "."], ["num", "punct"]),  # a trailing dot is not inside the number
    "a--b": (["a", "--", "b"], ["latin", "punct", "latin"]),
    "": ([], []),
}


@pytest.mark.parametrize("text", list(ATOM_TABLE))
def test_atom_table(text):
    atoms, expected_kinds = ATOM_TABLE[text]
    assert atom_strings(text) == atoms
    assert kinds(text) == expected_kinds


def test_decimals_stay_whole():
    """Regression (nlp-zero): decimals were split, 3.14 -> 3 . 14."""
    assert atom_strings("圆周率约为3.14，增长2.5%") == \
        ["圆", "周", "率", "约", "为", "3.14", "，", "增", "长", "2.5%"]


def test_han_range_goes_past_9fa5():
    """Regression (nlp-zero): the Han range stopped at U+9FA5, so rarer and traditional
    characters became separators."""
    text = "學習龦鿿𠀀㐀豈"
    assert all(len(a) == 1 for a in atom_strings(text))
    assert kinds(text) == ["han"] * len(text)
    cps, offsets = han_runs(text)
    assert offsets.tolist() == [0, len(text)]
    assert "".join(map(chr, cps.tolist())) == text


def test_traditional_text_is_one_fragment_per_run():
    cps, offsets = han_runs("學習中文，這是繁體字。")
    runs = ["".join(map(chr, cps[a:b].tolist())) for a, b in zip(offsets[:-1], offsets[1:])]
    assert runs == ["學習中文", "這是繁體字"]


def test_emoji_with_skin_tone_is_one_atom():
    assert atom_strings("👍🏽") == ["👍🏽"]


def test_emoji_with_variation_selector_is_one_atom():
    assert atom_strings("❤\ufe0f好") == ["❤\ufe0f", "好"]


def test_lone_surrogates_pass_through():
    text = "\ud800中\udfff"
    assert atom_strings(text) == ["\ud800", "中", "\udfff"]
    assert kinds(text) == ["punct", "han", "punct"]


# --- switches ---------------------------------------------------------------------------------

SWITCH_TABLE = {
    # text: (time_atoms=False, number_atoms=False)
    "1998年": (["1998", "年"], ["1998年"]),
    "一九九八年": (["一", "九", "九", "八", "年"], ["一九九八年"]),
    "十二月": (["十", "二", "月"], ["十二月"]),
    "三十一日": (["三", "十", "一", "日"], ["三十一日"]),
    "１２月３１日": (["１２", "月", "３１", "日"], ["１２月", "３１日"]),
    "３万": (["３万"], ["３", "万"]),
    "第十五": (["第十五"], ["第", "十", "五"]),
    "3.14": (["3.14"], ["3.14"]),
}


@pytest.mark.parametrize("text", list(SWITCH_TABLE))
def test_switches(text):
    no_time, no_number = SWITCH_TABLE[text]
    assert atom_strings(text, time_atoms=False) == no_time
    assert atom_strings(text, number_atoms=False) == no_number
    assert "".join(atom_strings(text, time_atoms=False, number_atoms=False)) == text


def test_a_run_of_two_numerals_is_needed_before_year():
    """一年 ('one year') is two characters, 一九九八年 a date."""
    assert atom_strings("一年") == ["一", "年"]
    assert atom_strings("九八年") == ["九八年"]


def test_time_atoms_are_boundaries_for_counting():
    cps, offsets = han_runs("在一九九八年来临")
    runs = ["".join(map(chr, cps[a:b].tolist())) for a, b in zip(offsets[:-1], offsets[1:])]
    assert runs == ["在", "来临"]
    cps, offsets = han_runs("在一九九八年来临", time_atoms=False)
    runs = ["".join(map(chr, cps[a:b].tolist())) for a, b in zip(offsets[:-1], offsets[1:])]
    assert runs == ["在一九九八年来临"]


# --- normalisation ----------------------------------------------------------------------------


def test_normalise_text_maps_full_width():
    assert normalise_text("２０００ＡＢＣ　ｘ，中") == "2000ABC x,中"
    assert normalise_text("") == ""
    assert normalise_text("𠀀ａ") == "𠀀a"


def test_atoms_keep_the_original_text():
    text = "ＡＢＣ１２３　中文"
    atoms = atom_strings(text)
    assert atoms == ["ＡＢＣ１２３", "　", "中", "文"]
    assert "".join(atoms) == text


# --- properties -------------------------------------------------------------------------------

ANY_CHAR = st.one_of(
    st.characters(exclude_categories=[]),  # every category, lone surrogates included
    st.characters(min_codepoint=0x10000),  # astral
    st.characters(categories=["Cs"]),
    st.sampled_from(list("中文學習〇一二年月日第万—…%.,:'-１２ＡＢ　 \u0301\ufe0f\u200dé")
                    + ["𠀀", "👍", "🏽", "3", "a"]),
)
ANY_TEXT = st.lists(ANY_CHAR, max_size=40).map("".join)
SWITCHES = st.sampled_from([(True, True), (False, True), (True, False), (False, False)])
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(ANY_TEXT, SWITCHES)
def test_atoms_rejoin_to_the_text(text, switches):
    time_atoms, number_atoms = switches
    atoms = atom_strings(text, time_atoms=time_atoms, number_atoms=number_atoms)
    assert "".join(atoms) == text
    assert all(atoms)
    a = atomize(text, time_atoms=time_atoms, number_atoms=number_atoms)
    assert a.starts[0] == 0 and a.starts[-1] == len(text)
    assert (a.starts[1:] > a.starts[:-1]).all()
    assert a.cps.shape[0] == len(text)


@PROPS
@given(ANY_TEXT)
def test_normalise_text_keeps_length(text):
    out = normalise_text(text)
    assert len(out) == len(text)
    for a, b in zip(text, out):  # only full-width ASCII and the ideographic space change
        assert a == b or 0xFF01 <= ord(a) <= 0xFF5E and ord(b) == ord(a) - 0xFEE0 \
            or a == "\u3000" and b == " "


def is_mark(ch: str) -> bool:
    """Combining marks, the zero-width joiner, variation selectors, emoji skin-tone modifiers
    and tag characters join the atom before."""
    cp = ord(ch)
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or cp == 0x200D \
        or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x1F3FB <= cp <= 0x1F3FF \
        or 0xE0020 <= cp <= 0xE007F


@PROPS
@given(ANY_TEXT)
def test_han_chars_are_single_atoms_without_switches(text):
    """With both switches off, a Han character starts an atom holding only it and marks."""
    atoms = atom_strings(text, time_atoms=False, number_atoms=False)
    for a in atoms:
        if naive.is_han(a[0]):
            assert all(is_mark(ch) for ch in a[1:]), a
        assert not any(naive.is_han(ch) for ch in a[1:]), a


@PROPS
@given(st.lists(st.sampled_from(list("中文學習，。 ") + ["𠀀", "a", "7", "——"]), max_size=30)
       .map("".join))
def test_han_runs_match_naive(text):
    """Without digits or numerals, fragments are exactly the maximal runs of Han characters."""
    cps, offsets = han_runs(text)
    runs = ["".join(map(chr, cps[a:b].tolist())) for a, b in zip(offsets[:-1], offsets[1:])]
    assert runs == naive.han_runs(text)
    assert runs == naive.fragments_of_atoms(atom_strings(text))


@pytest.mark.parametrize("name", ["reviews_neg.txt", "novels/西游记.txt"])
def test_atoms_rejoin_on_shared_corpora(shared_corpora, name):
    path = shared_corpora / name
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    with open(path, encoding="utf-8") as f:
        text = "".join(itertools.islice(f, 500))
    atoms = atom_strings(text)
    assert "".join(atoms) == text
    assert all(len(a) == 1 for a in atoms if naive.is_han(a[0]) and a[0] not in HAN_NUMERALS
               and a[0] != "第")
