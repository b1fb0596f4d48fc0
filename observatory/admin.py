"""The observatory in the back office (French): weak signals with their history, read-only (they are found by
the scan and followed through the API), and the observatory page (observatory/views.py)."""

from django.contrib import admin

from . import models


class WeakSignalNoteInline(admin.TabularInline):
    model = models.WeakSignalNote
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "author", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.WeakSignal)
class WeakSignalAdmin(admin.ModelAdmin):
    list_display = ["kind", "msp", "department", "status", "started_at"]
    list_filter = ["status", "kind", "region"]
    search_fields = ["msp__name", "msp__finess", "reason"]
    list_select_related = ["msp", "department"]
    date_hierarchy = "started_at"
    fields = [
        "kind",
        "status",
        "msp",
        "hub",
        "region",
        "department",
        "started_at",
        "detected_at",
        "reason",
        "suggested_action",
        "closed_at",
        "closed_by",
    ]
    readonly_fields = fields
    inlines = [WeakSignalNoteInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["month", "level", "code", "taken_at"]
    list_filter = ["level"]
    readonly_fields = ["month", "level", "code", "figures", "taken_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
