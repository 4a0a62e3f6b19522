"""Install the shipped secondary curriculum (strides/frameworks/shipped.py SUBJECTS, with phases),
and let the frameworks of every subject (year bands, GCSE, the engagement model, P scales) be used
for any subject, a trust's own ones too, by naming none. Existing subjects keep their codes."""

from django.db import migrations


def install(apps, schema_editor):
    from strides.frameworks.services import install_shipped

    install_shipped(apps)


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0004_subjects_of_trusts")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
