"""``manage.py journey_render_messages``: every message of every flow, in each language, as files to look at."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...core.flows import FLOWS, FlowSettings
from ...delivery import rendering
from ...delivery.samples import sample_context


class Command(BaseCommand):
    help = "Render every message of every flow in every language the plugin translates, with sample data, to files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="rendered-messages", help="Directory to write into (created).")
        parser.add_argument("--template-dir", default=None, help="Override directory to render with (as configured).")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        everything = FlowSettings.everything()
        written = 0
        for flow in FLOWS:
            for step in [s.name for s in everything.steps(flow)]:
                for lang in rendering.LANGUAGES:
                    rendered = rendering.render(flow, step, sample_context(flow, step), [lang], options["template_dir"])
                    if rendered.language != lang:
                        raise SystemExit(f"{flow}/{step} has no {lang} template")
                    base = out / f"{flow}.{step}.{lang}"
                    if rendered.html:
                        base.with_suffix(base.suffix + ".html").write_text(rendered.html, encoding="utf-8")
                        written += 1
                    if rendered.text:
                        text = f"Subject: {rendered.subject}\n\n{rendered.text}\n" if rendered.subject else rendered.text
                        base.with_suffix(base.suffix + ".txt").write_text(text, encoding="utf-8")
                        written += 1
                    if rendered.short:
                        base.with_suffix(base.suffix + ".sms.txt").write_text(rendered.short + "\n", encoding="utf-8")
                        written += 1
        self.stdout.write(f"Wrote {written} files to {out.resolve()}")
