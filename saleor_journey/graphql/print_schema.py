"""Write the schema's SDL to saleor_journey/graphql/schema.graphql: ``python -m saleor_journey.graphql.print_schema``."""

import os
import sys


def main() -> None:
    if "DJANGO_SETTINGS_MODULE" not in os.environ:  # a checkout without Saleor: the tests' contract double
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        sys.path[:0] = [root, os.path.join(root, "tests", "contract")]
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from .schema import SDL_PATH, sdl

    SDL_PATH.write_text(sdl())
    print(f"wrote {SDL_PATH}")  # noqa: T201 - a command-line tool says what it wrote


if __name__ == "__main__":
    main()
