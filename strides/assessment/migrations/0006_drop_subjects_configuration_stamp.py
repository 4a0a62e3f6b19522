"""A change to a drop's subjects replaces the configuration stamp's token too
(strides/frameworks/configuration.py): the grid keeps a drop's subjects by code under it."""

from django.db import migrations

from strides.frameworks.configuration import ASSESSMENT_TABLES, drop_triggers_sql, install_triggers_sql


def install(apps, schema_editor):
    for statement in install_triggers_sql(schema_editor.connection.vendor, ASSESSMENT_TABLES):
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    for statement in drop_triggers_sql(schema_editor.connection.vendor, ASSESSMENT_TABLES):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0005_judgement_withdrawn"),
        ("frameworks", "0006_configuration_stamp"),
    ]

    operations = [migrations.RunPython(install, remove)]
