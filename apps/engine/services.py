"""The daily collection run (E1) and the schedule breaks that give a broken promise its own step (E5)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from apps.audit.services import Actor, audit_record
from apps.contact.gate import ContactRequest, gate_decide_many
from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt
from apps.debts.services import debt_resume
from apps.engine.due import DueMessage, due_steps
from apps.engine.models import CollectionRun, RunStatus, ScheduleBreak, StepDone, StepOutcome
from apps.outbox.models import Message, Source
from apps.outbox.services import message_enqueue
from apps.outbox.unsubscribe import unsubscribe_url
from apps.policies.models import Channel, MessageTemplate, Step, StepKind
from apps.policies.rendering import render_message
from apps.policies.selectors import template_get

RUN_ACTOR = "collection run"


def debt_promise_broken(*, debt: Debt, kind: str = StepKind.BROKEN_PROMISE, actor: Actor, reason: str = "") -> Debt:
    """A promise (or an instalment of a plan) was missed: the debt is back in the schedule where it stopped, and
    the policy's broken-promise (missed-instalment) steps react to the break."""
    if kind not in (StepKind.BROKEN_PROMISE, StepKind.MISSED_INSTALMENT):
        raise ValueError(kind)
    with transaction.atomic():
        debt = debt_resume(debt=debt, actor=actor, reason=reason or str(StepKind(kind).label))
        brk = ScheduleBreak.objects.create(debt=debt, kind=kind, broken_on=tenant_today(), created_by_label=actor.label)
        audit_record(actor=actor, action=f"debt.{kind}", obj=debt, after={"broken_on": brk.broken_on}, reason=reason)
    return debt


def collection_run(*, run_date: dt.date | None = None) -> CollectionRun:
    """Run the current tenant's collection for a day. A day runs once: a second call returns the first run."""
    now = timezone.now()
    run_date = run_date or tenant_today(now)
    run, created = CollectionRun.objects.get_or_create(run_date=run_date)
    if not created and run.status != RunStatus.FAILED:
        return run
    try:
        with transaction.atomic():
            _run(run, now)
    except Exception as exc:
        CollectionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), failure_message=repr(exc)[:2000]
        )
        raise
    return run


def _locale(debtor: Debtor, default: str) -> str:
    return debtor.preferred_language or default


def _run(run: CollectionRun, now: dt.datetime) -> None:
    tenant = current_tenant()
    due = due_steps(today=run.run_date)
    debtors = Debtor.objects.in_bulk([m.debtor_id for m in due.messages])
    debts = Debt.objects.in_bulk([debt_id for m in due.messages for debt_id in m.debt_ids])
    contacts = ContactPoint.objects.in_bulk([m.contact_point_id for m in due.messages if m.contact_point_id])
    steps = Step.objects.select_related("version").in_bulk({m.step_id for m in due.messages})
    templates: dict[tuple[str, str, str], MessageTemplate | None] = {}

    def template_for(message: DueMessage, locale: str) -> MessageTemplate | None:
        key = (message.template_key, message.channel, locale)
        if key not in templates:
            templates[key] = template_get(message.template_key, message.channel, locale)
        return templates[key]

    planned = []
    for due_message in due.messages:
        debtor = debtors[due_message.debtor_id]
        template = template_for(due_message, _locale(debtor, tenant.default_locale))
        contact = contacts.get(due_message.contact_point_id) if due_message.contact_point_id else None
        planned.append((due_message, debtor, [debts[i] for i in due_message.debt_ids], contact, template))

    verdicts = gate_decide_many(
        [
            ContactRequest(
                debtor=debtor,
                channel=m.channel,
                at=now,
                debts=tuple(debt_rows),
                contact_point=contact,
                template=template,
                source=Source.AUTOMATIC,
                actor_label=RUN_ACTOR,
            )
            for m, debtor, debt_rows, contact, template in planned
        ]
    )

    done: list[StepDone] = []
    queued = deferred = denied = 0
    has_letters = False
    for (m, debtor, debt_rows, contact, template), verdict in zip(planned, verdicts, strict=True):
        message: Message | None = None
        if verdict.allowed or verdict.defer_until is not None:
            if template is None:
                raise LookupError(f"No template {m.template_key!r} for {m.channel}")
            rendered = render_message(template=template, debtor=debtor, debts=debt_rows, tenant=tenant, links=_links(m))
            message = message_enqueue(
                idempotency_key=f"run:{run.run_date}:{debtor.id}",
                debtor=debtor,
                debts=debt_rows,
                channel=m.channel,
                contact_point=contact,
                template=template,
                rendered=rendered,
                stage=m.stage,
                source=Source.AUTOMATIC,
                policy_version=steps[m.step_id].version,
                step=steps[m.step_id],
                run=run,
                not_before=None if verdict.allowed else verdict.defer_until,
                actor_label=RUN_ACTOR,
            )
            has_letters = has_letters or m.channel == Channel.LETTER
            outcome = StepOutcome.QUEUED if verdict.allowed else StepOutcome.DEFERRED
            queued += 1
            deferred += not verdict.allowed
        else:
            outcome = StepOutcome.DENIED
            denied += 1
        done.extend(_done_rows(run, m, outcome, message))
    StepDone.objects.bulk_create(done)

    run.debts_considered = due.debts_considered
    run.messages_queued = queued
    run.deferred = deferred
    run.denied = denied
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["debts_considered", "messages_queued", "deferred", "denied", "status", "finished_at"])
    if has_letters:
        # The print file is made by a worker after the commit: the run itself only writes the outbox.
        from apps.engine.tasks import collection_run_letters_merge

        transaction.on_commit(lambda: collection_run_letters_merge.delay(run.pk))


def _links(m: DueMessage) -> dict[str, str]:
    # The portal (payment page) links arrive with the portal; electronic messages carry their one-click opt-out.
    if m.channel in (Channel.EMAIL, Channel.SMS):
        return {"opt_out_link": unsubscribe_url(debtor_id=m.debtor_id, channel=m.channel)}
    return {}


def _done_rows(run: CollectionRun, m: DueMessage, outcome: str, message: Message | None) -> Iterable[StepDone]:
    for d in m.done:
        yield StepDone(
            debt_id=d.debt_id,
            run=run,
            step_id=d.step_id,
            kind=d.kind,
            offset_days=d.offset_days,
            schedule_break_id=d.schedule_break_id,
            outcome=outcome,
            message=message,
        )
