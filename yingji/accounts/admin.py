from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from yingji.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["jurisdiction"]


@admin.register(User)
class YingjiUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*UserAdmin.fieldsets, ("Yingji", {"fields": ("display_name", "phone", "must_change_password")}))
