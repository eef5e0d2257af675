"""Model fields that keep personal free text encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from varde.lib.crypto import decrypt_text, encrypt_text


class _EmptyOnlyExact(Exact):
    """Equality only against the empty string, the one value stored as itself."""

    def get_prep_lookup(self) -> Any:
        # None is let through because Django turns "= None" into IS NULL afterwards.
        if self.rhs not in ("", None):
            raise TypeError(_searching_error(self.lhs.output_field, "exact"))
        return super().get_prep_lookup()


def _searching_error(field: models.Field[Any, Any], lookup: str) -> str:
    return (
        f"{field.name!r} is encrypted, so it cannot be searched with {lookup!r}: the database "
        "only sees ciphertext. Only isnull and equality with '' are allowed."
    )


class EncryptedTextField(models.TextField):
    """Text that Python sees as a plain str and the database sees only as a sealed token.

    The token is bound to "<app_label>.<model_name>.<field name>", so a value copied
    into another field or model is refused. Renaming the model or field therefore
    changes what existing rows are bound to; pass context="<the old one>" to keep
    reading them. The empty string and None are stored as themselves, so blank
    notes cost nothing and "is there a note?" stays a cheap query.
    """

    description = _("Encrypted text")

    def __init__(self, *args: Any, context: str | None = None, **kwargs: Any) -> None:
        self._explicit_context = context
        self.context = context
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        if self._explicit_context is None:
            self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{self.name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self._explicit_context is not None:
            kwargs["context"] = self._explicit_context
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        # A token that fails to open raises DecryptionError: a note is never shown
        # half-read, nor replaced by something that only looks like it.
        if value is None or value == "":
            return value
        return decrypt_text(value, context=self._context())

    def to_python(self, value: Any) -> str | None:
        # Values reaching Python code (forms, full_clean) are already plaintext. A
        # string that happens to look like a token is not decrypted here, or anyone
        # able to type into a note could ask the server to open another row's token.
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(value, context=self._context())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise TypeError(_searching_error(self, lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise TypeError(_searching_error(self, lookup_name))

    def _context(self) -> str:
        if not self.context:
            raise TypeError(
                "EncryptedTextField needs a context: add it to a model, or pass context=..."
            )
        return self.context
