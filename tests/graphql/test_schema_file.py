"""The committed SDL (saleor_journey/graphql/schema.graphql) is what the code serves."""

from saleor_journey.graphql.schema import SDL_PATH, sdl


def test_the_committed_schema_matches_the_code() -> None:
    assert SDL_PATH.read_text() == sdl(), (
        "saleor_journey/graphql/schema.graphql is out of date; regenerate it with "
        "`.venv/bin/python -m saleor_journey.graphql.print_schema`"
    )
