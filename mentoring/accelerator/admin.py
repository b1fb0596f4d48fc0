"""The accelerator's back office in the Django admin: the queue with filters, search, SLA columns and bulk
assignment (through the services, so every change is in the audit trail)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from mentoring.accelerator.permissions import ACCELERATOR_STAFF

from . import services
from .models import (
    AcceleratorChange,
    AcceleratorMessage,
    AcceleratorRequest,
    AcceleratorTag,
    CannedAnswer,
    EscalationRule,
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
    fields = ["created_at", "actor", "what", "before", "after", "reason"]
    readonly_fields = fields

    @admin.display(description="champ")
    def what(self, change):
        return change.field_label

    @admin.display(description="avant")
    def before(self, change):
        return change.from_label or "—"

    @admin.display(description="après")
    def after(self, change):
        return change.to_label or "—"

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
    hours = clock.left_seconds / 3600
    return f"dépassé de {-hours:.0f} h" if hours < 0 else f"{hours:.1f} h"


class AgentFilter(admin.SimpleListFilter):
    """The agents of the accelerator only (not every account), by name; and the requests nobody has."""

    title = "agent"
    parameter_name = "agent"

    def lookups(self, request, model_admin):
        agents = services.staff_users(administrators=False)
        return [("none", "Personne"), *((str(u.pk), u.get_full_name()) for u in agents)]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        if self.value():
            return queryset.filter(assignee_id=self.value())
        return queryset


SLA_COLOURS = {"ON_TRACK": "#1e7b34", "AT_RISK": "#b35c00", "BREACHED": "#b00020"}


def _assign_action(user):
    def action(modeladmin, request, queryset):
        for item in queryset:
            services.assign(item, request.user, user)
        modeladmin.message_user(
            request, f"{queryset.count()} demande(s) attribuée(s) à {user.get_full_name()}."
        )

    action.__name__ = f"assign_to_{user.pk}"
    return action, action.__name__, f"Attribuer à {user.get_full_name()}"


@admin.register(AcceleratorRequest)
class AcceleratorRequestAdmin(admin.ModelAdmin):
    # Readable at 1,366 px: the service levels in one column, dates in the date bar above the list.
    list_display = ["__str__", "requester", "state", "priority", "assignee", "service_levels", "received"]
    list_filter = ["state", "sla_status", "priority", "category", "department__region", AgentFilter]
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

    @admin.display(description="reçue le", ordering="created_at")
    def received(self, obj):
        return f"{timezone.localtime(obj.created_at):%d/%m/%Y}"

    @admin.display(description="délais (h ouvrées)", ordering="resolution_due_at")
    def service_levels(self, obj):
        targets = getattr(self, "_targets", None)
        return format_html(
            '<strong style="color:{}">{}</strong><br><small>1re réponse : {}<br>résolution : {}</small>',
            SLA_COLOURS.get(obj.sla_status, "inherit"),
            obj.get_sla_status_display(),
            _hours_left(obj, 0, targets),
            _hours_left(obj, 1, targets),
        )

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
        for user in services.staff_users(administrators=False):
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


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    """Who takes over a breached request, by region and category (the most specific rule wins)."""

    list_display = ["region", "category", "reassign_to"]
    list_filter = ["region", "category"]
    autocomplete_fields = ["reassign_to"]


@admin.register(AcceleratorTag)
class AcceleratorTagAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
