"""What every page's layout needs, without a query: the site's name for django-dsfr's templates (which would
otherwise read their configuration table on every page), and the navigation for who is signed in."""

from types import SimpleNamespace

from django.conf import settings
from django.urls import reverse

from . import door

SITE = SimpleNamespace(
    site_title="Tête de pont",
    site_tagline="Maisons de santé pluriprofessionnelles : trouver de l'aide, se faire accompagner",
    footer_description="Plateforme de la mesure 2 du plan « 4 000 maisons de santé pluriprofessionnelles » : "
    "les MSP tête de pont accompagnent les professionnels isolés et les porteurs de projet près de chez eux.",
    header_brand_html=None,
    footer_brand_html=None,
    beta_tag=True,
    mourning=False,
    notice_title="",
    notice_description="",
)


def site(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    me = None
    if signed_in and not request.path.startswith("/admin/"):  # a page of ours: ask the API who this is
        me = (door.run(request, "Navigation").data or {}).get("me")
    menu = [("Trouver de l'aide", reverse("web:find"))]
    if me and me["practitioner"]:
        menu.append(("Mes rendez-vous", reverse("web:bookings")))
        menu.append(("Mon accompagnement", reverse("web:mentoring")))
        menu.append(("Mes questions à la Cnam", reverse("web:questions")))
        menu.append(("Mon projet de MSP", reverse("web:projects")))
        if any(
            (m["msp"]["hub"] or {}).get("status") == "APPROVED" for m in me["practitioner"]["memberships"]
        ):
            menu.append(("Mes tours", reverse("web:turns")))
    if me and any((msp["hub"] or {}).get("status") == "APPROVED" for msp in me["coordinatedMsps"]):
        menu.append(("Ma MSP tête de pont", reverse("web:coordination")))
    if me and me["arsRegion"]:
        menu.append((f"ARS {me['arsRegion']['name']}", reverse("web:ars")))
    if me and me["isCnamStaff"]:
        menu.append(("File de l'accélérateur", reverse("web:queue")))
    if me and (me["isCnamStaff"] or me["isAdmin"]):
        menu.append(("Désignations", reverse("web:designations")))
    menu.append(("Base de connaissances", reverse("web:knowledge")))
    menu.append(("Observatoire", reverse("web:observatory")))
    path = request.path
    return {
        "SITE_CONFIG": SITE,
        "graphiql": settings.GRAPHIQL,
        "pro_sante_connect": bool(
            settings.PRO_SANTE_CONNECT.get("ISSUER") and settings.PRO_SANTE_CONNECT.get("CLIENT_ID")
        ),
        "signed_in": signed_in,
        "me": me,
        "menu": [(label, url, path == url or (url != "/" and path.startswith(url))) for label, url in menu],
    }
