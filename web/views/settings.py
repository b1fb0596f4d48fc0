"""My account: notification preferences, my calendar's address, my password; a forgotten password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import door


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    errors = door.FormErrors()
    feed_url = None
    action = request.POST.get("action")
    if action == "preferences":
        answer = door.run(
            request,
            "UpdateNotificationPreferences",
            {
                "reminders": request.POST.get("reminders") == "on",
                "digest": request.POST.get("digest") == "on",
            },
        )
        if answer.ok("updateNotificationPreferences"):
            messages.success(request, "Vos préférences sont enregistrées.")
            return redirect("web:account")
        errors = answer.form_errors("updateNotificationPreferences")
    elif action == "calendar":
        answer = door.run(request, "RotateCalendarFeed")
        if answer.ok("rotateCalendarFeed"):
            # Shown on this answer only (it is a secret): not after a redirect, not in a message kept in the session.
            feed_url = request.build_absolute_uri(answer.payload("rotateCalendarFeed")["url"])
        else:
            errors = answer.form_errors("rotateCalendarFeed")
    elif action == "password":
        answer = door.run(
            request,
            "ChangePassword",
            {
                "currentPassword": request.POST.get("currentPassword", "")[:4096],
                "newPassword": request.POST.get("newPassword", "")[:4096],
            },
        )
        if answer.ok("changePassword"):
            messages.success(
                request, "Votre mot de passe est changé. Vos autres connexions (jetons d'API) sont fermées."
            )
            return redirect("web:account")
        errors = answer.form_errors("changePassword").keep_only({"currentPassword", "newPassword"})
    data = door.read(request, "AccountPage")
    return render(
        request,
        "web/account.html",
        {
            "title": "Mon compte",
            "me": data["me"],
            "preferences": data["notificationPreferences"],
            "feed_url": feed_url,
            "errors": errors,
            "action": action,
        },
        status=400 if errors else 200,
    )


@door.page
@require_http_methods(["GET", "POST"])
def forgotten_password(request):
    errors = door.FormErrors()
    email = request.POST.get("email", "").strip()[:254]
    if request.method == "POST":
        answer = door.run(request, "RequestPasswordReset", {"email": email})
        if answer.ok("requestPasswordReset"):
            request.session["reset_email"] = email
            return redirect("web:reset-password")
        errors = answer.form_errors("requestPasswordReset").keep_only({"email"})
    return render(
        request,
        "web/forgotten_password.html",
        {"title": "Mot de passe oublié", "email": email, "errors": errors},
        status=400 if errors else 200,
    )


@door.page
@require_http_methods(["GET", "POST"])
def reset_password(request):
    errors = door.FormErrors()
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:300]
    if request.method == "POST":
        answer = door.run(
            request,
            "ResetPassword",
            {"code": code, "newPassword": request.POST.get("newPassword", "")[:4096]},
        )
        if answer.ok("resetPassword"):
            request.session.pop("reset_email", None)
            messages.success(request, "Votre nouveau mot de passe est enregistré : connectez-vous avec lui.")
            return redirect("web:sign-in")
        errors = answer.form_errors("resetPassword").keep_only({"code", "newPassword"})
    return render(
        request,
        "web/reset_password.html",
        {
            "title": "Choisir un nouveau mot de passe",
            "code": code,
            "errors": errors,
            "email": request.session.get("reset_email"),
        },
        status=400 if errors else 200,
    )


@door.page
@login_required
def my_data(request):
    """Everything the platform holds about me, as a JSON file (the API's `myData`)."""
    document = door.read(request, "MyData")["myData"]
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-tete-de-pont.json"'
    return response


@door.page
@login_required
@require_http_methods(["GET", "POST"])
def close(request):
    errors = door.FormErrors()
    if request.method == "POST":
        answer = door.run(request, "CloseAccount", {"password": request.POST.get("password", "")[:4096]})
        if answer.ok("closeAccount"):
            messages.info(request, "Votre compte est fermé. Merci d'avoir utilisé Tête de pont.")
            return redirect("web:home")
        errors = answer.form_errors("closeAccount").keep_only({"password"})
    keeps = door.read(request, "ClosingKeeps")["closingMyAccountKeeps"]
    return render(
        request, "web/close_account.html", {"title": "Fermer mon compte", "keeps": keeps, "errors": errors},
        status=400 if errors else 200,
    )  # fmt: skip
