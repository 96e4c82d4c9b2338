"""Database helpers any app may use: a range exclusion constraint that PostgreSQL enforces and SQLite skips."""

from django.db import models


class TsTzRange(models.Func):
    """tstzrange(start, end, '[)') for the exclusion constraints (PostgreSQL only)."""

    function = "TSTZRANGE"

    @property
    def output_field(self):  # imported lazily: SQLite installs need not load the PostgreSQL range types
        from django.contrib.postgres.fields import DateTimeRangeField

        return DateTimeRangeField()


class PostgresExclusionConstraint(models.BaseConstraint):
    """An ExclusionConstraint on PostgreSQL; nothing on other databases (SQLite for `make run`).

    On SQLite the scheduling services refuse overlaps with a check inside a write-locked transaction.
    """

    def __init__(self, *, name: str, expressions, condition=None, violation_error_message=None, **kwargs):
        self.expressions = expressions
        self.condition = condition
        super().__init__(name=name, violation_error_message=violation_error_message, **kwargs)

    def _postgres(self):
        from django.contrib.postgres.constraints import ExclusionConstraint

        return ExclusionConstraint(
            name=self.name,
            expressions=self.expressions,
            condition=self.condition,
            violation_error_message=self.violation_error_message,
        )

    def constraint_sql(self, model, schema_editor):
        return self._postgres().constraint_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return self._postgres().create_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return self._postgres().remove_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor == "postgresql":
            self._postgres().validate(model, instance, exclude=exclude, using=using)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["expressions"] = self.expressions
        if self.condition is not None:
            kwargs["condition"] = self.condition
        return path, args, kwargs

    def __eq__(self, other):
        if isinstance(other, PostgresExclusionConstraint):
            return (
                self.name == other.name
                and self.expressions == other.expressions
                and self.condition == other.condition
                and self.violation_error_message == other.violation_error_message
            )
        return super().__eq__(other)


def _is_postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"
