"""What a new tenant starts with: the default policy, its message texts in en/fr/pl, margins and contact rules.

The texts are data (rows the tenant edits), not gettext strings: plain words, one clear next step, firmer by stage.
Letters carry the blocks their jurisdiction requires (validation.py checks the same blocks).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from apps.policies.models import Channel, Stage, StepKind

LOCALES = ("en", "fr", "pl")
POLICY_NAME = "Standard"


@dataclasses.dataclass(frozen=True)
class DefaultStep:
    kind: str
    offset_days: int
    channel: str
    template_key: str
    stage: str


def default_steps(jurisdiction: str) -> list[DefaultStep]:
    # A US debt collector may only state consequences it intends and is allowed to take: the +60 letter stays firm.
    second_letter_stage = Stage.FIRM if jurisdiction == "US" else Stage.FINAL
    return [
        DefaultStep(StepKind.SCHEDULE, -3, Channel.EMAIL, "due-soon", Stage.FRIENDLY),
        DefaultStep(StepKind.SCHEDULE, 1, Channel.EMAIL, "overdue", Stage.FRIENDLY),
        DefaultStep(StepKind.SCHEDULE, 7, Channel.SMS, "overdue-sms", Stage.FRIENDLY),
        DefaultStep(StepKind.SCHEDULE, 30, Channel.LETTER, "first-letter", Stage.FIRM),
        DefaultStep(StepKind.SCHEDULE, 60, Channel.LETTER, "second-letter", second_letter_stage),
        DefaultStep(StepKind.SCHEDULE, 90, Channel.PHONE, "decide-next", Stage.FINAL),
        DefaultStep(StepKind.BROKEN_PROMISE, 2, Channel.SMS, "promise-missed", Stage.FRIENDLY),
        DefaultStep(StepKind.MISSED_INSTALMENT, 2, Channel.EMAIL, "instalment-missed", Stage.FRIENDLY),
    ]


# The legal sentences letters must carry, per locale. validation.py looks for these exact phrases.
L111_8 = {
    "fr": (
        "Article L111-8 du code des procédures civiles d'exécution : « Sauf s'ils concernent un acte dont "
        "l'accomplissement est prescrit par la loi, les frais de recouvrement entrepris sans titre exécutoire "
        "restent à la charge du créancier. Toute stipulation contraire est réputée non écrite, sauf disposition "
        "législative contraire. »"
    ),
    "en": (
        "Article L111-8 of the French Code of civil enforcement procedures: “Unless they concern a step the law "
        "requires, recovery costs incurred without an enforceable title remain payable by the creditor. Any "
        "contrary clause is deemed unwritten, unless the law provides otherwise.”"
    ),
    "pl": (
        "Art. L111-8 francuskiego kodeksu postępowania egzekucyjnego: „O ile nie dotyczą czynności wymaganej "
        "przez prawo, koszty odzyskiwania należności poniesione bez tytułu wykonawczego pozostają po stronie "
        "wierzyciela. Wszelkie odmienne postanowienia uważa się za niezapisane, chyba że ustawa stanowi inaczej.”"
    ),
}
L111_8_PHRASE = {
    "fr": "restent à la charge du créancier",
    "en": "remain payable by the creditor",
    "pl": "po stronie wierzyciela",
}

MINI_MIRANDA = {
    "en": "This is an attempt to collect a debt, and any information obtained will be used for that purpose.",
    "fr": ("Ceci est une tentative de recouvrement d'une dette ; toute information obtenue sera utilisée à cette fin."),
    "pl": "To jest próba odzyskania długu; wszelkie uzyskane informacje zostaną wykorzystane w tym celu.",
}
MINI_MIRANDA_PHRASE = {
    "en": "attempt to collect a debt",
    "fr": "tentative de recouvrement d'une dette",
    "pl": "próba odzyskania długu",
}
DISPUTE_PHRASE = {"en": "dispute", "fr": "contester", "pl": "zakwestionować"}

SIGN = {"en": "Kind regards,", "fr": "Bien cordialement,", "pl": "Z poważaniem,"}
OPT_OUT_EMAIL = {
    "en": "Prefer not to get these emails? {{ opt_out_link }}",
    "fr": "Vous ne souhaitez plus recevoir ces e-mails ? {{ opt_out_link }}",
    "pl": "Nie chcesz otrzymywać tych wiadomości? {{ opt_out_link }}",
}
STOP_SMS = {
    "en": "Reply STOP to opt out.",
    "fr": "Répondez STOP pour ne plus recevoir de SMS.",
    "pl": "Odpowiedz STOP, aby zrezygnować.",
}


def _email(locale: str, body: str) -> str:
    return f"{body}\n\n{SIGN[locale]}\n{{{{ creditor.name }}}}\n\n{OPT_OUT_EMAIL[locale]}\n"


EMAILS: dict[str, dict[str, tuple[str, str]]] = {
    "due-soon": {
        "en": (
            "A friendly reminder: {{ total }} is due soon",
            "Hello {{ debtor.name }},\n\nJust a reminder that {{ total }} is due in a few days.\n\n{{ debts }}\n\n"
            "You can pay or see the details here: {{ portal_link }}\n"
            "If you have already paid, thank you — please ignore this message.",
        ),
        "fr": (
            "Petit rappel : {{ total }} arrive bientôt à échéance",
            "Bonjour {{ debtor.name }},\n\nUn petit rappel : {{ total }} arrive à échéance dans quelques jours.\n\n"
            "{{ debts }}\n\nVous pouvez payer ou voir le détail ici : {{ portal_link }}\n"
            "Si vous avez déjà payé, merci, et ne tenez pas compte de ce message.",
        ),
        "pl": (
            "Przypomnienie: termin płatności {{ total }} zbliża się",
            "Dzień dobry {{ debtor.name }},\n\nprzypominamy, że za kilka dni mija termin płatności {{ total }}.\n\n"
            "{{ debts }}\n\nMożesz zapłacić lub sprawdzić szczegóły tutaj: {{ portal_link }}\n"
            "Jeśli już zapłaciłeś, dziękujemy — zignoruj tę wiadomość.",
        ),
    },
    "overdue": {
        "en": (
            "Your payment of {{ total }} is overdue",
            "Hello {{ debtor.name }},\n\nWe have not received your payment of {{ total }} yet. It may simply have "
            "slipped through — it happens.\n\n{{ debts }}\n\nThe quickest way to settle it: {{ portal_link }}\n"
            "If paying everything at once is hard right now, you can choose a payment plan on the same page.",
        ),
        "fr": (
            "Votre paiement de {{ total }} est en retard",
            "Bonjour {{ debtor.name }},\n\nNous n'avons pas encore reçu votre paiement de {{ total }}. C'est "
            "peut-être un simple oubli — cela arrive.\n\n{{ debts }}\n\n"
            "Le plus simple pour régler : {{ portal_link }}\n"
            "Si tout payer d'un coup est difficile en ce moment, vous pouvez choisir un paiement en plusieurs fois "
            "sur la même page.",
        ),
        "pl": (
            "Płatność {{ total }} jest po terminie",
            "Dzień dobry {{ debtor.name }},\n\nnie otrzymaliśmy jeszcze płatności {{ total }}. Być może to zwykłe "
            "przeoczenie — zdarza się.\n\n{{ debts }}\n\nNajszybciej uregulujesz ją tutaj: {{ portal_link }}\n"
            "Jeśli jednorazowa wpłata całości jest teraz trudna, na tej samej stronie możesz wybrać raty.",
        ),
    },
    "instalment-missed": {
        "en": (
            "We did not receive your instalment",
            "Hello {{ debtor.name }},\n\nWe did not receive the latest instalment of your payment plan. "
            "The amount still open is {{ total }}.\n\nYou can pay the instalment, or change the plan if your "
            "situation has changed, here: {{ portal_link }}",
        ),
        "fr": (
            "Nous n'avons pas reçu votre échéance",
            "Bonjour {{ debtor.name }},\n\nNous n'avons pas reçu la dernière échéance de votre plan de paiement. "
            "Le montant restant est de {{ total }}.\n\nVous pouvez payer l'échéance, ou adapter le plan si votre "
            "situation a changé, ici : {{ portal_link }}",
        ),
        "pl": (
            "Nie otrzymaliśmy raty",
            "Dzień dobry {{ debtor.name }},\n\nnie otrzymaliśmy ostatniej raty z Twojego planu spłaty. "
            "Do zapłaty pozostaje {{ total }}.\n\nMożesz zapłacić ratę lub zmienić plan, jeśli Twoja sytuacja się "
            "zmieniła, tutaj: {{ portal_link }}",
        ),
    },
}

# Card payments (apps.payments): a receipt after each card payment, and the reminder a few days before a saved card
# is charged for an instalment. Both are confirmations the debtor asked for: they go even after a cease request.
PAYMENT_EMAILS: dict[str, dict[str, tuple[str, str]]] = {
    "payment-receipt": {
        "en": (
            "Receipt: we received {{ payment.amount }}",
            "Hello {{ debtor.name }},\n\nThank you: we received your card payment of {{ payment.amount }} on "
            "{{ payment.date }} for invoice {{ payment.invoice }} (payment reference {{ payment.reference }}). "
            "No fee was added.\n\nWhat is left to pay: {{ total }}.\n\nYour receipt as a PDF and your account: "
            "{{ portal_link }}",
        ),
        "fr": (
            "Reçu : nous avons reçu {{ payment.amount }}",
            "Bonjour {{ debtor.name }},\n\nMerci : nous avons bien reçu votre paiement par carte de "
            "{{ payment.amount }} le {{ payment.date }} pour la facture {{ payment.invoice }} (référence du paiement "
            "{{ payment.reference }}). Aucun frais n'a été ajouté.\n\nReste à payer : {{ total }}.\n\n"
            "Votre reçu en PDF et votre compte : {{ portal_link }}",
        ),
        "pl": (
            "Potwierdzenie: otrzymaliśmy {{ payment.amount }}",
            "Dzień dobry {{ debtor.name }},\n\ndziękujemy: otrzymaliśmy Twoją płatność kartą w kwocie "
            "{{ payment.amount }} z dnia {{ payment.date }} za fakturę {{ payment.invoice }} (numer płatności "
            "{{ payment.reference }}). Nie doliczyliśmy żadnej opłaty.\n\nPozostało do zapłaty: {{ total }}.\n\n"
            "Potwierdzenie w PDF i Twoje konto: {{ portal_link }}",
        ),
    },
    "autopay-reminder": {
        "en": (
            "Your instalment of {{ payment.amount }} will be paid on {{ payment.date }}",
            "Hello {{ debtor.name }},\n\nAs you asked, your card {{ payment.card }} will be charged "
            "{{ payment.amount }} on {{ payment.date }} for your payment plan on invoice {{ payment.invoice }}. "
            "There is nothing for you to do.\n\nTo pay another way or to stop the automatic payments, go to "
            "{{ portal_link }}",
        ),
        "fr": (
            "Votre échéance de {{ payment.amount }} sera prélevée le {{ payment.date }}",
            "Bonjour {{ debtor.name }},\n\nComme vous l'avez demandé, votre carte {{ payment.card }} sera débitée "
            "de {{ payment.amount }} le {{ payment.date }} pour votre échéancier de la facture "
            "{{ payment.invoice }}. Vous n'avez rien à faire.\n\nPour payer autrement ou arrêter les paiements "
            "automatiques : {{ portal_link }}",
        ),
        "pl": (
            "Rata {{ payment.amount }} zostanie pobrana {{ payment.date }}",
            "Dzień dobry {{ debtor.name }},\n\nzgodnie z Twoją prośbą {{ payment.date }} obciążymy Twoją kartę "
            "{{ payment.card }} kwotą {{ payment.amount }} w ramach planu spłaty faktury {{ payment.invoice }}. "
            "Nie musisz nic robić.\n\nAby zapłacić inaczej lub wyłączyć płatności automatyczne, wejdź na "
            "{{ portal_link }}",
        ),
    },
}

SMS: dict[str, dict[str, str]] = {
    "overdue-sms": {
        "en": "{{ creditor.name }}: {{ total }} is still unpaid. Pay or set up a plan: {{ portal_link }}",
        "fr": "{{ creditor.name }} : {{ total }} reste à régler. Payez ou choisissez un échéancier : {{ portal_link }}",
        "pl": "{{ creditor.name }}: {{ total }} nadal czeka na zapłatę. Zapłać lub wybierz raty: {{ portal_link }}",
    },
    "promise-missed": {
        "en": "{{ creditor.name }}: we did not receive the payment you planned. Pay or pick a new date: "
        "{{ portal_link }}",
        "fr": "{{ creditor.name }} : nous n'avons pas reçu le paiement prévu. Payez ou choisissez une nouvelle "
        "date : {{ portal_link }}",
        "pl": "{{ creditor.name }}: nie otrzymaliśmy zaplanowanej wpłaty. Zapłać lub wybierz nowy termin: "
        "{{ portal_link }}",
    },
}

PHONE: dict[str, tuple[str, str]] = {
    "en": (
        "Call {{ debtor.name }}: decide on the next step",
        "Call {{ debtor.name }} about {{ total }}, 90 days overdue.\n\n{{ debts }}\n\n"
        "1. Ask why the invoices are unpaid and note the reason.\n"
        "2. Offer a payment plan or a settlement within the margins; the portal link is {{ portal_link }}.\n"
        "3. If nothing is agreed, decide: an attorney letter or a hand-off to a collection agency. "
        "Record the decision on the debt.",
    ),
    "fr": (
        "Appeler {{ debtor.name }} : décider de la suite",
        "Appelez {{ debtor.name }} au sujet de {{ total }}, en retard de 90 jours.\n\n{{ debts }}\n\n"
        "1. Demandez pourquoi les factures sont impayées et notez la raison.\n"
        "2. Proposez un échéancier ou un règlement dans les marges ; le lien du portail est {{ portal_link }}.\n"
        "3. Sans accord, décidez : lettre d'avocat ou transmission à une agence de recouvrement. "
        "Notez la décision sur la créance.",
    ),
    "pl": (
        "Zadzwoń do {{ debtor.name }}: zdecyduj o dalszych krokach",
        "Zadzwoń do {{ debtor.name }} w sprawie {{ total }}, 90 dni po terminie.\n\n{{ debts }}\n\n"
        "1. Zapytaj, dlaczego faktury są niezapłacone, i zapisz powód.\n"
        "2. Zaproponuj raty lub ugodę w ramach marż; link do portalu: {{ portal_link }}.\n"
        "3. Jeśli nie ma porozumienia, zdecyduj: pismo od prawnika albo przekazanie do firmy windykacyjnej. "
        "Zapisz decyzję przy długu.",
    ),
}

_LETTER_HEAD = "{{ creditor.name }}\n{{ creditor.address }}\n\n{{ debtor.name }}\n{{ today }}\n\n"
_COLLECTOR = {
    "en": "Sent on behalf of {{ creditor.name }} by {{ collector.name }}, {{ collector.address }}.\n\n",
    "fr": "Envoyé pour le compte de {{ creditor.name }} par {{ collector.name }}, {{ collector.address }}.\n\n",
    "pl": "Wysłane w imieniu {{ creditor.name }} przez {{ collector.name }}, {{ collector.address }}.\n\n",
}

_FR_FIRST = {
    "en": (
        "Unpaid invoices: {{ total }}",
        "Dear {{ debtor.name }},\n\nDespite our earlier messages, the invoices below are still unpaid. They come "
        "from your purchases from {{ creditor.name }}; each line shows the principal, interest and charges.\n\n"
        "{{ debts }}\n\nTotal due: {{ total }}\n\n"
        "Please pay this amount within 15 days, online at {{ portal_link }} or by contacting us. "
        "If this is difficult, the same page lets you propose a payment plan.",
    ),
    "fr": (
        "Factures impayées : {{ total }}",
        "Madame, Monsieur,\n\nMalgré nos précédents messages, les factures ci-dessous restent "
        "impayées. Elles correspondent à vos achats auprès de {{ creditor.name }} ; chaque ligne indique le "
        "principal, les intérêts et les frais.\n\n{{ debts }}\n\nTotal à régler : {{ total }}\n\n"
        "Merci de régler ce montant sous 15 jours, en ligne sur {{ portal_link }} ou en nous contactant. "
        "Si c'est difficile, la même page vous permet de proposer un échéancier.",
    ),
    "pl": (
        "Niezapłacone faktury: {{ total }}",
        "Szanowni Państwo,\n\nmimo wcześniejszych wiadomości poniższe faktury pozostają "
        "niezapłacone. Dotyczą zakupów w {{ creditor.name }}; każda pozycja pokazuje należność, odsetki i "
        "opłaty.\n\n{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\n"
        "Prosimy o zapłatę w ciągu 15 dni, online pod adresem {{ portal_link }} lub kontaktując się z nami. "
        "Jeśli to trudne, na tej samej stronie możesz zaproponować raty.",
    ),
}
_FR_SECOND = {
    "en": (
        "Last reminder before further steps: {{ total }}",
        "Dear {{ debtor.name }},\n\nThe invoices below remain unpaid despite our letter. They come from your "
        "purchases from {{ creditor.name }}.\n\n{{ debts }}\n\nTotal due: {{ total }}\n\n"
        "Please pay within 8 days at {{ portal_link }}, or contact us to agree a plan. Without payment or an "
        "agreement, {{ creditor.name }} may ask a court for an order to pay; only costs the law allows could then "
        "be added.",
    ),
    "fr": (
        "Mise en demeure de payer : {{ total }}",
        "Madame, Monsieur,\n\nLes factures ci-dessous restent impayées malgré notre courrier. "
        "Elles correspondent à vos achats auprès de {{ creditor.name }}.\n\n{{ debts }}\n\n"
        "Total à régler : {{ total }}\n\nMerci de régler sous 8 jours sur {{ portal_link }}, ou de nous contacter "
        "pour convenir d'un échéancier. Sans paiement ni accord, {{ creditor.name }} pourra demander au tribunal "
        "une injonction de payer ; seuls les frais prévus par la loi pourraient alors s'ajouter.",
    ),
    "pl": (
        "Ostateczne wezwanie do zapłaty: {{ total }}",
        "Szanowni Państwo,\n\nponiższe faktury pozostają niezapłacone mimo naszego pisma. "
        "Dotyczą zakupów w {{ creditor.name }}.\n\n{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\n"
        "Prosimy o zapłatę w ciągu 8 dni pod adresem {{ portal_link }} lub o kontakt w sprawie rat. Bez zapłaty "
        "lub porozumienia {{ creditor.name }} może wystąpić do sądu o nakaz zapłaty; doliczone mogłyby wtedy "
        "zostać tylko koszty przewidziane prawem.",
    ),
}
_US_FIRST = {
    "en": (
        "Notice about your debt: {{ total }}",
        "Dear {{ debtor.name }},\n\n{{ creditor.name }} is a debt collector. We are trying to collect a debt that "
        "you owe. {{ mini_miranda }}\n\nOur information shows, for each account, what you owed and what changed "
        "since then (interest, fees, payments and credits):\n\n{{ debts }}\n\nTotal amount of the debt now: "
        "{{ total }}\n\nHow can you dispute the debt? Call or write to us by {{ validation_end_date }} to dispute "
        "all or part of the debt. If you do not, we will assume that our information is correct. If you write to "
        "us by {{ validation_end_date }}, we must stop collection on any amount you dispute until we send you "
        "information that shows you owe the debt. You may also ask for the name and address of the original "
        "creditor by that date.\n\nWhat else can you do? Pay or set up a plan at {{ portal_link }}.",
    ),
    "fr": (
        "Avis concernant votre dette : {{ total }}",
        "Madame, Monsieur,\n\n{{ creditor.name }} est un agent de recouvrement. Nous cherchons "
        "à recouvrer une dette que vous devez. {{ mini_miranda }}\n\nVoici, pour chaque compte, ce que vous deviez "
        "et ce qui a changé depuis (intérêts, frais, paiements et avoirs) :\n\n{{ debts }}\n\nMontant total de la "
        "dette aujourd'hui : {{ total }}\n\nComment contester la dette ? Appelez-nous ou écrivez-nous avant le "
        "{{ validation_end_date }} pour contester tout ou partie de la dette. Sinon, nous considérerons nos "
        "informations comme exactes. Si vous nous écrivez avant le {{ validation_end_date }}, nous suspendrons le "
        "recouvrement du montant contesté jusqu'à vous avoir envoyé la preuve de la dette. Vous pouvez aussi "
        "demander le nom et l'adresse du créancier d'origine avant cette date.\n\nQue pouvez-vous faire d'autre ? "
        "Payer ou choisir un échéancier sur {{ portal_link }}.",
    ),
    "pl": (
        "Informacja o Twoim długu: {{ total }}",
        "Szanowni Państwo,\n\n{{ creditor.name }} zajmuje się odzyskiwaniem należności. "
        "Próbujemy odzyskać dług, który Państwo mają. {{ mini_miranda }}\n\nDla każdego konta pokazujemy, ile "
        "wynosił dług i co się od tego czasu zmieniło (odsetki, opłaty, wpłaty i uznania):\n\n{{ debts }}\n\n"
        "Łączna kwota długu dzisiaj: {{ total }}\n\nJak zakwestionować dług? Zadzwoń lub napisz do nas do "
        "{{ validation_end_date }}, aby zakwestionować całość lub część długu. W przeciwnym razie uznamy nasze "
        "informacje za prawidłowe. Jeśli napiszesz do {{ validation_end_date }}, wstrzymamy dochodzenie spornej "
        "kwoty do czasu przesłania dowodu istnienia długu. Do tego dnia możesz też poprosić o nazwę i adres "
        "pierwotnego wierzyciela.\n\nCo jeszcze możesz zrobić? Zapłacić lub wybrać raty pod adresem "
        "{{ portal_link }}.",
    ),
}
_US_SECOND = {
    "en": (
        "Your account is still open: {{ total }}",
        "Dear {{ debtor.name }},\n\nYour account with {{ creditor.name }} is still unpaid.\n\n{{ debts }}\n\n"
        "Total due: {{ total }}\n\nWe would much rather agree something that works for you: a payment plan, a "
        "later date, or a reduced amount if you settle now. You can see and choose these options at "
        "{{ portal_link }}. If we do not hear from you, we will review the account and decide on the next step, "
        "which may be passing it to a collection agency.\n\n{{ mini_miranda }}",
    ),
    "fr": (
        "Votre compte reste ouvert : {{ total }}",
        "Madame, Monsieur,\n\nVotre compte auprès de {{ creditor.name }} reste impayé.\n\n"
        "{{ debts }}\n\nTotal dû : {{ total }}\n\nNous préférons de loin trouver une solution qui vous convienne : "
        "un échéancier, une date plus tardive, ou un montant réduit si vous réglez maintenant. Vous pouvez voir "
        "et choisir ces options sur {{ portal_link }}. Sans nouvelles de votre part, nous réexaminerons le compte "
        "et déciderons de la suite, par exemple le confier à une agence de recouvrement.\n\n{{ mini_miranda }}",
    ),
    "pl": (
        "Twoje konto jest nadal otwarte: {{ total }}",
        "Szanowni Państwo,\n\nTwoje konto w {{ creditor.name }} pozostaje niezapłacone.\n\n"
        "{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\nWolimy uzgodnić rozwiązanie, które Ci odpowiada: raty, "
        "późniejszy termin lub niższą kwotę przy zapłacie teraz. Opcje zobaczysz i wybierzesz pod adresem "
        "{{ portal_link }}. Jeśli się nie odezwiesz, przejrzymy konto i zdecydujemy o dalszych krokach, np. "
        "przekazaniu go firmie windykacyjnej.\n\n{{ mini_miranda }}",
    ),
}
_PL_FIRST = {
    "en": (
        "Request for payment: {{ total }}",
        "Dear {{ debtor.name }},\n\n{{ creditor.name }} asks you to pay the amounts below, which are past due.\n\n"
        "{{ debts }}\n\nTotal due: {{ total }}\n\nPlease pay within 7 days of receiving this letter at "
        "{{ portal_link }}. If that is difficult, the same page lets you propose a payment plan. If you have "
        "already paid, thank you — please ignore this letter.",
    ),
    "fr": (
        "Demande de paiement : {{ total }}",
        "Madame, Monsieur,\n\n{{ creditor.name }} vous demande de régler les montants ci-dessous, "
        "arrivés à échéance.\n\n{{ debts }}\n\nTotal à régler : {{ total }}\n\nMerci de payer sous 7 jours à "
        "réception de ce courrier sur {{ portal_link }}. Si c'est difficile, la même page vous permet de proposer "
        "un échéancier. Si vous avez déjà payé, merci, et ne tenez pas compte de ce courrier.",
    ),
    "pl": (
        "Wezwanie do zapłaty: {{ total }}",
        "Szanowni Państwo,\n\n{{ creditor.name }} wzywa do zapłaty poniższych kwot, których "
        "termin płatności minął.\n\n{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\nProsimy o zapłatę w terminie "
        "7 dni od otrzymania pisma pod adresem {{ portal_link }}. Jeśli to trudne, na tej samej stronie możesz "
        "zaproponować raty. Jeśli już zapłaciłeś, dziękujemy — zignoruj to pismo.",
    ),
}
_PL_SECOND = {
    "en": (
        "Final request for payment: {{ total }}",
        "Dear {{ debtor.name }},\n\nThe amounts below are still unpaid despite our request.\n\n{{ debts }}\n\n"
        "Total due: {{ total }}\n\nPlease pay within 7 days at {{ portal_link }} or contact us to agree a plan. "
        "Without payment or an agreement, {{ creditor.name }} may take the matter to court, where statutory "
        "interest and court costs could be added.",
    ),
    "fr": (
        "Dernière demande de paiement : {{ total }}",
        "Madame, Monsieur,\n\nLes montants ci-dessous restent impayés malgré notre demande.\n\n"
        "{{ debts }}\n\nTotal à régler : {{ total }}\n\nMerci de payer sous 7 jours sur {{ portal_link }} ou de "
        "nous contacter pour convenir d'un échéancier. Sans paiement ni accord, {{ creditor.name }} pourra saisir "
        "le tribunal ; les intérêts légaux et les frais de justice pourraient alors s'ajouter.",
    ),
    "pl": (
        "Ostateczne wezwanie do zapłaty: {{ total }}",
        "Szanowni Państwo,\n\nponiższe kwoty pozostają niezapłacone mimo naszego wezwania.\n\n"
        "{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\nProsimy o zapłatę w ciągu 7 dni pod adresem "
        "{{ portal_link }} lub o kontakt w sprawie rat. Bez zapłaty lub porozumienia {{ creditor.name }} może "
        "skierować sprawę do sądu, a wtedy mogą zostać doliczone odsetki ustawowe i koszty sądowe.",
    ),
}


def _letter(jurisdiction: str, role: str, key: str, locale: str) -> tuple[str, str]:
    texts = {
        ("FR", "first-letter"): _FR_FIRST,
        ("FR", "second-letter"): _FR_SECOND,
        ("US", "first-letter"): _US_FIRST,
        ("US", "second-letter"): _US_SECOND,
        ("PL", "first-letter"): _PL_FIRST,
        ("PL", "second-letter"): _PL_SECOND,
    }[(jurisdiction, key)]
    subject, body = texts[locale]
    body = body.replace("{{ mini_miranda }}", MINI_MIRANDA[locale])
    head = _LETTER_HEAD
    if role == "agency":
        head += _COLLECTOR[locale]
    tail = f"\n\n{SIGN[locale]}\n{{{{ creditor.name }}}}"
    if jurisdiction == "FR":
        tail += f"\n\n{L111_8[locale]}"
    return subject, head + body + tail + "\n"


def default_templates(jurisdiction: str, role: str) -> list[dict[str, Any]]:
    """Every template the default steps use, in en, fr and pl, as MessageTemplate field values."""
    stages = {step.template_key: step.stage for step in default_steps(jurisdiction)}
    rows: list[dict[str, Any]] = []
    for locale in LOCALES:
        for key, texts in EMAILS.items():
            subject, body = texts[locale]
            rows.append(
                {
                    "key": key,
                    "channel": Channel.EMAIL,
                    "subject": subject,
                    "body": _email(locale, body),
                    "locale": locale,
                }
            )
        for key, sms in SMS.items():
            rows.append(
                {"key": key, "channel": Channel.SMS, "subject": "", "body": f"{sms[locale]} {STOP_SMS[locale]}"}
            )
            rows[-1]["locale"] = locale
        for key in ("first-letter", "second-letter"):
            subject, body = _letter(jurisdiction, role, key, locale)
            rows.append({"key": key, "channel": Channel.LETTER, "subject": subject, "body": body, "locale": locale})
        subject, body = PHONE[locale]
        rows.append(
            {"key": "decide-next", "channel": Channel.PHONE, "subject": subject, "body": body, "locale": locale}
        )
    for row in rows:
        row["stage"] = stages[row["key"]]
        # The call script weighs an attorney letter; the second letter names court outside the US.
        row["is_legal"] = row["key"] == "decide-next" or (row["key"] == "second-letter" and jurisdiction != "US")
    for locale in LOCALES:
        for key, texts in PAYMENT_EMAILS.items():
            subject, body = texts[locale]
            rows.append(
                {
                    "key": key,
                    "channel": Channel.EMAIL,
                    "subject": subject,
                    "body": _email(locale, body),
                    "locale": locale,
                    "stage": Stage.FRIENDLY,
                    "is_legal": False,
                    "is_exception": True,
                }
            )
    return rows


def default_margins(currency: str) -> dict[str, Any]:
    min_instalment = {"USD": 25_00, "EUR": 20_00, "PLN": 50_00}.get(currency, 20_00)
    return {"min_instalment_minor": min_instalment}


def default_contact_rules(jurisdiction: str) -> dict[str, Any]:
    if jurisdiction == "US":
        # FDCPA 805(a)(1): 08:00–21:00 at the consumer's location; Reg F call frequency presumption (7 in 7, 7 after).
        return {
            "quiet_hours_start": dt.time(8, 0),
            "quiet_hours_end": dt.time(21, 0),
            "no_sundays": False,
            "no_public_holidays": False,
            "max_calls_per_7_days": 7,
            "call_cooldown_days_after_conversation": 7,
        }
    return {
        "quiet_hours_start": dt.time(8, 0),
        "quiet_hours_end": dt.time(20, 0),
        "no_sundays": True,
        "no_public_holidays": True,
        "max_calls_per_7_days": 7,
        "call_cooldown_days_after_conversation": 7,
    }
