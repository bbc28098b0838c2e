"""Create (or update) a platform operator: a staff user of the public schema who may use /operator/."""

import os
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from apps.accounts.models import User
from apps.audit.services import Actor, audit_record


class Command(BaseCommand):
    help = "Create or update a platform operator. The password comes from --password or AMIABLE_OPERATOR_PASSWORD."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=os.environ.get("AMIABLE_OPERATOR_EMAIL", ""))
        parser.add_argument("--password", default=os.environ.get("AMIABLE_OPERATOR_PASSWORD", ""))
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        password = str(options["password"])
        if not email or not password:
            raise CommandError("Give --email and --password (or AMIABLE_OPERATOR_EMAIL / AMIABLE_OPERATOR_PASSWORD).")
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            created = user is None
            if user is None:
                user = User(email=email)
            user.full_name = options["name"] or user.full_name
            user.is_staff = True
            user.is_active = True
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            user.set_password(password)
            user.save()
            audit_record(
                actor=Actor.system("create_operator command"),
                action="operator.created" if created else "operator.updated",
                obj=user,
                after={"email": email, "is_staff": True},
            )
        self.stdout.write(f"Operator {email} {'created' if created else 'updated'}.")
