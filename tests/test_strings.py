"""Every language file carries every fixed string, non-empty, with the same placeholders."""

from __future__ import annotations

import re

import pytest

from bot.lang.strings import supported, table


@pytest.mark.parametrize("lang", supported())
def test_language_file_is_complete(lang: str) -> None:
    english, mine = table("en"), table(lang)
    assert set(mine) == set(english), set(english) ^ set(mine)
    for key, value in english.items():
        if key == "keywords":
            assert set(mine[key]) == set(value) and all(mine[key][k] for k in value)
        else:
            assert str(mine[key]).strip(), key
            assert re.findall(r"{\w+}", str(mine[key])) == re.findall(r"{\w+}", str(value)), key
