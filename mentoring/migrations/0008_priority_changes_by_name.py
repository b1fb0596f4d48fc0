"""The audit trail names priorities as the API does (CRITICAL, HIGH, NORMAL, LOW), not by the stored P1–P4."""

from django.db import migrations

NAMES = {"P1": "CRITICAL", "P2": "HIGH", "P3": "NORMAL", "P4": "LOW"}


def by_name(apps, schema_editor):
    change = apps.get_model("mentoring", "AcceleratorChange")
    for stored, name in NAMES.items():
        change.objects.filter(field="priority", from_value=stored).update(from_value=name)
        change.objects.filter(field="priority", to_value=stored).update(to_value=name)


def by_code(apps, schema_editor):
    change = apps.get_model("mentoring", "AcceleratorChange")
    for stored, name in NAMES.items():
        change.objects.filter(field="priority", from_value=name).update(from_value=stored)
        change.objects.filter(field="priority", to_value=name).update(to_value=stored)


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0007_request_radius_float")]

    operations = [migrations.RunPython(by_name, by_code)]
