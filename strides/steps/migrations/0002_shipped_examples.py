"""Install the small-step examples Strides ships, one of each shape, and the engagement model
(strides/steps/shipped.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from strides.steps.shipped import install_shipped

    install_shipped(apps)


class Migration(migrations.Migration):
    dependencies = [("steps", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
