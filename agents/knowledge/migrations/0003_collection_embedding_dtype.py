"""KnowledgeCollection.embedding_dtype: the Embedder dtype its chunks were embedded with.

Existing collections were embedded in float32 or bfloat16 (one family: a cosine of
~0.99996 between them), so they are marked ``float32``; new ones get the CPU's choice in
``services.collection_create``.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_pgvector")]

    operations = [
        migrations.AddField(
            model_name="knowledgecollection",
            name="embedding_dtype",
            field=models.CharField(default="float32", max_length=16),
        ),
    ]
