from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "backend.mail"
    label = "mail"
    verbose_name = "E-mails"
