"""Rebuild common-passwords.txt (run by hand; not imported by the app).

    python debrief/data/build_common_passwords.py /usr/share/john/password.lst \
        > debrief/data/common-passwords.txt

Source: Openwall's password.lst (Solar Designer, 1996-2011, public domain; the
Debian package john-data ships it), the most common passwords in decreasing
order of use. Almost all of them are shorter than our 12-character minimum, so
this script turns them into what people type when a site demands 12: the same
word with digits, years or "!" added, the word twice, and keyboard walks and
number runs. Words specific to this service (police, custody, debrief...) are
added. Case is ignored when checking, so only lower case is written.
"""

from __future__ import annotations

import sys

MIN_LENGTH = 12
TOP_BASES = 150  # the most common words get every padding; the rest get fewer
ALL_BASES = 1500  # words further down the source list are too rare to matter

SUFFIXES = [
    "123",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "1",
    "12",
    "!",
    "1!",
    "12!",
    "123!",
    "1234!",
    "12345!",
    "@123",
    "#1",
    "01",
    "007",
    "69",
    "99",
    "00",
    "2019",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
    "2024!",
    "2025!",
    "2026!",
    "123123",
    "111",
    "000",
    "321",
    "4321",
    "54321",
]
FEWER_SUFFIXES = ["123", "1234", "12345", "123456", "1!", "123!", "2024", "2025"]

# Keyboard walks too short alone, padded like the words below.
SHORT_WALKS = [
    "qwertyuiop",
    "qwertyui",
    "asdfghjkl",
    "asdfghjk",
    "zxcvbnm",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "qazwsx",
    "qazwsxedc",
    "1qaz2wsx",
    "zaq12wsx",
    "qwerty",
    "asdfgh",
    "abcdef",
    "abcdefgh",
]

SERVICE_WORDS = [
    "police",
    "policeman",
    "policewoman",
    "policeuk",
    "constable",
    "constabulary",
    "sergeant",
    "detective",
    "inspector",
    "custody",
    "officer",
    "immigration",
    "debrief",
    "oicdebrief",
    "safeguarding",
    "welcome",
    "changeme",
    "letmein",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pa55word",
    "admin",
    "administrator",
    "qwerty",
    "default",
    "secret",
    "london",
    "england",
    "britain",
    "devon",
    "cornwall",
    "kent",
    "dover",
    "border",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "spring",
    "summer",
    "autumn",
    "winter",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]

# Passphrases famous enough to be in every cracking list.
FAMOUS = [
    "correcthorsebatterystaple",
    "thequickbrownfox",
    "thequickbrownfoxjumpsoverthelazydog",
    "trustno1trustno1",
    "letmeinletmein",
    "opensesame123",
    "maytheforcebewithyou",
    "iloveyouforever",
    "ilovemyfamily",
    "ilovemymum123",
    "godblessamerica",
    "jesuschrist1",
    "jesusislord1",
    "passwordpassword1",
    "welcometothejungle",
    "liverpoolfc123",
    "manchesterunited",
    "manchestercity",
    "tottenhamhotspur",
    "arsenalfc1886",
]

WALKS = [
    "qwertyuiop",
    "qwertyuiopasdf",
    "qwertyuiop[]",
    "qwertyuiopasdfghjkl",
    "asdfghjkl;'#",
    "asdfghjklzxcvbnm",
    "zxcvbnm,./",
    "qazwsxedcrfv",
    "qazwsxedcrfvtgb",
    "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv",
    "!qaz@wsx#edc",
    "!qaz2wsx#edc4rfv",
    "zaq12wsxcde3",
    "zaq1xsw2cde3",
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "q1w2e3r4t5y6",
    "qweasdzxc123",
    "qweasdzxc1234",
    "1qazxsw23edc",
    "azertyuiop12",
    "qwertzuiop12",
    "abcdefghijkl",
    "abcdefghijklm",
    "abcdefghijklmnop",
    "abcdefghijklmnopqrstuvwxyz",
    "abc123abc123",
    "abcd1234abcd",
    "aaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaa",
    "zzzzzzzzzzzz",
    "xxxxxxxxxxxx",
    "qwerty123456",
    "qwertyqwerty",
    "asdfasdfasdf",
    "asdf1234asdf",
    "1234qwerasdf",
    "1234qwerasdfzxcv",
    "qwer1234qwer",
    "password1234",
    "iloveyou1234",
]


def _runs() -> list[str]:
    runs = []
    for start in range(10):
        for length in range(MIN_LENGTH, 21):
            runs.append("".join(str((start + i) % 10) for i in range(length)))
            runs.append("".join(str((start - i) % 10) for i in range(length)))
    for digit in "0123456789":
        runs.extend(digit * n for n in (12, 14, 16, 20))
    for chunk in ("12", "123", "1234", "12345", "123456", "123123", "abc", "ab", "xyz", "69"):
        runs.append(chunk * (-(-MIN_LENGTH // len(chunk))))
    return runs


def _bases(path: str) -> list[str]:
    words: list[str] = []
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            word = line.strip().lower()
            if word and not word.startswith("#!") and " " not in word and word not in words:
                words.append(word)
    return words


def build(source: str) -> list[str]:
    """Return the list, most likely first, without duplicates."""
    seen: dict[str, None] = {}

    def add(candidate: str) -> None:
        if len(candidate) >= MIN_LENGTH:
            seen.setdefault(candidate, None)

    for walk in FAMOUS + WALKS + _runs():
        add(walk)
    bases = _bases(source)
    extra = SHORT_WALKS + SERVICE_WORDS
    for rank, word in enumerate(extra + bases[:ALL_BASES]):
        top = rank < TOP_BASES + len(extra)
        add(word)
        add(word + word)
        for suffix in SUFFIXES if top else FEWER_SUFFIXES:
            add(word + suffix)
        if top and len(word) >= 4 and word.isalpha():
            add(word + word + "1")
            add("ilove" + word + "123")
    return list(seen)


if __name__ == "__main__":
    print("# Common passwords of 12 or more characters, refused for new passwords.")
    print("# Built by debrief/data/build_common_passwords.py from Openwall's public-domain")
    print("# password.lst (most common first); see that script for how.")
    for entry in build(sys.argv[1]):
        print(entry)
