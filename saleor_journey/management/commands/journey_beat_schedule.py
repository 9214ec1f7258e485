"""``manage.py journey_beat_schedule``: list, or remove, the plugin's entries in Saleor's beat schedule.

Saleor's beat (its DatabaseScheduler) stores every entry of the app's schedule
as a row at start-up and never deletes rows whose entry left the code, so a
shop that uninstalls the plugin removes them with ``--remove`` (after
switching the plugin off; before ``pip uninstall``, while this command exists).
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...tasks import ENTRY_EXPIRY


class Command(BaseCommand):
    help = (
        "List the Customer Journey entries in Celery beat's database schedule (Saleor's DatabaseScheduler); "
        "--remove deletes them, for uninstalling the plugin. Restart beat afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--remove", action="store_true", help="Delete the plugin's schedule rows.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not apps.is_installed("django_celery_beat"):
            raise CommandError("django-celery-beat is not installed: beat keeps no schedule in the database here.")
        from django_celery_beat.models import PeriodicTask

        # Saleor's CustomPeriodicTask rows are PeriodicTask rows too (multi-table inheritance): deleting the
        # parent removes both.
        rows = PeriodicTask.objects.filter(name__in=list(ENTRY_EXPIRY)) | PeriodicTask.objects.filter(
            task__startswith="saleor_journey."
        )
        found = sorted(rows.values_list("name", "task", "expire_seconds"))
        for name, task, expire in found:
            self.stdout.write(f"{name}  {task}  expires after {expire if expire is not None else 'never'} s")
        if not found:
            self.stdout.write("No Customer Journey entries in beat's schedule.")
            return
        if options["remove"]:
            for row in rows.distinct():
                row.delete()
            self.stdout.write(self.style.SUCCESS(f"Removed {len(found)} entries; restart celery beat."))
