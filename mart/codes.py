"""Everyday value codes: the spellings of the closed value sets a load accepts (mart/value_codes.toml).

A value of an ENUM column is matched after `normalise` (lower case, trimmed, runs of spaces and hyphens as `_`),
first against the allowed values themselves, then against the spellings of the built-in file and of the
user's own file (which wins where both name a spelling).
"""
from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

CODES_TOML = Path(__file__).with_name("value_codes.toml")


class CodesError(ValueError):
    pass


def normalise(text: str) -> str:
    """The form both sides are compared in; `normalise_sql` is the same in SQL."""
    return re.sub(r"[\s\-]+", "_", text.strip()).lower()


def normalise_sql(expr: str) -> str:
    return rf"lower(regexp_replace(trim({expr}), '[\s\-]+', '_', 'g'))"


def read_codes(path: Path, enums: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    """value set -> {normalised spelling: allowed value}, from one TOML file; bad content raises CodesError."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CodesError(f"{Path(path).name}: cannot be read as TOML: {error}") from None
    codes: dict[str, dict[str, str]] = {}
    for type_name, values in raw.items():
        if type_name not in enums:
            raise CodesError(f"{Path(path).name}: [{type_name}] is not a value set (one of {', '.join(enums)})")
        if not isinstance(values, dict):
            raise CodesError(f"{Path(path).name}: [{type_name}] must list spellings under each allowed value")
        spellings: dict[str, str] = {}
        for value, words in values.items():
            if value not in enums[type_name]:
                raise CodesError(f"{Path(path).name}: [{type_name}] {value!r} is not one of {', '.join(enums[type_name])}")
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise CodesError(f"{Path(path).name}: [{type_name}] {value} must be a list of strings")
            for word in words:
                key = normalise(word)
                if spellings.get(key, value) != value:
                    raise CodesError(f"{Path(path).name}: [{type_name}] {word!r} means both {spellings[key]} and {value}")
                spellings[key] = value
        codes[type_name] = spellings
    return codes


@cache
def _builtin(enums_items: tuple) -> dict[str, dict[str, str]]:
    return read_codes(CODES_TOML, dict(enums_items))


def value_codes(enums: dict[str, tuple[str, ...]], extra: Path | None = None) -> dict[str, dict[str, str]]:
    """Every accepted spelling per value set: the allowed values, the built-in file, then `extra` on top."""
    merged = {name: {normalise(v): v for v in labels} for name, labels in enums.items()}
    layers = [_builtin(tuple(sorted(enums.items())))]
    if extra is not None:
        layers.append(read_codes(extra, enums))
    for layer in layers:
        for name, spellings in layer.items():
            for key, value in spellings.items():
                if key in merged[name] and merged[name][key] != value and key == normalise(merged[name][key]):
                    raise CodesError(f"[{name}] {key!r} is an allowed value and cannot mean {value}")
                merged[name][key] = value
    return merged
