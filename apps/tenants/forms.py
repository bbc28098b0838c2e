"""Public signup, tenant settings and operator console forms."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any, cast

from babel import Locale as BabelLocale
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.tenants.models import Currency, Jurisdiction, Locale, TenantRole
from apps.tenants.services import subdomain_check

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *((n, n.replace("_", " ")) for n in names)]


def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries named in the current language."""
    try:
        territories = BabelLocale.parse(translation.get_language() or "en", sep="-").territories
    except (ValueError, TypeError):
        territories = BabelLocale.parse("en").territories
    countries = [(code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()]
    countries.sort(key=lambda item: item[1])
    return [("", "—"), *countries]


class _OrganisationForm(forms.Form):
    """Signup and settings ask for the creditor's name and address the same way, first; both also have a timezone."""

    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    address_line1 = forms.CharField(label=_("Street address"), max_length=200)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices built per form: country names follow the page's language.
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices()
        cast(forms.ChoiceField, self.fields["timezone"]).choices = timezone_choices()


class SignupForm(_OrganisationForm):
    subdomain = forms.CharField(label=_("Subdomain"), max_length=63)
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=Jurisdiction.choices)
    role = forms.ChoiceField(label=_("You are"), choices=TenantRole.choices)
    default_locale = forms.ChoiceField(label=_("Language"), choices=Locale.choices)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    timezone = forms.ChoiceField(label=_("Timezone"))
    owner_name = forms.CharField(label=_("Your name"), max_length=150)
    owner_email = forms.EmailField(label=_("Your email"))
    owner_password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    FIELDSETS = (
        (_("Your organisation"), ("legal_name", "address_line1", "address_line2", "postal_code", "city", "country")),
        (_("How you work"), ("subdomain", "jurisdiction", "role", "default_locale", "currency", "timezone")),
        (_("Your own account"), ("owner_name", "owner_email", "owner_password")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subdomain"].help_text = _(
            "Your staff will sign in at <subdomain>.%(base)s. Lowercase letters, digits and hyphens."
        ) % {"base": settings.AMIABLE_BASE_DOMAIN}

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(legend), [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_subdomain(self) -> str:
        try:
            return subdomain_check(self.cleaned_data["subdomain"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None

    def clean_owner_email(self) -> str:
        return str(self.cleaned_data["owner_email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("owner_password")
        if password:
            probe = User(email=data.get("owner_email", ""), full_name=data.get("owner_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("owner_password", exc)
        return data


class TenantSettingsForm(_OrganisationForm):
    role = forms.ChoiceField(label=_("You are"), choices=TenantRole.choices)
    default_locale = forms.ChoiceField(label=_("Default language"), choices=Locale.choices)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    timezone = forms.ChoiceField(label=_("Timezone"))
    brand_color = forms.CharField(
        label=_("Brand colour"),
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #2f6f5e."))],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 1 MB and 2000 pixels on each side."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    support_email = forms.EmailField(label=_("Support email"), required=False)
    support_phone = forms.CharField(label=_("Support phone"), max_length=32, required=False)

    def clean_brand_color(self) -> str:
        return str(self.cleaned_data["brand_color"]).lower()

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if not logo:
            return logo
        if logo.size > LOGO_MAX_BYTES:
            raise ValidationError(_("The logo is larger than 1 MB."))
        image = getattr(logo, "image", None)
        if image is None or image.format not in LOGO_FORMATS:
            raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
        if max(image.size) > LOGO_MAX_SIDE:
            raise ValidationError(_("The logo is larger than 2000 pixels on a side."))
        return logo


class OperatorLoginForm(AuthenticationForm):
    """Only platform operators (staff users of the public schema) may sign in to the console."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(_("This account is not a platform operator."), code="not_operator")


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The tenant's staff see this on every page."),
    )


class ReactivateForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=500, required=False)
