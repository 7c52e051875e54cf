"""Migration operations for tables that moved between apps (docs/architecture.md, "Layers": moved models).

When a model moves to another app with its table name kept, the migration history is rewritten so a fresh database
creates the table in the new app's migration, while a database of the old layout already has it from the old app's
migration. `CreateModelIfMissing` is that new app's CreateModel: the model state is always created; the table (with
its indexes and constraints, given in the model options) only where it does not exist yet."""

from django.db import migrations


class CreateModelIfMissing(migrations.CreateModel):
    """CreateModel whose database step is skipped when the model's table already exists (a database migrated under
    the old layout). The state step is CreateModel's own; reversing drops the table as CreateModel does."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        with schema_editor.connection.cursor() as cursor:
            existing = schema_editor.connection.introspection.table_names(cursor)
        if model._meta.db_table in existing:
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Create model {self.name} (table only where missing)"
