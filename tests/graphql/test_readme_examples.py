"""Every GraphQL example in the README is valid against the schema the plugin serves."""

import re
from pathlib import Path

from graphql import parse, validate
from graphql.language.ast import Document

from saleor_journey.graphql.schema import schema

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_readme_example_validates() -> None:
    section = README.read_text().split("### The journey API (GraphQL)", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 7
    checked = 0
    for block in blocks:
        for definition in parse(block).definitions:  # one operation at a time: a block may hold several
            errors = validate(schema, Document(definitions=[definition]))
            assert not errors, f"{[str(e) for e in errors]} in:\n{block}"
            checked += 1
    assert checked >= 13
