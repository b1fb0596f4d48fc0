"""Signing up, confirming, signing in and out: forms that post (no script needed), through the API's mutations."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from .. import door
from ..labels import PRACTICE_MODES
from .shared import commune_label, find_commune

SIGN_UP_FIELDS = [
    "email",
    "password",
    "firstName",
    "lastName",
    "professionCode",
    "specialty",
    "rpps",
    "communeCode",
    "practiceMode",
]


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@door.page
@require_http_methods(["GET", "POST"])
def sign_in(request):
    errors = door.FormErrors()
    email = ""
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        answer = door.run(
            request, "SignIn", {"email": email[:254], "password": request.POST.get("password", "")[:4096]}
        )
        if answer.ok("signIn"):
            messages.success(
                request, f"Bonjour {answer.payload('signIn')['user']['firstName']}, vous êtes connecté."
            )
            return redirect(_next(request))
        errors = answer.form_errors("signIn").keep_only({"email", "password"})
    return render(
        request,
        "web/sign_in.html",
        {"title": "Se connecter", "errors": errors, "email": email, "next": _next(request)},
        status=400 if errors else 200,
    )


@door.page
@require_POST
def sign_out(request):
    answer = door.run(request, "SignOut")
    if answer.ok("signOut"):
        messages.info(request, "Vous êtes déconnecté.")
    return redirect("web:home")


@door.page
@require_http_methods(["GET", "POST"])
def sign_up(request):
    professions = door.read(request, "SignUpChoices")["professions"]
    values = {name: request.POST.get(name, "").strip() for name in SIGN_UP_FIELDS if name != "password"}
    values["commune"] = request.POST.get("commune", "").strip()
    errors = door.FormErrors()
    choices: list[dict] = []
    if request.method == "POST":
        commune, choices = find_commune(request, request.POST.get("communeCode") or values["commune"])
        if commune is None:
            errors.add(
                "communeCode",
                "Précisez votre commune parmi celles proposées."
                if choices
                else "Aucune commune ne porte ce nom : tapez son nom ou son code postal, puis choisissez-la.",
            )
        else:
            values["commune"] = commune_label(commune)
            variables = {
                "input": {
                    "email": values["email"],
                    "password": request.POST.get("password", ""),
                    "firstName": values["firstName"],
                    "lastName": values["lastName"],
                    "professionCode": values["professionCode"],
                    "specialty": values["specialty"] or None,
                    "rpps": values["rpps"] or None,
                    "communeCode": commune["code"],
                    "practiceMode": values["practiceMode"]
                    if values["practiceMode"] in PRACTICE_MODES
                    else None,
                }
            }
            answer = door.run(request, "RegisterPractitioner", variables)
            if answer.ok("registerPractitioner"):
                request.session["sign_up_email"] = values["email"]
                return redirect("web:confirm")
            errors = answer.form_errors("registerPractitioner").keep_only(set(SIGN_UP_FIELDS))
    return render(
        request,
        "web/sign_up.html",
        {
            "title": "Créer un compte",
            "professions": professions,
            "practice_modes": PRACTICE_MODES,
            "values": values,
            "errors": errors,
            "choices": [(c["code"], commune_label(c)) for c in choices],
        },
        status=400 if errors else 200,
    )


@door.page
@require_http_methods(["GET", "POST"])
def confirm(request):
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    errors = door.FormErrors()
    if request.method == "POST":
        answer = door.run(request, "ConfirmRegistration", {"code": code[:200]})
        if answer.ok("confirmRegistration"):
            request.session.pop("sign_up_email", None)
            messages.success(
                request,
                "Votre compte est créé. Connectez-vous avec votre adresse e-mail et votre mot de passe.",
            )
            return redirect("web:sign-in")
        errors = answer.form_errors("confirmRegistration").keep_only({"code"})
    return render(
        request,
        "web/confirm.html",
        {
            "title": "Confirmer mon inscription",
            "code": code,
            "errors": errors,
            "email": request.session.get("sign_up_email"),
        },
        status=400 if errors else 200,
    )


@door.page
def commune_suggestions(request):
    """The communes matching what is typed, as `<option>`s of the commune field's list (htmx, as one types)."""
    typed = request.GET.get("commune", "").strip()[:80]
    communes = []
    if len(typed) >= 2:
        answer = door.run(request, "CommuneSuggestions", {"search": typed})
        communes = [edge["node"] for edge in ((answer.data or {}).get("communes") or {}).get("edges", [])]
    return render(request, "web/commune_options.html", {"options": [commune_label(c) for c in communes]})
