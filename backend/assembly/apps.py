from django.apps import AppConfig


class AssemblyConfig(AppConfig):
    name = "backend.assembly"
    label = "assembly"
    verbose_name = "Assemblage"
