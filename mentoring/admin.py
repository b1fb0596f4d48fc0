from django.contrib import admin

from .models import (
    Booking,
    CoordinationSession,
    MentoringRequest,
    MentoringRequestEvent,
    Mentorship,
    Slot,
    SupportOffer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the domain services (workflow, capacity); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportOffer)
class SupportOfferAdmin(admin.ModelAdmin):
    list_display = ["title", "hub", "kind", "location_kind", "is_active"]
    list_filter = ["kind", "location_kind", "is_active"]
    search_fields = ["title", "hub__msp__name"]
    list_select_related = ["hub__msp"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ["offer", "starts_at", "ends_at", "capacity", "status"]
    list_filter = ["status", "offer__kind"]
    search_fields = ["offer__title", "offer__hub__msp__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["offer"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings change through the booking service (capacity, waitlist)."""

    list_display = ["practitioner", "slot", "status", "created_at", "cancelled_at"]
    list_filter = ["status"]
    search_fields = ["practitioner__last_name", "practitioner__rpps", "slot__offer__title"]
    list_select_related = ["practitioner", "slot__offer"]


class MentoringRequestEventInline(admin.TabularInline):
    model = MentoringRequestEvent
    fields = ["created_at", "kind", "hub", "actor", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MentoringRequest)
class MentoringRequestAdmin(ReadOnlyAdmin):
    list_display = ["requester", "commune", "status", "hub", "created_at", "sent_at"]
    list_filter = ["status", "commune__zoning", "commune__department__region"]
    search_fields = ["requester__last_name", "message", "hub__msp__name", "commune__name"]
    list_select_related = ["requester", "commune", "hub__msp"]
    inlines = [MentoringRequestEventInline]


class CoordinationSessionInline(admin.TabularInline):
    model = CoordinationSession
    fields = ["date", "duration_minutes", "topic", "notes", "logged_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Mentorship)
class MentorshipAdmin(ReadOnlyAdmin):
    list_display = ["hub", "mentee", "starts_on", "hours_per_month", "status", "ended_on"]
    list_filter = ["status"]
    search_fields = ["hub__msp__name", "mentee__last_name"]
    list_select_related = ["hub__msp", "mentee"]
    inlines = [CoordinationSessionInline]


from .accelerator import admin as accelerator_admin  # noqa: E402, F401 (registers the back office)
