"""Demo data: three creditors (France, Poland, United States) with staff, debtors and debts.

Everything is written through the same services real data goes through, so the demo's ledgers, statuses and
audit log look exactly like a real tenant's. A fixed random seed makes the data the same on every machine
(dates are relative to the day it runs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from babel.dates import format_date
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from faker import Faker

from apps.accounts.models import Role, User
from apps.audit.services import Actor, audit_record
from apps.core.dates import tenant_today
from apps.core.errors import DomainError
from apps.debtors.contacts import normalize_phone
from apps.debtors.models import Consent, ContactKind, Debtor, DebtorKind, Validity
from apps.debtors.services import contact_point_add, debtor_create
from apps.debts import services as debts
from apps.debts.models import Debt, DebtStatus, PaymentMethod
from apps.demo.stripe import demo_stripe_ensure
from apps.portal.links import portal_link
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_base_url, tenant_create

# Printed by bin/demo and shown in the README: demo accounts only, never a real deployment.
DEMO_PASSWORD = "amiable-demo-2468"  # noqa: S105
OPERATOR_EMAIL = "operator@amiable.example"
DEFAULT_SIZE = 320
DEFAULT_SEED = 20_240_611
STAFF_ROLES = (Role.OWNER, Role.MANAGER, Role.AGENT, Role.VIEWER)


@dataclasses.dataclass(frozen=True)
class Wording:
    """What a creditor's staff write, in their language: invoice lines and the reasons they give."""

    invoice: tuple[str, ...]  # "{month}" is the issue month
    business_invoice: tuple[str, ...]
    dispute: tuple[str, ...]
    hold: tuple[str, ...]
    promise: str
    plan: str
    escalate: str
    settle: str
    write_off: str
    cancel: str
    credit_note: str
    payment_note: dict[str, str]
    business_mailbox: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class DemoTenant:
    subdomain: str
    legal_name: str
    address_line1: str
    postal_code: str
    city: str
    country: str
    jurisdiction: str
    default_locale: str
    currency: str
    timezone: str
    support_email: str
    support_phone: str
    brand_color: str
    faker_locale: str
    ref_prefix: str
    money_scale: float  # a typical amount in this currency, relative to euros
    business_share: float
    payment_methods: tuple[tuple[str, int], ...]
    wording: Wording


FR = DemoTenant(
    subdomain="lumiere",
    legal_name="Lumière Énergie SAS",
    address_line1="18 quai Claude Bernard",
    postal_code="69007",
    city="Lyon",
    country="FR",
    jurisdiction="FR",
    default_locale="fr",
    currency="EUR",
    timezone="Europe/Paris",
    support_email="recouvrement@lumiere.example",
    support_phone="+33 4 78 12 34 56",
    brand_color="#b5542a",
    faker_locale="fr_FR",
    ref_prefix="LUM",
    money_scale=1.0,
    business_share=0.25,
    payment_methods=(
        (PaymentMethod.TRANSFER, 55),
        (PaymentMethod.CHEQUE, 25),
        (PaymentMethod.CARD, 10),
        (PaymentMethod.DIRECT_DEBIT, 7),
        (PaymentMethod.CASH, 3),
    ),
    wording=Wording(
        invoice=("Facture électricité {month}", "Facture gaz {month}", "Régularisation annuelle {month}"),
        business_invoice=("Fourniture électricité site professionnel {month}", "Contrat gaz professionnel {month}"),
        dispute=(
            "Le client conteste la consommation facturée",
            "Relevé de compteur contesté",
            "Le client affirme avoir déjà réglé cette facture",
        ),
        hold=(
            "Dossier de surendettement déposé, relances suspendues",
            "Client hospitalisé, à recontacter le mois prochain",
            "En attente du justificatif de virement",
        ),
        promise="Promesse de paiement au téléphone",
        plan="Échéancier en quatre mensualités accepté",
        escalate="Sans réponse après trois relances",
        settle="Accord amiable : solde abandonné après paiement partiel",
        write_off="Créance irrécouvrable : débiteur introuvable",
        cancel="Facture émise par erreur",
        credit_note="Avoir : geste commercial après coupure",
        payment_note={
            PaymentMethod.TRANSFER: "Virement reçu",
            PaymentMethod.CHEQUE: "Chèque encaissé",
            PaymentMethod.CARD: "Paiement par carte au guichet",
            PaymentMethod.DIRECT_DEBIT: "Prélèvement SEPA",
            PaymentMethod.CASH: "Paiement en espèces à l'agence",
        },
        business_mailbox=("comptabilite", "contact", "factures"),
    ),
)

PL = DemoTenant(
    subdomain="wisla",
    legal_name="Wisła Net sp. z o.o.",
    address_line1="ul. Długa 12",
    postal_code="31-147",
    city="Kraków",
    country="PL",
    jurisdiction="PL",
    default_locale="pl",
    currency="PLN",
    timezone="Europe/Warsaw",
    support_email="windykacja@wisla.example",
    support_phone="+48 12 345 67 89",
    brand_color="#1f5fa8",
    faker_locale="pl_PL",
    ref_prefix="WN",
    money_scale=4.3,
    business_share=0.2,
    payment_methods=(
        (PaymentMethod.TRANSFER, 75),
        (PaymentMethod.CARD, 12),
        (PaymentMethod.CASH, 8),
        (PaymentMethod.DIRECT_DEBIT, 5),
    ),
    wording=Wording(
        invoice=("Abonament internet {month}", "Usługa TV i internet {month}", "Abonament telefoniczny {month}"),
        business_invoice=("Łącze światłowodowe dla firmy {month}", "Usługi telekomunikacyjne {month}"),
        dispute=(
            "Klient kwestionuje naliczone opłaty",
            "Reklamacja jakości usługi w toku",
            "Klient twierdzi, że faktura została opłacona",
        ),
        hold=(
            "Postępowanie upadłościowe konsumenckie, windykacja wstrzymana",
            "Klient w szpitalu, kontakt w przyszłym miesiącu",
            "Oczekiwanie na potwierdzenie przelewu",
        ),
        promise="Obietnica zapłaty złożona telefonicznie",
        plan="Uzgodniono spłatę w czterech ratach",
        escalate="Brak odpowiedzi po trzech wezwaniach",
        settle="Ugoda: umorzono resztę po częściowej spłacie",
        write_off="Należność nieściągalna: dłużnik nieosiągalny",
        cancel="Faktura wystawiona omyłkowo",
        credit_note="Korekta faktury: rabat za przerwę w usłudze",
        payment_note={
            PaymentMethod.TRANSFER: "Przelew otrzymany",
            PaymentMethod.CARD: "Płatność kartą w salonie",
            PaymentMethod.CASH: "Wpłata gotówkowa w salonie",
            PaymentMethod.DIRECT_DEBIT: "Polecenie zapłaty",
        },
        business_mailbox=("biuro", "ksiegowosc", "faktury"),
    ),
)

US = DemoTenant(
    subdomain="prairie",
    legal_name="Prairie Dental Group LLC",
    address_line1="233 S Wacker Dr",
    postal_code="60606",
    city="Chicago",
    country="US",
    jurisdiction="US",
    default_locale="en",
    currency="USD",
    timezone="America/Chicago",
    support_email="billing@prairie.example",
    support_phone="+1 312 555 0142",
    brand_color="#2f6f5e",
    faker_locale="en_US",
    ref_prefix="PDG",
    money_scale=1.1,
    business_share=0.15,
    payment_methods=(
        (PaymentMethod.TRANSFER, 40),
        (PaymentMethod.CHEQUE, 30),
        (PaymentMethod.CARD, 25),
        (PaymentMethod.CASH, 5),
    ),
    wording=Wording(
        invoice=(
            "Dental exam and cleaning, {month}",
            "Crown, {month}",
            "Root canal therapy, {month}",
            "Orthodontic treatment, {month}",
        ),
        business_invoice=("Employee dental plan, {month}", "Occupational dental screenings, {month}"),
        dispute=(
            "Patient disputes the charge for the crown",
            "Patient says insurance should have covered this visit",
            "Patient says the invoice was already paid",
        ),
        hold=(
            "Insurance claim pending",
            "Bankruptcy filing reported, collection paused",
            "Waiting for proof of payment",
        ),
        promise="Promised to pay, by phone",
        plan="Agreed to four monthly installments",
        escalate="No response after three reminders",
        settle="Settlement accepted; the rest is forgiven",
        write_off="Uncollectible: debtor cannot be located",
        cancel="Invoice issued in error",
        credit_note="Insurance adjustment",
        payment_note={
            PaymentMethod.TRANSFER: "ACH transfer received",
            PaymentMethod.CHEQUE: "Check deposited",
            PaymentMethod.CARD: "Card payment at the front desk",
            PaymentMethod.CASH: "Cash payment at the front desk",
        },
        business_mailbox=("billing", "accounts", "hr"),
    ),
)

DEMO_TENANTS: tuple[DemoTenant, ...] = (FR, PL, US)


def staff_email(spec: DemoTenant, role: str) -> str:
    return f"{role}@{spec.subdomain}.example"


@dataclasses.dataclass
class SeedReport:
    created: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)
    debtors: dict[str, int] = dataclasses.field(default_factory=dict)
    debts: dict[str, int] = dataclasses.field(default_factory=dict)


def seed_demo(
    *,
    size: int = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    tenants: tuple[DemoTenant, ...] = DEMO_TENANTS,
    progress: Callable[[str], None] | None = None,
) -> SeedReport:
    """Create the platform operator and each demo tenant that does not exist yet (existing ones are left alone)."""
    report = SeedReport()
    operator_ensure()
    for spec in tenants:
        existing = Tenant.objects.filter(subdomain=spec.subdomain).first()
        if existing is not None:
            # Seeded before card payments existed: connect it to the fake Stripe all the same.
            demo_stripe_ensure(existing)
            report.skipped.append(spec.subdomain)
            continue
        if progress:
            progress(f"Seeding {spec.legal_name} ({spec.subdomain}): {size} debtors")
        tenant = tenant_seed(spec, size=size, seed=seed)
        demo_stripe_ensure(tenant)
        report.created.append(spec.subdomain)
        with tenant_context(tenant):
            report.debtors[spec.subdomain] = Debtor.objects.count()
            report.debts[spec.subdomain] = Debt.objects.count()
    return report


def operator_ensure() -> User:
    """The platform operator lives in the public schema (is_staff); the operator console signs in there."""
    with schema_context("public"):
        existing = User.objects.filter(email=OPERATOR_EMAIL).first()
        if existing is not None:
            return existing
        with transaction.atomic():
            user = User.objects.create_superuser(OPERATOR_EMAIL, DEMO_PASSWORD, full_name="Platform Operator")
            audit_record(
                actor=Actor.system("demo setup"),
                action="user.created",
                obj=user,
                after={"email": user.email, "is_staff": True},
                reason="platform operator for the demo",
            )
        return user


def tenant_seed(spec: DemoTenant, *, size: int, seed: int) -> Tenant:
    """One creditor with its staff, `size` debtors and their debts, in one transaction."""
    # A seeded generator so every machine gets the same demo; nothing here is a secret.
    rng = random.Random(f"{seed}:{spec.subdomain}")  # noqa: S311
    fake = Faker(spec.faker_locale)
    fake.seed_instance(rng.getrandbits(32))
    with transaction.atomic():
        tenant, _owner = tenant_create(
            subdomain=spec.subdomain,
            legal_name=spec.legal_name,
            address_line1=spec.address_line1,
            postal_code=spec.postal_code,
            city=spec.city,
            country=spec.country,
            jurisdiction=spec.jurisdiction,
            owner_email=staff_email(spec, Role.OWNER),
            owner_password=DEMO_PASSWORD,
            owner_name=fake.name(),
            default_locale=spec.default_locale,
            currency=spec.currency,
            timezone=spec.timezone,
            support_email=spec.support_email,
            support_phone=spec.support_phone,
            brand_color=spec.brand_color,
        )
        with tenant_context(tenant):
            staff = _staff_create(spec, fake)
            seeder = _TenantSeeder(spec=spec, rng=rng, fake=fake, actor=Actor.for_user(staff[Role.MANAGER]))
            for number in range(1, size + 1):
                seeder.debtor_with_debts(number)
    return tenant


def _staff_create(spec: DemoTenant, fake: Faker) -> dict[str, User]:
    owner = User.objects.get(email=staff_email(spec, Role.OWNER))
    staff: dict[str, User] = {Role.OWNER: owner}
    for role in STAFF_ROLES[1:]:
        user = User.objects.create_user(
            staff_email(spec, role), DEMO_PASSWORD, full_name=fake.name(), role=role, language=spec.default_locale
        )
        audit_record(
            actor=Actor.for_user(owner),
            action="user.created",
            obj=user,
            after={"email": user.email, "role": role},
            reason="demo staff",
        )
        staff[role] = user
    return staff


_FR_LEGAL_FORM = re.compile(r"\b(S\.?A\.?(R\.?L\.?|S\.?)?|EURL|SNC)(\W|$)")


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in plain.encode("ascii", "ignore").decode().lower() if c.isalnum() or c in " -.")


@dataclasses.dataclass
class _TenantSeeder:
    spec: DemoTenant
    rng: random.Random
    fake: Faker
    actor: Actor
    today: dt.date = dataclasses.field(default_factory=tenant_today)

    # --- debtors -------------------------------------------------------------------------------------------

    def debtor_with_debts(self, number: int) -> Debtor:
        is_business = self.rng.random() < self.spec.business_share
        debtor = self._debtor(number, is_business)
        self._contacts(debtor, is_business)
        for index in range(self.rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0]):
            self._debt(debtor, number, index, is_business)
        return debtor

    def _debtor(self, number: int, is_business: bool) -> Debtor:
        fields: dict[str, Any] = {
            "kind": DebtorKind.BUSINESS if is_business else DebtorKind.PERSON,
            "preferred_language": self.spec.default_locale if self.rng.random() < 0.93 else "en",
            "customer_since": self.today - dt.timedelta(days=self.rng.randint(420, 4000)),
        }
        if is_business:
            name = self._company_name()
            fields["lifetime_revenue_minor"] = self._amount(2500, 1.1) * self.rng.randint(3, 40)
        else:
            female = self.rng.random() < 0.5
            first = self.fake.first_name_female() if female else self.fake.first_name_male()
            last = self.fake.last_name_female() if female else self.fake.last_name_male()
            name = f"{first} {last}"
            fields["date_of_birth"] = self.fake.date_of_birth(minimum_age=19, maximum_age=88)
            fields["lifetime_revenue_minor"] = self._amount(300, 0.9) * self.rng.randint(2, 30)
        return debtor_create(
            external_ref=f"{self.spec.ref_prefix}-C{number:05d}", name=name, actor=self.actor, **fields
        )

    def _company_name(self) -> str:
        name = str(self.fake.company())
        if self.spec.faker_locale == "fr_FR" and not _FR_LEGAL_FORM.search(name):
            name = f"{name} {self.rng.choice(['SARL', 'SAS', 'EURL'])}"
        return name

    def _contacts(self, debtor: Debtor, is_business: bool) -> None:
        self._address(debtor, is_business)
        phones = self.rng.choices([0, 1, 2], weights=[12, 68, 20])[0]
        for index in range(phones):
            self._phone(debtor, label=("mobile", "work" if is_business else "home")[index], primary=index == 0)
        if self.rng.random() < 0.75:
            self._email(debtor, is_business)

    def _address(self, debtor: Debtor, is_business: bool) -> None:
        region = ""
        if self.spec.faker_locale == "en_US":
            region = self.fake.state_abbr(include_territories=False)
        validity = Validity.INVALID if self.rng.random() < 0.04 else Validity.VALID
        contact_point_add(
            debtor=debtor,
            kind=ContactKind.ADDRESS,
            actor=self.actor,
            label="office" if is_business else "home",
            address_line1=self.fake.street_address(),
            postal_code=self.fake.postcode(),
            city=self.fake.city(),
            region=region,
            country=self.spec.country,
            is_primary=True,
            is_workplace=is_business,
            validity=validity,
        )

    def _phone(self, debtor: Debtor, *, label: str, primary: bool) -> None:
        for _attempt in range(20):
            raw = self.fake.phone_number()
            try:
                value = normalize_phone(raw, self.spec.country)
            except DomainError:
                continue
            if debtor.contact_points.filter(kind=ContactKind.PHONE, value=value).exists():
                continue
            roll = self.rng.random()
            contact_point_add(
                debtor=debtor,
                kind=ContactKind.PHONE,
                actor=self.actor,
                label=label,
                value=raw,
                is_primary=primary,
                consent=Consent.GRANTED if roll < 0.55 else Consent.UNKNOWN,
                opted_out_at=timezone.now() - dt.timedelta(days=self.rng.randint(1, 200)) if roll > 0.97 else None,
                validity=Validity.INVALID if 0.93 < roll <= 0.97 else Validity.VALID,
            )
            return

    def _email(self, debtor: Debtor, is_business: bool) -> None:
        words = _ascii(debtor.name).replace("-", " ").replace(".", " ").split()
        if is_business:
            domain = "-".join(w for w in words if len(w) > 2)[:40] or "company"
            value = f"{self.rng.choice(self.spec.wording.business_mailbox)}@{domain}.example.com"
        else:
            local = ".".join(words[-2:]) if len(words) >= 2 else (words[0] if words else "contact")
            if self.rng.random() < 0.4:
                local = f"{local}{self.rng.randint(1, 99)}"
            value = f"{local}@example.{self.rng.choice(['com', 'org', 'net'])}"
        contact_point_add(
            debtor=debtor,
            kind=ContactKind.EMAIL,
            actor=self.actor,
            label="work" if is_business else "personal",
            value=value,
            is_primary=True,
            consent=Consent.GRANTED if self.rng.random() < 0.7 else Consent.UNKNOWN,
        )

    # --- debts ---------------------------------------------------------------------------------------------

    def _amount(self, typical_eur: float, spread: float) -> int:
        euros = min(max(self.rng.lognormvariate(math.log(typical_eur), spread), typical_eur / 12), typical_eur * 25)
        return max(round(euros * self.spec.money_scale * 100), 100)

    def _debt(self, debtor: Debtor, number: int, index: int, is_business: bool) -> None:
        due = self.today + dt.timedelta(days=self.rng.randint(-400, 20))
        issue = min(due - dt.timedelta(days=self.rng.choice([14, 30, 30, 45, 60])), self.today)
        month = format_date(issue, "LLLL yyyy", locale=self.spec.default_locale)
        lines = self.spec.wording.business_invoice if is_business else self.spec.wording.invoice
        amount = self._amount(1800, 1.0) if is_business else self._amount(180, 0.85)
        debt = debts.debt_create(
            debtor=debtor,
            external_ref=f"{self.spec.ref_prefix}-{issue.year}-{number:05d}{index + 1}",
            amount_minor=amount,
            currency=self.spec.currency,
            issue_date=issue,
            due_date=due,
            description=self.rng.choice(lines).format(month=month),
            actor=self.actor,
        )
        self._history(debt, amount)

    def _history(self, debt: Debt, amount: int) -> None:
        """Give the debt a plausible life: payments, promises, disputes, settlements, write-offs."""
        w = self.spec.wording
        days_late = (self.today - debt.due_date).days
        if days_late <= 0:
            scenario = self.rng.choices(["none", "paid", "partly_paid", "promised"], weights=[70, 12, 12, 6])[0]
        else:
            options = {
                "none": 24,
                "paid": 20,
                "partly_paid": 18,
                "promised": 6,
                "plan": 7,
                "disputed": 5,
                "on_hold": 4,
                "credit_note": 4,
                "escalated": 4 if days_late > 60 else 0,
                "settled": 3 if days_late > 45 else 0,
                "written_off": 4 if days_late > 180 else 0,
                "cancelled": 1,
            }
            scenario = self.rng.choices(list(options), weights=list(options.values()))[0]
        balance = amount
        match scenario:
            case "paid":
                self._payments(debt, balance, parts=self.rng.choices([1, 2, 3], weights=[70, 20, 10])[0])
            case "partly_paid":
                self._payments(debt, self._share(balance, 0.15, 0.8), parts=self.rng.randint(1, 3))
            case "promised":
                debts.debt_promise(debt=debt, actor=self.actor, reason=w.promise)
            case "plan":
                debts.debt_start_plan(debt=debt, actor=self.actor, reason=w.plan)
                self._payments(debt, self._share(balance, 0.2, 0.75), parts=self.rng.randint(1, 3))
            case "disputed":
                debts.debt_dispute(debt=debt, actor=self.actor, reason=self.rng.choice(w.dispute))
            case "on_hold":
                if self.rng.random() < 0.5:
                    self._payments(debt, self._share(balance, 0.1, 0.5), parts=1)
                debts.debt_hold(debt=debt, actor=self.actor, reason=self.rng.choice(w.hold))
            case "credit_note":
                credit = self._share(balance, 0.05, 0.3)
                debts.debt_adjust(debt=debt, amount_minor=-credit, reason=w.credit_note, actor=self.actor)
                balance -= credit
                if self.rng.random() < 0.5:
                    self._payments(debt, balance, parts=1)
            case "escalated":
                if self.rng.random() < 0.4:
                    self._payments(debt, self._share(balance, 0.1, 0.4), parts=1)
                debts.debt_escalate(debt=debt, actor=self.actor, reason=w.escalate)
            case "settled":
                self._payments(debt, self._share(balance, 0.5, 0.85), parts=self.rng.randint(1, 2))
                debts.debt_settle(debt=debt, actor=self.actor, reason=w.settle)
            case "written_off":
                if self.rng.random() < 0.3:
                    self._payments(debt, self._share(balance, 0.05, 0.3), parts=1)
                debts.debt_write_off(debt=debt, actor=self.actor, reason=w.write_off)
            case "cancelled":
                debts.debt_cancel(debt=debt, actor=self.actor, reason=w.cancel)

    def _share(self, balance: int, low: float, high: float) -> int:
        return min(max(round(balance * self.rng.uniform(low, high)), 1), balance - 1) if balance > 1 else 0

    def _payments(self, debt: Debt, total: int, *, parts: int) -> None:
        """Offline payments adding up to `total`, on dates between the issue date and today."""
        if total <= 0:
            return
        parts = max(1, min(parts, total))
        cuts = sorted(self.rng.sample(range(1, total), parts - 1)) if parts > 1 else []
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        start = max(debt.issue_date, debt.due_date - dt.timedelta(days=10))
        start = min(start, self.today)
        span = (self.today - start).days
        dates = sorted(start + dt.timedelta(days=self.rng.randint(0, span)) for _ in amounts)
        methods, weights = zip(*self.spec.payment_methods, strict=True)
        for index, (amount, received_on) in enumerate(zip(amounts, dates, strict=True)):
            method = self.rng.choices(methods, weights=weights)[0]
            debts.debt_payment_record(
                debt=debt,
                amount_minor=amount,
                received_on=received_on,
                method=method,
                reference=f"{_REFERENCE_PREFIX[method]}{self.rng.randint(1_000_000, 9_999_999)}-{index + 1}",
                note=self.spec.wording.payment_note[method],
                actor=self.actor,
            )


_REFERENCE_PREFIX = {
    PaymentMethod.TRANSFER: "TRF",
    PaymentMethod.CHEQUE: "CHQ",
    PaymentMethod.CARD: "POS",
    PaymentMethod.CASH: "RCP",
    PaymentMethod.DIRECT_DEBIT: "DD",
    PaymentMethod.OTHER: "PAY",
}


# --- what the demo prints ----------------------------------------------------------------------------------


def _public_url(path: str = "/") -> str:
    port = f":{settings.AMIABLE_URL_PORT}" if settings.AMIABLE_URL_PORT else ""
    return f"{settings.AMIABLE_URL_SCHEME}://{settings.AMIABLE_BASE_DOMAIN}{port}{path}"


def demo_summary() -> list[str]:
    """Where to go and how to sign in, for every demo tenant that exists."""
    console = reverse("tenants:operator_tenants", urlconf="config.urls_public")
    docs = reverse("api:docs", urlconf="config.urls_tenant")
    lines = [
        f"Public site (signup):   {_public_url()}",
        f"Operator console:       {_public_url(console)}",
        f"    operator {OPERATOR_EMAIL} / {DEMO_PASSWORD}",
    ]
    for spec in DEMO_TENANTS:
        tenant = Tenant.objects.filter(subdomain=spec.subdomain).first()
        if tenant is None:
            continue
        base = tenant_base_url(tenant)
        lines.append("")
        lines.append(f"{tenant.legal_name} ({spec.currency}, {spec.default_locale}): {base}/")
        for role in STAFF_ROLES:
            lines.append(f"    {role:<8} {staff_email(spec, role)} / {DEMO_PASSWORD}")
        lines.append(f"    API docs: {base}{docs}")
        with tenant_context(tenant):
            lines.extend(_portal_lines(base))
    return lines


def _portal_lines(base: str) -> list[str]:
    """A debtor's personal portal link (what every message carries) and the fallback sign-in details."""
    debt = (
        Debt.objects.filter(status=DebtStatus.OVERDUE, debtor__contact_points__kind=ContactKind.ADDRESS)
        .select_related("debtor")
        .order_by("external_ref")
        .first()
    )
    if debt is None:
        return []
    postal_code = (
        debt.debtor.contact_points.filter(kind=ContactKind.ADDRESS)
        .exclude(postal_code="")
        .values_list("postal_code", flat=True)
        .first()
        or ""
    )
    sign_in = reverse("portal:sign_in", urlconf="config.urls_tenant")
    return [
        f"    debtor portal ({debt.debtor.name}): {portal_link(debt.debtor)}",
        f"    or sign in at {base}{sign_in} with reference {debt.external_ref} and postal code {postal_code}",
    ]
