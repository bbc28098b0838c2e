"""Staff writes: invitations (create, accept, revoke), role changes, deactivation, profile, signup handover."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import Invitation, Role, User
from apps.accounts.permissions import roles_user_may_invite
from apps.accounts.tokens import (
    INVITATION_MAX_AGE,
    LinkError,
    LinkProblem,
    handover_token_matches,
    handover_token_read,
    invitation_token_make,
    invitation_token_read,
)
from apps.audit.services import Actor, audit_record
from apps.core.errors import DomainError
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_base_url

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _current_tenant() -> Tenant:
    """The tenant whose schema the connection uses (schema_context() only sets a stand-in without its fields)."""
    tenant = getattr(connection, "tenant", None)
    schema_name = getattr(tenant, "schema_name", "public")
    if schema_name == "public":
        raise DomainError(_("Staff accounts belong to a tenant."))
    if isinstance(tenant, Tenant):
        return tenant
    return Tenant.objects.get(schema_name=schema_name)


def _email_normalise(email: str) -> str:
    value = (email or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError(_("Enter a valid email address."), field="email") from None
    return value


def _password_check(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None


# ---- invitations ---------------------------------------------------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    tenant = _current_tenant()
    token = invitation_token_make(invitation_public_id=str(invitation.public_id), schema_name=tenant.schema_name)
    path = reverse("accounts:invitation_accept", kwargs={"token": token}, urlconf=settings.ROOT_URLCONF)
    return f"{tenant_base_url(tenant)}{path}"


def _invitation_email_send(invitation: Invitation, link: str, tenant: Tenant) -> None:
    """The invitation email, in the tenant's default language (the invitee has no preference yet)."""
    context = {
        "tenant": tenant,
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "link": link,
        "days": INVITATION_MAX_AGE.days,
    }
    with translation.override(tenant.default_locale):
        subject = _("%(inviter)s invites you to %(tenant)s on Amiable") % {
            "inviter": invitation.invited_by.display_name,
            "tenant": tenant.legal_name,
        }
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


def invitation_create(*, email: str, role: str, invited_by: User, actor: Actor) -> Invitation:
    """Invite `email` as `role`; older pending invitations to the same address are revoked. Emails the link."""
    tenant = _current_tenant()
    email = _email_normalise(email)
    if role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    if role not in roles_user_may_invite(invited_by):
        raise DomainError(_("You may not invite someone as %(role)s.") % {"role": Role(role).label}, field="role")
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("%(email)s already has a staff account here. Change their role on the staff list instead.")
            % {"email": email},
            field="email",
        )
    frozen_now = timezone.now()
    with transaction.atomic():
        older = Invitation.objects.select_for_update().filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        )
        for old in older:
            _invitation_revoke_locked(old, actor=actor, at=frozen_now, reason="re-invited")
        invitation = Invitation.objects.create(
            email=email,
            role=role,
            invited_by=invited_by,
            created_at=frozen_now,
            expires_at=frozen_now + INVITATION_MAX_AGE,
        )
        audit_record(
            actor=actor,
            action="invitation.created",
            obj=invitation,
            after={"email": email, "role": role, "expires_at": invitation.expires_at},
        )
        link = invitation_link(invitation)
        transaction.on_commit(lambda: _invitation_email_send(invitation, link, tenant))
    return invitation


def _invitation_revoke_locked(invitation: Invitation, *, actor: Actor, at: Any, reason: str = "") -> None:
    invitation.revoked_at = at
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="invitation.revoked",
        obj=invitation,
        before={"revoked_at": None},
        after={"revoked_at": at},
        reason=reason,
    )


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise DomainError(_("This invitation was already accepted; deactivate the user instead."))
        if locked.revoked_at is not None:
            raise DomainError(_("This invitation was already withdrawn."))
        _invitation_revoke_locked(locked, actor=actor, at=timezone.now())
    return locked


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation a link points to, or LinkError saying why it cannot be used."""
    tenant = _current_tenant()
    public_id = invitation_token_read(token, schema_name=tenant.schema_name)
    invitation = Invitation.objects.select_related("invited_by").filter(public_id=public_id).first()
    if invitation is None:
        raise LinkError(LinkProblem.TAMPERED)
    return _invitation_usable(invitation)


def _invitation_usable(invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None:
        raise LinkError(LinkProblem.USED)
    if invitation.revoked_at is not None:
        raise LinkError(LinkProblem.REVOKED)
    if invitation.expires_at <= timezone.now():
        raise LinkError(LinkProblem.EXPIRED)
    return invitation


def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited user with the invitation's role. The link works once."""
    tenant = _current_tenant()
    full_name = (full_name or "").strip()
    if not full_name:
        raise DomainError(_("Tell your colleagues your name."), field="full_name")
    with transaction.atomic():
        invitation = invitation_for_token(token)
        invitation = _invitation_usable(Invitation.objects.select_for_update().get(pk=invitation.pk))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise DomainError(
                _("%(email)s already has a staff account here. Sign in instead.") % {"email": invitation.email}
            )
        user = User(email=invitation.email, full_name=full_name, role=invitation.role, language=tenant.default_locale)
        _password_check(password, user)
        user.set_password(password)
        user.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        actor = Actor.for_user(user)
        audit_record(
            actor=actor,
            action="invitation.accepted",
            obj=invitation,
            before={"accepted_at": None},
            after={"accepted_at": invitation.accepted_at, "user": user.email},
        )
        audit_record(
            actor=actor,
            action="user.created",
            obj=user,
            after={"email": user.email, "role": user.role},
            reason=f"invited by {invitation.invited_by.email}",
        )
    return user


# ---- staff ---------------------------------------------------------------------------------------------------------


def _active_owner_count_locked() -> int:
    # Lock every active owner so two concurrent demotions cannot both see "another owner remains".
    return len(list(User.objects.select_for_update().filter(role=Role.OWNER, is_active=True).values_list("pk")))


def _last_owner_guard(user: User) -> None:
    if user.role == Role.OWNER and user.is_active and _active_owner_count_locked() <= 1:
        raise DomainError(
            _("%(name)s is the last active owner. Make someone else an owner first.") % {"name": user.display_name}
        )


def user_change_role(*, user: User, role: str, actor: Actor) -> User:
    if role not in Role.values:
        raise DomainError(_("Choose a role."), field="role")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.role == role:
            return locked
        if role != Role.OWNER:
            _last_owner_guard(locked)
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        audit_record(actor=actor, action="user.role_changed", obj=locked, before={"role": before}, after={"role": role})
    return locked


def user_deactivate(*, user: User, actor: Actor) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise DomainError(_("%(name)s is already deactivated.") % {"name": locked.display_name})
        if actor.user is not None and actor.user.pk == locked.pk:
            raise DomainError(_("You cannot deactivate yourself. Ask another owner."))
        _last_owner_guard(locked)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="user.deactivated", obj=locked, before={"is_active": True}, after={"is_active": False}
        )
    return locked


def user_reactivate(*, user: User, actor: Actor) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise DomainError(_("%(name)s is already active.") % {"name": locked.display_name})
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="user.reactivated", obj=locked, before={"is_active": False}, after={"is_active": True}
        )
    return locked


def user_profile_update(*, user: User, full_name: str, language: str, actor: Actor) -> User:
    if language and language not in SUPPORTED_LANGUAGES:
        raise DomainError(_("Choose English, French or Polish."), field="language")
    full_name = (full_name or "").strip()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"full_name": locked.full_name, "language": locked.language}
        after = {"full_name": full_name, "language": language}
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return locked
        locked.full_name = full_name
        locked.language = language
        locked.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="user.profile_updated",
            obj=locked,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return locked


# ---- signup handover -----------------------------------------------------------------------------------------------


def handover_consume(*, token: str) -> User:
    """The user a fresh signup handover token names, stamped as signed in so the token cannot be used again."""
    tenant = _current_tenant()
    payload = handover_token_read(token, schema_name=tenant.schema_name)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(public_id=payload.get("u", ""), is_active=True).first()
        if user is None:
            raise LinkError(LinkProblem.TAMPERED)
        if not handover_token_matches(payload, user):
            raise LinkError(LinkProblem.USED)
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        audit_record(actor=Actor.for_user(user), action="user.signed_in", obj=user, reason="signup handover")
    return user
