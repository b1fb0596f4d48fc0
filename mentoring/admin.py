from django.contrib import admin

from .models import Booking, Slot, SupportOffer


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
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change through the booking service (capacity, waitlist)."""

    list_display = ["practitioner", "slot", "status", "created_at", "cancelled_at"]
    list_filter = ["status"]
    search_fields = ["practitioner__last_name", "practitioner__rpps", "slot__offer__title"]
    list_select_related = ["practitioner", "slot__offer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
