from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from yingji.accounts.models import User
from yingji.core.demo import DEMO_PASSWORD, SCALES, run_demo
from yingji.jurisdictions.models import Jurisdiction


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


class Command(BaseCommand):
    help = "Generate the demo district (deterministic from --seed) and print the demo accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=SCALES, default="futian",
                            help="futian: one district at Futian's scale; city: a Shenzhen-size city; small: tests")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (but print the accounts) when data exists.")
        parser.add_argument("--reset", action="store_true", help="Delete ALL data first.")

    def handle(self, *args: Any, scale: str, seed: int, if_empty: bool, reset: bool, **options: Any) -> None:
        if Jurisdiction.objects.exists():
            if reset:
                call_command("flush", "--noinput", verbosity=0)
            elif if_empty:
                self.stdout.write("Demo data already present; keeping it.")
                self._print_accounts(None)
                return
            else:
                raise CommandError("The database already holds data. Use --reset to replace it (deletes everything).")
        context = run_demo(scale, seed, self.stdout)
        self._print_accounts(context.accounts)

    def _print_accounts(self, accounts: list[tuple[str, str, str]] | None) -> None:
        if accounts is None:
            names = ["admin", "district", "auditor", "expert", "jd01", "jd02", "sq001", "sq002", "keeper",
                     "responder", "wg0001"]
            found = User.objects.filter(username__in=names).prefetch_related("memberships__jurisdiction")
            accounts = []
            for user in sorted(found, key=lambda u: names.index(u.username)):
                m = next(iter(user.memberships.all()), None)
                accounts.append((m.get_role_display() if m else "superuser", user.username,
                                 m.jurisdiction.name if m else "—"))
        self.stdout.write("")
        self.stdout.write("Demo accounts (password for all: %s)" % DEMO_PASSWORD)
        self.stdout.write("-" * 64)
        for role, username, place in accounts:
            self.stdout.write(f"  {username:<12} {_pad(str(role), 24)} {place}")
        self.stdout.write("  jd01…jd10 street officers, sq001…sq092 community staff, wg0001… grid workers")
        self.stdout.write("-" * 64)
