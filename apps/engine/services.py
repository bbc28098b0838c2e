"""The daily collection run (E1) and the schedule breaks that give a broken promise its own step (E5)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import Actor, audit_record
from apps.contact.gate import ContactRequest, Verdict, gate_decide_many
from apps.core.dates import tenant_today
from apps.core.tenancy import current_tenant, on_commit_in_tenant
from apps.debtors.models import ContactPoint, Debtor
from apps.debts.models import Debt
from apps.debts.services import debt_resume
from apps.engine.due import DueMessage, due_steps
from apps.engine.models import CollectionRun, RunStatus, ScheduleBreak, StepDone, StepOutcome
from apps.outbox.models import Message, Source
from apps.outbox.tasks import message_deliver
from apps.outbox.unsubscribe import unsubscribe_url
from apps.policies.models import Channel, MessageTemplate, Step, StepKind
from apps.policies.rendering import RenderedMessage, debt_amounts, render_text
from apps.policies.selectors import template_get
from apps.portal.links import portal_link

RUN_ACTOR = "collection run"
BATCH = 2000


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
    """Run the current tenant's collection for a day. A day runs once: a second call returns the first run.

    The whole run is one transaction, so a crash leaves nothing half-written and a second worker starting the same
    day waits on the run's unique date, then finds it."""
    now = timezone.now()
    run_date = run_date or tenant_today(now)
    try:
        with transaction.atomic():
            run = CollectionRun.objects.filter(run_date=run_date).first()
            if run is not None and run.status != RunStatus.FAILED:
                return run
            if run is None:
                run = CollectionRun.objects.create(run_date=run_date)
            _run(run, now)
    except IntegrityError:
        # Another worker ran this day meanwhile (any other conflict is an error of its own).
        existing = CollectionRun.objects.filter(run_date=run_date).first()
        if existing is None:
            raise
        return existing
    except Exception as exc:
        CollectionRun.objects.update_or_create(
            run_date=run_date,
            defaults={"status": RunStatus.FAILED, "finished_at": timezone.now(), "failure_message": repr(exc)[:2000]},
        )
        raise
    return run


def _locale(debtor: Debtor, default: str) -> str:
    return debtor.preferred_language or default


def _run(run: CollectionRun, now: dt.datetime) -> None:
    tenant = current_tenant()
    due = due_steps(today=run.run_date, assign_at=now)
    if not due.messages:
        _finish(run, considered=due.debts_considered, queued=0, deferred=0, denied=0)
        return
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

    # Itemised amounts of every debt of the run from one ledger query (render_message reads them per message).
    amounts = dict(zip(debts, debt_amounts(list(debts.values())), strict=True))
    today = tenant_today(now)
    done: list[StepDone] = []
    messages: list[Message] = []
    denied = 0
    for (m, debtor, debt_rows, contact, template), verdict in zip(planned, verdicts, strict=True):
        message: Message | None = None
        if verdict.allowed or verdict.defer_until is not None:
            if template is None:
                raise LookupError(f"No {m.channel} template {m.template_key!r} in any language")
            ends = [d.validation_ends_on for d in debt_rows if d.validation_ends_on]
            rendered = render_text(
                template=template,
                debtor_name=debtor.name,
                debtor_reference=debtor.external_ref,
                amounts=[amounts[d.pk] for d in debt_rows],
                tenant=tenant,
                links=_links(m),
                today=today,
                validation_end=min(ends) if ends else None,
            )
            message = _message(run, m, debtor, contact, template, rendered, steps[m.step_id], verdict, now)
            messages.append(message)
            outcome = StepOutcome.QUEUED if verdict.allowed else StepOutcome.DEFERRED
        else:
            outcome = StepOutcome.DENIED
            denied += 1
        done.extend(_done_rows(run, m, outcome, message))
    _messages_write(messages, {m.debtor_id: m.debt_ids for m in due.messages}, now)
    StepDone.objects.bulk_create(done)

    _finish(
        run,
        considered=due.debts_considered,
        queued=len(messages),
        deferred=sum(1 for message in messages if message.not_before is not None),
        denied=denied,
    )
    if any(message.channel == Channel.LETTER for message in messages):
        # The print file is made by a worker after the commit: the run itself only writes the outbox.
        from apps.engine.tasks import collection_run_letters_merge

        on_commit_in_tenant(lambda: collection_run_letters_merge.delay(run.pk))


def _finish(run: CollectionRun, *, considered: int, queued: int, deferred: int, denied: int) -> None:
    run.debts_considered = considered
    run.messages_queued = queued
    run.deferred = deferred
    run.denied = denied
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.failure_message = ""
    run.save()


def _message(
    run: CollectionRun,
    m: DueMessage,
    debtor: Debtor,
    contact: ContactPoint | None,
    template: MessageTemplate,
    rendered: RenderedMessage,
    step: Step,
    verdict: Verdict,
    now: dt.datetime,
) -> Message:
    """The row apps.outbox.services.message_enqueue writes for this message (the run writes its rows in bulk)."""
    return Message(
        idempotency_key=f"run:{run.run_date}:{debtor.pk}",
        debtor=debtor,
        channel=m.channel,
        contact_point=contact,
        to_address=contact.value if contact is not None else "",
        locale=template.locale or debtor.preferred_language or "en",
        stage=m.stage,
        source=Source.AUTOMATIC,
        policy_version=step.version,
        step=step,
        template=template,
        run=run,
        subject=rendered.subject,
        body=rendered.body,
        not_before=None if verdict.allowed else verdict.defer_until,
        created_by_label=RUN_ACTOR,
        status_changed_at=now,
    )


def _messages_write(
    messages: list[Message], debt_ids: dict[uuid.UUID, tuple[uuid.UUID, ...]], now: dt.datetime
) -> None:
    """The run's messages in three statements instead of five per message; delivery queued as message_enqueue
    queues it (after the commit, for what may go now; deferred ones wait for the outbox sweep)."""
    Message.objects.bulk_create(messages, batch_size=BATCH)
    links = Message.debts.through
    Message.debts.through.objects.bulk_create(
        [
            links(message_id=message.pk, debt_id=debt_id)
            for message in messages
            for debt_id in debt_ids[message.debtor_id]
        ],
        batch_size=BATCH,
    )
    now_ids = [str(message.pk) for message in messages if message.not_before is None or message.not_before <= now]
    if now_ids:
        on_commit_in_tenant(lambda: _deliver(now_ids))


def _deliver(message_ids: list[str]) -> None:
    for message_id in message_ids:
        message_deliver.delay(message_id)


def _links(m: DueMessage) -> dict[str, str]:
    # Every message carries the debtor's portal link; electronic messages also carry their one-click opt-out.
    links = {"portal_link": portal_link(m.debtor_id)}
    if m.channel in (Channel.EMAIL, Channel.SMS):
        links["opt_out_link"] = unsubscribe_url(debtor_id=m.debtor_id, channel=m.channel)
    return links


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
