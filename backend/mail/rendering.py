"""E-mails written as Django templates, so that someone who is not a developer can change what they say.

Each e-mail is a pair in its domain's `templates/email/<domain>/`: `<name>.txt` (its first line is the
subject, then a blank line, then the text) and `<name>.html` (the same words in the platform's look, from
`email/base.html`). Both are rendered with the same context; the text without HTML escaping
(`email/base.txt` turns it off), the HTML with it. A subject carries no text chosen by another user
(`tests/core/test_email_subjects.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict) -> RenderedEmail:
    """`template` without its extension, e.g. "mentoring/booking_confirmed"."""
    text = render_to_string(f"email/{template}.txt", context).strip("\n")
    subject, _, body = text.partition("\n\n")
    html = render_to_string(f"email/{template}.html", {**context, "subject": subject.strip()})
    return RenderedEmail(subject=" ".join(subject.split()), text=body.strip("\n") + "\n", html=html)
