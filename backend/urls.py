from django.contrib import admin
from django.urls import include, path

from backend.accounts.forms import ThrottledAdminAuthenticationForm
from backend.core.observability import metrics_view
from backend.core.views import graphql_view, healthz
from mentoring.accelerator.views import accelerator_attachment, accelerator_export
from mentoring.views import calendar_feed
from network import pro_sante_connect
from observatory.views import export, observatory_page

admin.site.site_header = "Tête de pont — administration"
admin.site.site_title = "Tête de pont"
admin.site.index_title = "Réseau des MSP, accompagnement et accélérateur"
# The index lists every model already: without the side menu, lists keep their columns at 1,366 px.
admin.site.enable_nav_sidebar = False
admin.site.login_form = ThrottledAdminAuthenticationForm  # the API's failed-login count and lock
admin.site.index_template = "admin/tetedepont_index.html"  # the index, with a link to the observatory page

urlpatterns = [
    path("graphql", graphql_view, name="graphql"),
    path("admin/observatoire/", admin.site.admin_view(observatory_page), name="observatory-page"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("exports/<str:kind>.csv", export, name="observatory-export"),
    path("accelerator/requests.csv", accelerator_export, name="accelerator-export"),
    path("accelerator/attachments/<str:token>", accelerator_attachment, name="accelerator-attachment"),
    path("auth/pro-sante-connect/", pro_sante_connect.sign_in, name="psc-sign-in"),
    path("auth/pro-sante-connect/callback", pro_sante_connect.callback, name="psc-callback"),
    path("", include("web.urls")),  # the web application: its pages go through the schema (web/door.py)
]
