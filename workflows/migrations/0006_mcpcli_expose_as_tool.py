from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("workflows", "0005_chatapi_chat_drafts_scoped_memory")]

    operations = [
        migrations.AddField(
            model_name="workflow",
            name="expose_as_tool",
            field=models.BooleanField(
                default=False, help_text="Listed as a tool of the owner's MCP server at /mcp/."
            ),
        ),
    ]
