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


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (for the schema)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
