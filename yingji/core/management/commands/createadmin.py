from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset the password of) a superuser, without prompts when --password is given."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="Defaults to a prompt.")

    def handle(self, *args: Any, username: str, password: str | None, **options: Any) -> None:
        password = password or getpass.getpass("Password: ")
        if len(password) < 10:
            raise CommandError("The password must have at least 10 characters.")
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} superuser {username}.")
