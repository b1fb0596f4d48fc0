from collections import Counter

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import models
from .permissions import NetworkPermission
from .services import hubs, identity
from .services.composition import composition_of


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]


@admin.register(models.Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "population", "zoning"]
    list_filter = ["zoning", "department__region", "department"]
    search_fields = ["code", "name", "search_name", "postal_codes"]
    list_select_related = ["department"]
    list_editable = ["zoning"]


@admin.register(models.Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "category"]
    list_filter = ["category"]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["practitioner", "msp"]
    fields = ["practitioner", "msp", "role", "start_date", "end_date", "end_reason"]


@admin.register(models.Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "profession",
        "rpps",
        "rpps_verified_at",
        "commune",
        "practice_mode",
        "user",
    ]
    list_filter = ["practice_mode", "rpps_verified_via", "profession", "commune__department__region"]
    search_fields = ["last_name", "first_name", "rpps", "email", "commune__name"]
    list_select_related = ["profession", "commune", "user"]
    autocomplete_fields = ["commune", "user"]
    # Through the identity service only (who and when recorded), never typed in.
    readonly_fields = ["rpps_verified_at", "rpps_verified_by", "rpps_verified_via"]
    inlines = [MembershipInline]
    actions = ["verify_rpps"]

    @admin.action(
        description="Vérifier l'identité (RPPS) des professionnels sélectionnés", permissions=["verify"]
    )
    def verify_rpps(self, request, queryset):
        done = 0
        for practitioner in queryset:
            try:
                identity.verify_rpps(practitioner, request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{practitioner} : {' '.join(exc.messages)}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} identité(s) vérifiée(s).", messages.SUCCESS)

    def has_verify_permission(self, request):
        return request.user.has_perm(NetworkPermission.VERIFY_MSP)


class MspSiteInline(admin.TabularInline):
    model = models.MspSite
    extra = 0
    autocomplete_fields = ["commune"]


HUB_READONLY = [
    "status",
    "applied_at",
    "approved_by",
    "approved_at",
    "approval_reason",
    "suspended_at",
    "suspension_reason",
]


class HubInline(admin.StackedInline):
    model = models.HubDesignation
    extra = 0
    readonly_fields = HUB_READONLY  # the status changes through the approval service only


@admin.register(models.Msp)
class MspAdmin(admin.ModelAdmin):
    list_display = ["name", "finess", "status", "opening_date", "main_commune", "composition_state"]
    list_filter = ["status", "hub__status", "sites__commune__department__region"]
    search_fields = ["name", "finess", "siret", "sites__commune__name"]
    inlines = [MspSiteInline, MembershipInline, HubInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("sites__commune", "memberships__practitioner__profession")
            .distinct()
        )

    @admin.display(description="commune principale")
    def main_commune(self, obj):
        return next((s.commune.name for s in obj.sites.all() if s.is_main), "—")

    @admin.display(description="composition minimale")
    def composition_state(self, obj):
        return composition_of(obj.memberships.all()).state.label


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "msp", "role", "start_date", "end_date"]
    list_filter = ["role", "end_date"]
    search_fields = ["practitioner__last_name", "practitioner__rpps", "msp__name"]
    autocomplete_fields = ["practitioner", "msp"]
    list_select_related = ["practitioner", "msp"]


@admin.register(models.ArsAgent)
class ArsAgentAdmin(admin.ModelAdmin):
    """ARS agents: an administrator links an account to the region whose ARS it works for."""

    list_display = ["user", "region", "created_at"]
    list_filter = ["region"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "region__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "region"]

    def save_model(self, request, obj, form, change):
        # An agent signs in to the back office for the observatory page (and sees nothing else there: no
        # model permission comes with it).
        if not obj.user.is_staff:
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])
        super().save_model(request, obj, form, change)


class HubOpinionInline(admin.TabularInline):
    """The ARS's opinions, read before deciding (given through the API by the region's agents)."""

    model = models.HubOpinion
    extra = 0
    can_delete = False
    fields = ["created_at", "region", "author", "decision", "favourable", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.HubDesignation)
class HubDesignationAdmin(admin.ModelAdmin):
    list_display = ["msp", "status", "service_radius_km", "monthly_coordination_hours", "approved_at"]
    list_filter = ["status", "msp__sites__commune__department__region"]
    search_fields = ["msp__name", "msp__finess"]
    readonly_fields = ["evidence", *HUB_READONLY]  # the status changes through the approval service only
    list_select_related = ["msp"]
    actions = ["approve"]
    inlines = [HubOpinionInline]

    @admin.display(description="Éléments de la décision")
    def evidence(self, hub):
        """What the Cnam decides on: opening and years of operation, associates by profession, the
        composition rule, the ARS's latest opinion."""
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in evidence_lines(hub)))

    @admin.action(description="Désigner les MSP sélectionnées tête de pont", permissions=["approve"])
    def approve(self, request, queryset):
        """Against an unfavourable ARS opinion, a written reason is asked for first (a page between)."""
        queryset = queryset.select_related("msp")
        unfavourable = [
            (hub, opinion)
            for hub in queryset
            if (opinion := hubs.latest_opinion(hub, models.HubDecision.APPROVAL)) and not opinion.favourable
        ]
        reason = request.POST.get("reason", "").strip()
        if unfavourable and "apply" not in request.POST:
            return TemplateResponse(
                request,
                "admin/network/hubdesignation/approve.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Désigner malgré un avis défavorable de l'ARS",
                    "hubs": queryset,
                    "unfavourable": [(hub, opinion, evidence_lines(hub)) for hub, opinion in unfavourable],
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        done = 0
        for hub in queryset:
            try:
                with transaction.atomic():
                    hubs.approve_hub(hub, approved_by=request.user, reason=reason)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{hub.msp} : {' '.join(exc.messages)}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} MSP désignée(s) tête de pont.", messages.SUCCESS)
        return None

    def has_approve_permission(self, request):
        return request.user.has_perm(NetworkPermission.APPROVE_HUBS)


def evidence_lines(hub) -> list[str]:
    msp = hub.msp
    today = timezone.localdate()
    lines = []
    if msp.opening_date:
        years = (today - msp.opening_date).days // 365
        lines.append(
            f"Ouverte le {msp.opening_date:%d/%m/%Y} ({years} an{'s' if years > 1 else ''} de fonctionnement)"
        )
    else:
        lines.append("Date d'ouverture inconnue")
    memberships = list(models.Membership.objects.filter(msp=msp).select_related("practitioner__profession"))
    current = [
        m
        for m in memberships
        if m.role == models.MembershipRole.ASSOCIATE and (m.end_date is None or m.end_date >= today)
    ]
    professions = Counter(m.practitioner.profession.label for m in current)
    listed = ", ".join(f"{n} {label.lower()}" for label, n in professions.most_common())
    lines.append(f"Associés : {listed or 'aucun'}")
    composition = composition_of(memberships, today)
    state = f"Composition : {composition.state.label}"
    if composition.grace_period_ends_on:
        state += f" (délai jusqu'au {composition.grace_period_ends_on:%d/%m/%Y})"
    lines.append(state)
    opinion = hubs.latest_opinion(hub, models.HubDecision.APPROVAL)
    if opinion is None:
        lines.append("Avis de l'ARS : pas encore donné")
    else:
        verdict = "favorable" if opinion.favourable else "défavorable"
        lines.append(f"Avis de l'ARS {opinion.region.name} : {verdict} — « {opinion.reason} »")
    if hub.approval_reason:
        lines.append(f"Désignée malgré l'avis de l'ARS : « {hub.approval_reason} »")
    return lines


@admin.register(models.MspInvitation)
class MspInvitationAdmin(admin.ModelAdmin):
    list_display = ["msp", "practitioner", "rpps", "role", "status", "created_at", "responded_at"]
    list_filter = ["status", "role"]
    search_fields = ["msp__name", "practitioner__last_name", "rpps"]
    list_select_related = ["msp", "practitioner"]
    readonly_fields = ["membership", "invited_by", "created_at", "responded_at"]


@admin.register(models.ContactAccess)
class ContactAccessAdmin(admin.ModelAdmin):
    """Who read whose contact details, and when: for administrators only, never editable."""

    list_display = ["accessed_at", "viewer_email", "practitioner"]
    search_fields = ["viewer_email", "practitioner__last_name", "practitioner__rpps"]
    list_select_related = ["practitioner"]
    date_hierarchy = "accessed_at"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
