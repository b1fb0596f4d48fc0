"""The back office's sign-in form, on the API's throttle: the same failed-login count, lock and pause
(`services.checked_credentials`). Before (issue 24), `/admin/login/` evaluated every guess and recorded none."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from .services import checked_credentials, client_ip


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            ip_address = client_ip(self.request.META) if self.request is not None else None
            try:
                self.user_cache = checked_credentials(email, password, ip_address)
            except ValidationError as refused:
                raise forms.ValidationError(refused.messages[0], code=refused.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
