"""Search terms from how people ask in Bahasa Indonesia (pure, no store)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mpp_catalog.search import matches, normalize, query_terms, search_text, stem


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("kelahiran", "lahir"),
        ("perpanjangan", "panjang"),
        ("mendaftar", "daftar"),
        ("pembayaran", "bayar"),
        ("paspor", "paspor"),
        ("ktp", "ktp"),
        ("pajak", "pajak"),
    ],
)
def test_common_affixes_come_off(word, stemmed):
    assert stem(word) == stemmed


def test_filler_words_are_dropped_and_case_and_punctuation_ignored():
    assert query_terms("Syarat membuat PASPOR?") == ["paspor"]
    assert query_terms("e-KTP") == ["e", "ktp"]
    assert query_terms("cara mengurus") == []


def test_a_query_matches_other_forms_of_the_same_word():
    text = search_text("Perpanjangan Paspor", "Akta Kelahiran", "Pendaftaran Peserta")
    for query in ("memperpanjang paspor", "lahir", "daftar peserta", "AKTA"):
        assert matches(query, text), query
    assert not matches("paspor hilang", text)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_a_stem_is_always_part_of_its_word_so_it_matches_the_word_itself(word):
    assert stem(word) in word
    assert matches(word, normalize(word))
