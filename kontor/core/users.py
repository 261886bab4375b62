"""How Kontor names a user to colleagues: in pickers, lists, exports,
calendars and notifications."""

from typing import Any

from django import forms


def user_name(user: Any) -> str:
    """The user's full name, else the username (an account without a name)."""
    return user.get_full_name() or user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    """A picker of one user, each named by ``user_name``."""

    def label_from_instance(self, obj: Any) -> str:
        return user_name(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A picker of several users, each named by ``user_name``."""

    def label_from_instance(self, obj: Any) -> str:
        return user_name(obj)
