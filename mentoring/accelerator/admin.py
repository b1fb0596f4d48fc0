"""The accelerator's back office in the Django admin: the queue with filters, search, SLA columns and bulk
assignment (through the services, so every change is in the audit trail)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from mentoring.permissions import ACCELERATOR_STAFF

from . import services
from .models import (
    AcceleratorChange,
    AcceleratorMessage,
    AcceleratorRequest,
    CannedAnswer,
    ServiceLevelTarget,
)


class MessageInline(admin.TabularInline):
    model = AcceleratorMessage
    fields = ["created_at", "visibility", "author", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = AcceleratorChange
    fields = ["created_at", "actor", "field", "from_value", "to_value", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _hours_left(request, clock_index, targets=None) -> str:
    clock = services.clocks(request, targets=targets[request.priority] if targets else None)[clock_index]
    if clock.done:
        return "atteint" if not clock.breached else "dépassé"
    if clock.paused:
        return "en pause"
    return f"{clock.left_seconds / 3600:.1f} h"


def _assign_action(user):
    def action(modeladmin, request, queryset):
        for item in queryset:
            services.assign(item, request.user, user)
        modeladmin.message_user(
            request, f"{queryset.count()} demande(s) attribuée(s) à {user.get_full_name() or user.email}."
        )

    action.__name__ = f"assign_to_{user.pk}"
    return action, action.__name__, f"Attribuer à {user.get_full_name() or user.email}"


@admin.register(AcceleratorRequest)
class AcceleratorRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "requester", "category", "state", "priority", "assignee", "sla_status",
                    "first_response_left", "resolution_left", "resolution_due_at", "created_at"]  # fmt: skip
    list_filter = ["state", "sla_status", "priority", "category", "department__region", "assignee"]
    search_fields = ["subject", "body", "requester__last_name", "requester__first_name", "=id"]
    list_select_related = ["requester", "assignee", "department"]
    ordering = ["resolution_due_at", "id"]
    readonly_fields = [f.name for f in AcceleratorRequest._meta.fields]
    inlines = [MessageInline, ChangeInline]
    actions = ["assign_to_me", "unassign"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="1re réponse : reste")
    def first_response_left(self, obj):
        return _hours_left(obj, 0, getattr(self, "_targets", None))

    @admin.display(description="résolution : reste")
    def resolution_left(self, obj):
        return _hours_left(obj, 1, getattr(self, "_targets", None))

    @admin.action(description="M'attribuer les demandes choisies")
    def assign_to_me(self, request, queryset):
        if not request.user.has_perm(ACCELERATOR_STAFF):
            self.message_user(request, "Réservé aux agents de l'accélérateur.", messages.ERROR)
            return
        for item in queryset:
            services.assign(item, request.user, request.user)
        self.message_user(request, f"{queryset.count()} demande(s) vous sont attribuées.")

    @admin.action(description="Retirer l'attribution")
    def unassign(self, request, queryset):
        for item in queryset:
            services.assign(item, request.user, None)
        self.message_user(request, f"{queryset.count()} demande(s) sans attribution.")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(ACCELERATOR_STAFF):
            return {}
        staff = get_user_model().objects.filter(is_active=True, groups__name="Cnam").order_by("email")
        for user in staff:
            action, name, description = _assign_action(user)
            actions[name] = (action, name, description)
        return actions

    def changelist_view(self, request, extra_context=None):
        self._targets = services.all_targets()  # once per page, not once per row
        return super().changelist_view(request, extra_context)


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "updated_at"]
    list_filter = ["category"]
    search_fields = ["title", "body"]
    exclude = ["updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_hours", "resolution_hours"]
