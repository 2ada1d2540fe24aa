"""What the display board says aloud when a number is called, in Bahasa Indonesia.

"Nomor antrian A nol nol satu, silakan ke loket tiga" (DOMAIN.md, Queue): the ticket's digits one
by one, as printed; the counter's number as a number.
"""

from __future__ import annotations

DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")


def terbilang(n: int) -> str:
    """A number from 0 to 999 999 in words: 11 → "sebelas", 100 → "seratus", 1000 → "seribu"."""
    if not 0 <= n < 1_000_000:
        raise ValueError("only 0 to 999 999")
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{DIGITS[tens]} puluh" + (f" {DIGITS[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{DIGITS[hundreds]} ratus"
        return head + (f" {terbilang(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{terbilang(thousands)} ribu"
    return head + (f" {terbilang(rest)}" if rest else "")


def spoken_number(number: str) -> str:
    """``A-001`` → ``A nol nol satu``: letters as letters, each digit on its own."""
    words = [DIGITS[int(c)] if c.isdigit() else c for c in number if c != "-"]
    return " ".join(words)


def call_announcement(number: str, counter_number: int) -> str:
    """The sentence the board speaks for a call or a recall."""
    return f"Nomor antrian {spoken_number(number)}, silakan ke loket {terbilang(counter_number)}"
