"""Collections: every existing document goes to a default collection readable as before (public), and each chunk
carries its document's collection, kept equal by the database itself."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DEFAULT_NAME = "General"

# Chunks may only name their document's collection, and moving a document moves its chunks in the same statement:
# no code path (admin, service, raw SQL) can leave a chunk readable under its document's old collection.
SAME_COLLECTION = """
ALTER TABLE ingestion_document ADD CONSTRAINT document_id_collection_unique UNIQUE (id, collection_id);
ALTER TABLE ingestion_chunk ADD CONSTRAINT chunk_collection_is_documents
    FOREIGN KEY (document_id, collection_id) REFERENCES ingestion_document (id, collection_id)
    ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""
SAME_COLLECTION_UNDO = """
ALTER TABLE ingestion_chunk DROP CONSTRAINT chunk_collection_is_documents;
ALTER TABLE ingestion_document DROP CONSTRAINT document_id_collection_unique;
"""


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Collection = apps.get_model("ingestion", "Collection")
    default, _ = Collection.objects.get_or_create(is_default=True, defaults={"name": DEFAULT_NAME, "access": "public"})
    apps.get_model("ingestion", "Document").objects.update(collection=default)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ingestion_chunk c SET collection_id = d.collection_id FROM ingestion_document d "
            "WHERE d.id = c.document_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("ingestion", "0003_document_phase"),
    ]

    operations = [
        migrations.CreateModel(
            name="Collection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True)),
                ("description", models.TextField(blank=True)),
                (
                    "access",
                    models.CharField(
                        choices=[
                            (
                                "public",
                                "Everyone who may ask (anonymous askers too, when ALLOW_ANONYMOUS_QUESTIONS is on)",
                            ),
                            ("logged_in", "Everyone logged in"),
                            ("listed", "Only the groups and users listed"),
                        ],
                        default="listed",
                        max_length=20,
                    ),
                ),
                ("is_default", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("groups", models.ManyToManyField(blank=True, related_name="+", to="auth.group")),
                ("users", models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)), fields=("is_default",), name="one_default_collection"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="document",
            name="collection",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="documents",
                to="ingestion.collection",
            ),
        ),
        migrations.AddField(
            model_name="chunk",
            name="collection",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="ingestion.collection"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="document",
            name="collection",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="documents", to="ingestion.collection"
            ),
        ),
        migrations.AlterField(
            model_name="chunk",
            name="collection",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="ingestion.collection"
            ),
        ),
        migrations.RunSQL(SAME_COLLECTION, SAME_COLLECTION_UNDO),
    ]
