"""Install the shipped subjects, frameworks and levels (strides/frameworks/shipped.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from strides.frameworks.services import install_shipped

    install_shipped(apps)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
