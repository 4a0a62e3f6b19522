"""The configuration stamp (models.ConfigurationStamp) and the triggers that replace its token
whenever a trust's frameworks, levels, subjects, assignments, scale or crosswalks change
(strides/frameworks/configuration.py)."""

from django.db import migrations, models

from strides.frameworks.configuration import (
    FRAMEWORK_TABLES,
    drop_triggers_sql,
    install_triggers_sql,
    new_stamp_sql,
)


def install(apps, schema_editor):
    for statement in install_triggers_sql(schema_editor.connection.vendor, FRAMEWORK_TABLES):
        schema_editor.execute(statement)
    # the shipped frameworks were written before the triggers: stamp them now
    schema_editor.execute(new_stamp_sql(schema_editor.connection.vendor))


def remove(apps, schema_editor):
    for statement in drop_triggers_sql(schema_editor.connection.vendor, FRAMEWORK_TABLES):
        schema_editor.execute(statement)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS strides_configuration_changed();")


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0005_secondary_curriculum")]

    operations = [
        migrations.CreateModel(
            name="ConfigurationStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=40)),
            ],
        ),
        migrations.RunPython(install, remove),
    ]
