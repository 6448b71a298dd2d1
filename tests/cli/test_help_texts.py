"""Every ``sosrmt`` help text is plain text and every option explains itself."""

from __future__ import annotations

import argparse
import re

import pytest

from sosrmt.cli import COMMANDS, build_parser

RST_MARKUP = re.compile(r"``|:(func|class|mod|meth|attr|math|obj|ref|doc):`|spec §|\.\./shared")


def _parsers(parser: argparse.ArgumentParser, path: str = "sosrmt"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


ALL = list(_parsers(build_parser()))


def test_every_command_is_listed():
    top = {p.split()[1] for p, _ in ALL if len(p.split()) > 1}
    assert top == set(COMMANDS)


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[p for p, _ in ALL])
def test_help_is_plain_text(path, parser):
    text = parser.format_help()
    assert not RST_MARKUP.search(text), f"{path} --help shows markup: {RST_MARKUP.search(text)}"


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[p for p, _ in ALL])
def test_every_option_has_help(path, parser):
    missing = [a.option_strings[0] for a in parser._actions
               if a.option_strings and a.help in (None, "") and a.help != argparse.SUPPRESS]
    assert missing == [], f"{path}: options without help: {missing}"
