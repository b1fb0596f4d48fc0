from django.contrib import admin, messages

from . import services
from .models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, for administrators only (addresses are personal data): what went out, what waits, what failed."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="dernière erreur")
    def short_error(self, email):
        return email.last_error[:80]

    @admin.action(description="Réessayer l'envoi des e-mails en échec sélectionnés")
    def retry(self, request, queryset):
        count = services.retry_failed(queryset)
        if count:
            self.message_user(request, f"{count} e-mail(s) remis dans la file d'envoi.", messages.SUCCESS)
        else:
            self.message_user(request, "Aucun des e-mails choisis n'est en échec.", messages.WARNING)
