from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yingji.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    nav_items = [("accounts:users", _("People"))]

    def ready(self) -> None:
        # The scope rule (core/scope.py) asks accounts what each role may do and who holds which role where.
        from yingji.accounts.models import membership_rows
        from yingji.accounts.roles import role_allows
        from yingji.core import scope

        scope.use_roles(role_allows, membership_rows)
