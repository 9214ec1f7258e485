"""``manage.py journey_backfill``: build journeys from the shop's existing users, orders and checkouts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ...config import JourneySettings
from ...services.backfill import Backfill, BatchResult


class Command(BaseCommand):
    help = (
        "Build customer journeys from existing users, orders and open checkouts. Sends nothing. "
        "Commits in batches and resumes where an interrupted run stopped; --restart starts over "
        "(safe: already recorded events are not doubled)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000, help="Customers per committed batch (default 2000).")
        parser.add_argument("--restart", action="store_true", help="Ignore the saved position and start from the first customer.")
        parser.add_argument("--name", default="default", help="Name of the run whose position is saved (default 'default').")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs and cron).")

    def handle(self, *args: Any, **options: Any) -> None:
        from ...plugins import history
        from ...plugins.plugin import PLUGIN_ID, stage_mirror

        settings = self._settings(PLUGIN_ID)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        backfill = Backfill(
            settings.policy, stage_mirror(settings.metadata_key), name=options["name"], batch_size=options["batch_size"]
        )
        run = backfill.checkpoint(restart=options["restart"])
        if run.finished_at and not options["restart"]:
            self.stdout.write(
                f"Backfill '{run.name}' already finished at {run.finished_at:%Y-%m-%d %H:%M} UTC "
                f"({run.customers} customers, {run.orders} orders). Use --restart to run it again."
            )
            return
        if run.position:
            self.stdout.write(f"Resuming backfill '{run.name}' after {run.customers} customers.")
        counts = history.count_history()
        bar = tqdm(
            total=counts.orders, initial=min(run.orders, counts.orders), unit="order", unit_scale=True,
            disable=options["no_progress"], desc="journeys", file=self.stderr._out,
        )
        skipped = 0

        def progress(result: BatchResult) -> None:
            nonlocal skipped
            skipped += result.skipped
            bar.update(result.orders)
            bar.set_postfix(customers=result.last_key[:14], refresh=False)

        try:
            run = backfill.run(history.iter_customers(after=run.position), on_batch=progress)
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Backfill '{run.name}' done: {run.customers} customers, {run.orders} orders, "
                f"{run.events} events read; {run.skipped} without a user or valid email skipped. Nothing was sent."
            )
        )

    @staticmethod
    def _settings(plugin_id: str) -> JourneySettings:
        from saleor.plugins.manager import get_plugins_manager

        plugin = get_plugins_manager(allow_replica=False).get_plugin(plugin_id)
        if plugin is None:
            raise CommandError(f"Plugin {plugin_id} is not installed (is saleor-journey in this environment?)")
        return plugin.settings
