"""Tool-call records belong to their run (deleted with it). Older records get the run named by
their key's first segment (`run/node/attempt[/call]`); records of runs already gone are dropped."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def tie_to_runs(apps, schema_editor):
    records, runs = apps.get_model("tools", "ToolCallRecord").objects, apps.get_model("workflows", "Run").objects
    for record in records.filter(run__isnull=True).iterator(chunk_size=500):
        try:
            run_id = uuid.UUID(record.key.split("/", 1)[0])
        except ValueError:
            run_id = None
        if run_id is not None and runs.filter(pk=run_id).exists():
            records.filter(pk=record.pk).update(run_id=run_id)
        else:
            records.filter(pk=record.pk).delete()


class Migration(migrations.Migration):
    atomic = False  # PostgreSQL: no ALTER TABLE after the data update in one transaction (pending trigger events)

    dependencies = [
        ('tools', '0002_toolcallrecord_state'),
        ('workflows', '0002_run_version_cascade'),
    ]

    operations = [
        migrations.AddField(
            model_name='toolcallrecord',
            name='run',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='tool_calls', to='workflows.run'),
        ),
        migrations.RunPython(tie_to_runs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='toolcallrecord',
            name='run',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tool_calls',
                                    to='workflows.run'),
        ),
    ]
