"""Trusts still on the expected points shipped before 2026-12 move to the year's expected standard
at every term (ADR 6): see ``adopt_expected_points_for_the_time_of_year``."""

from django.db import migrations


def adopt(apps, schema_editor):
    from strides.frameworks.services import adopt_expected_points_for_the_time_of_year

    adopt_expected_points_for_the_time_of_year(apps)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0002_shipped_frameworks")]
    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
