"""What every admin page of the site shares."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models


class ParsedInitialMixin:
    """The add form's initial values from the query string (`?comments_close_at=…`)
    go through the model field's parser; a value it refuses is left out. Django's
    admin hands them to the widgets as raw strings, which a date widget cannot draw."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.DateField | models.TimeField):
                try:
                    initial[name] = field.to_python(value)
                except ValidationError:
                    del initial[name]
        return initial
