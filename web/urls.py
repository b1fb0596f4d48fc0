from django.urls import path

from .views import account, bookings, help

app_name = "web"

urlpatterns = [
    path("", help.home, name="home"),
    path("connexion/", account.sign_in, name="sign-in"),
    path("deconnexion/", account.sign_out, name="sign-out"),
    path("inscription/", account.sign_up, name="sign-up"),
    path("inscription/confirmer/", account.confirm, name="confirm"),
    path("communes/suggestions/", account.commune_suggestions, name="commune-suggestions"),
    path("trouver/", help.find, name="find"),
    path("hubs/<str:hub_id>/", help.hub, name="hub"),
    path("creneaux/<str:slot_id>/reserver/", bookings.book, name="book"),
    path("rendez-vous/", bookings.bookings, name="bookings"),
    path("rendez-vous/<str:booking_id>/annuler/", bookings.cancel, name="cancel"),
]
