"""The demo's Python tools read `args[...]`, but the sandbox names the arguments `inputs`:
rewrite the two seeded snippets where they are still exactly as seeded."""

from django.db import migrations

FIXES = {
    "result = len(args['text'].split())": "result = len(inputs['text'].split())",
    "result = args['text'].title()": "result = inputs['text'].title()",
}


def fix(apps, schema_editor):  # type: ignore[no-untyped-def]
    Tool = apps.get_model("tools", "Tool")
    for tool in Tool.objects.filter(name__in=["word_count", "title_case"], kind="python"):
        code = (tool.config or {}).get("code")
        if code in FIXES:
            tool.config = {**tool.config, "code": FIXES[code]}
            tool.save(update_fields=["config"])


class Migration(migrations.Migration):
    dependencies = [("tools", "0003_toolcallrecord_run_cascade")]
    operations = [migrations.RunPython(fix, migrations.RunPython.noop)]
