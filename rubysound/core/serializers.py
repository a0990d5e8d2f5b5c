import copy

from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Refuses input keys the serializer does not declare.

    A typo in a field name would otherwise be dropped silently and the client would believe
    the change was saved. Declared read-only fields are tolerated, so a client may send back
    what it read.
    """

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class FieldsBuiltOnceMixin:
    """Builds a ModelSerializer's fields from the model once per class, not per instance.

    ModelSerializer introspects the model on every instantiation (field classes, labels,
    validators): about three quarters of the CPU of GET /api/users/me/. The fields it
    builds depend on the class alone, so they are built once and each instance gets a deep
    copy, exactly as DRF already does for declared fields (a field is bound to the one
    serializer that uses it, so instances cannot share them). Error messages and labels
    stay lazy translations, resolved in each request's language.
    """

    def get_fields(self):
        cls = type(self)
        # Looked up on the class itself: a subclass builds (and keeps) its own fields.
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (for the schema)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
