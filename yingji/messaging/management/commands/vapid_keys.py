"""Print a new VAPID key pair for Web Push (`yingji vapid-keys`), to put in the production environment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yingji.core.env import new_vapid_private_key, vapid_public_key


class Command(BaseCommand):
    help = "Print a new VAPID key pair (YINGJI_VAPID_PRIVATE_KEY for the environment, and its public key)."

    def handle(self, *args: Any, **options: Any) -> None:
        private = new_vapid_private_key()
        self.stdout.write(f"YINGJI_VAPID_PRIVATE_KEY={private}\n")
        self.stdout.write(f"# public key (derived; phones subscribe with it): {vapid_public_key(private)}\n")
