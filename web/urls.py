from django.urls import path

from .views import accelerator, account, bookings, coordination, help, mentoring, project, settings

app_name = "web"

urlpatterns = [
    path("", help.home, name="home"),
    path("connexion/", account.sign_in, name="sign-in"),
    path("deconnexion/", account.sign_out, name="sign-out"),
    path("inscription/", account.sign_up, name="sign-up"),
    path("inscription/confirmer/", account.confirm, name="confirm"),
    path("compte/", settings.account, name="account"),
    path("compte/mes-donnees.json", settings.my_data, name="my-data"),
    path("compte/fermer/", settings.close, name="close-account"),
    path("mot-de-passe-oublie/", settings.forgotten_password, name="forgotten-password"),
    path("mot-de-passe/nouveau/", settings.reset_password, name="reset-password"),
    path("communes/suggestions/", account.commune_suggestions, name="commune-suggestions"),
    path("trouver/", help.find, name="find"),
    path("hubs/<str:hub_id>/", help.hub, name="hub"),
    path("creneaux/<str:slot_id>/reserver/", bookings.book, name="book"),
    path("rendez-vous/", bookings.bookings, name="bookings"),
    path("rendez-vous/<str:booking_id>/annuler/", bookings.cancel, name="cancel"),
    path("rendez-vous/<str:booking_id>/agenda.ics", bookings.calendar_file, name="booking-ics"),
    path("rendez-vous/<str:booking_id>/deplacer/", bookings.reschedule, name="reschedule"),
    path("accompagnement/", mentoring.overview, name="mentoring"),
    path("accompagnement/demander/", mentoring.ask, name="mentoring-ask"),
    path("accompagnement/demandes/<str:request_id>/", mentoring.request_page, name="mentoring-request"),
    path("accompagnement/demandes/<str:request_id>/envoyer/", mentoring.send, name="mentoring-send"),
    path("accompagnement/demandes/<str:request_id>/repondre/", mentoring.provide_info, name="mentoring-info"),
    path("accompagnement/demandes/<str:request_id>/retirer/", mentoring.withdraw, name="mentoring-withdraw"),
    path("accompagnement/suivi/<str:mentorship_id>/", mentoring.mentorship, name="mentorship"),
    path("mon-projet/", project.overview, name="projects"),
    path("mon-projet/declarer/", project.declare, name="project-declare"),
    path("mon-projet/<str:msp_id>/", project.project, name="project"),
    path("invitations/<str:invitation_id>/", project.respond, name="invitation-respond"),
    path("coordination/", coordination.dashboard, name="coordination"),
    path("coordination/demandes/<str:request_id>/", coordination.request_page, name="hub-request"),
    path("questions/", accelerator.questions, name="questions"),
    path("questions/poser/", accelerator.ask, name="question-ask"),
    path("questions/<str:question_id>/", accelerator.question, name="question"),
]
