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

# C5: the attorney letter a manager sends from a debt's escalation panel (never a policy step). It announces a step
# the creditor has decided on (US: FDCPA 807(5) forbids threatening one it has not), still offers an agreement, and
# is marked legal, so the contact gate refuses it for a time-barred debt (US15).
ATTORNEY_LETTER_KEY = "attorney-letter"
_FR_ATTORNEY = {
    "en": (
        "Before your file goes to our lawyer: {{ total }}",
        "Dear {{ debtor.name }},\n\nDespite our letters and calls, the invoices below are still unpaid. They come "
        "from your purchases from {{ creditor.name }}; each line shows the principal, interest and charges.\n\n"
        "{{ debts }}\n\nTotal due: {{ total }}\n\n{{ creditor.name }} has decided to pass this file to its lawyer, "
        "who may ask a court for an order to pay. We would still rather reach an agreement with you: if you pay this "
        "amount, or agree a payment plan at {{ portal_link }}, within 15 days of this letter, the file will not be "
        "passed on.\n\nIf you believe you do not owe this amount, or you have already paid, please contact us: we "
        "will check before taking any step.",
    ),
    "fr": (
        "Avant transmission de votre dossier à notre avocat : {{ total }}",
        "Madame, Monsieur,\n\nMalgré nos courriers et nos appels, les factures ci-dessous restent impayées. Elles "
        "correspondent à vos achats auprès de {{ creditor.name }} ; chaque ligne indique le principal, les intérêts "
        "et les frais.\n\n{{ debts }}\n\nTotal à régler : {{ total }}\n\n{{ creditor.name }} a décidé de confier "
        "ce dossier à son avocat, qui pourra demander au tribunal une injonction de payer. Nous préférons toujours "
        "trouver un accord avec vous : si vous réglez ce montant, ou convenez d'un échéancier sur {{ portal_link }}, "
        "dans les 15 jours suivant ce courrier, le dossier ne sera pas transmis.\n\nSi vous pensez ne pas devoir "
        "cette somme, ou si vous avez déjà payé, contactez-nous : nous vérifierons avant toute démarche.",
    ),
    "pl": (
        "Zanim przekażemy sprawę adwokatowi: {{ total }}",
        "Szanowni Państwo,\n\nmimo naszych pism i telefonów poniższe faktury pozostają niezapłacone. Dotyczą "
        "zakupów w {{ creditor.name }}; każda pozycja pokazuje należność, odsetki i opłaty.\n\n{{ debts }}\n\n"
        "Razem do zapłaty: {{ total }}\n\nZdecydowaliśmy się przekazać sprawę adwokatowi, który w imieniu "
        "{{ creditor.name }} może wystąpić do sądu o nakaz zapłaty. Nadal wolimy porozumienie: jeśli w ciągu 15 dni "
        "od otrzymania tego pisma zapłacą Państwo tę kwotę lub uzgodnią raty pod adresem {{ portal_link }}, sprawa "
        "nie zostanie przekazana.\n\nJeśli uważają Państwo, że ta kwota nie jest należna, albo już ją Państwo "
        "zapłacili, prosimy o kontakt: sprawdzimy to przed podjęciem jakichkolwiek kroków.",
    ),
}
_US_ATTORNEY = {
    "en": (
        "Before we refer your account to our attorney: {{ total }}",
        "Dear {{ debtor.name }},\n\nYour account with {{ creditor.name }} is still unpaid despite our letters and "
        "calls.\n\n{{ debts }}\n\nTotal due: {{ total }}\n\n{{ creditor.name }} has decided to refer this account "
        "to its attorney, who may advise filing a lawsuit to recover the amount owed. We would still much rather "
        "agree something with you: if you pay, or agree a payment plan at {{ portal_link }}, within 30 days of this "
        "letter, we will not refer the account.\n\nIf you believe you do not owe this amount, or you have already "
        "paid, please contact us and tell us why: we will look into it before taking any step.\n\n{{ mini_miranda }}",
    ),
    "fr": (
        "Avant de confier votre compte à notre avocat : {{ total }}",
        "Madame, Monsieur,\n\nVotre compte auprès de {{ creditor.name }} reste impayé malgré nos courriers et nos "
        "appels.\n\n{{ debts }}\n\nTotal dû : {{ total }}\n\n{{ creditor.name }} a décidé de confier ce compte à "
        "son avocat, qui pourra conseiller d'engager une action en justice pour recouvrer la somme due. Nous "
        "préférons toujours trouver un accord avec vous : si vous payez, ou convenez d'un échéancier sur "
        "{{ portal_link }}, dans les 30 jours suivant ce courrier, le compte ne sera pas transmis.\n\nSi vous pensez "
        "ne pas devoir cette somme, ou si vous avez déjà payé, contactez-nous et expliquez-nous pourquoi : nous "
        "vérifierons avant toute démarche.\n\n{{ mini_miranda }}",
    ),
    "pl": (
        "Zanim przekażemy Twoje konto prawnikowi: {{ total }}",
        "Szanowni Państwo,\n\nTwoje konto w {{ creditor.name }} pozostaje niezapłacone mimo naszych pism i "
        "telefonów.\n\n{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\nZdecydowaliśmy się przekazać konto "
        "prawnikowi, który może doradzić {{ creditor.name }} wniesienie pozwu o zapłatę. Nadal wolimy porozumieć się "
        "z Tobą: jeśli w ciągu 30 dni od tego pisma zapłacisz lub uzgodnisz raty pod adresem {{ portal_link }}, konto "
        "nie zostanie przekazane.\n\nJeśli uważasz, że ta kwota nie jest należna, albo już ją zapłaciłeś, skontaktuj "
        "się z nami i wyjaśnij dlaczego: sprawdzimy to przed podjęciem jakichkolwiek kroków.\n\n{{ mini_miranda }}",
    ),
}
_PL_ATTORNEY = {
    "en": (
        "Before your case goes to our law firm: {{ total }}",
        "Dear {{ debtor.name }},\n\nThe amounts below are still unpaid despite our requests and calls.\n\n"
        "{{ debts }}\n\nTotal due: {{ total }}\n\nWe have decided to pass the matter to a law firm, which may take it "
        "to court on behalf of {{ creditor.name }}; statutory interest and court costs could then be added. We would "
        "still rather reach an agreement: if you pay this amount, or agree a payment plan at {{ portal_link }}, within "
        "14 days of receiving this letter, the matter will not be passed on.\n\nIf you believe you do not owe this "
        "amount, or you have already paid, please contact us: we will check before taking any further step.",
    ),
    "fr": (
        "Avant transmission de votre dossier à un cabinet d'avocats : {{ total }}",
        "Madame, Monsieur,\n\nLes montants ci-dessous restent impayés malgré nos demandes et nos appels.\n\n"
        "{{ debts }}\n\nTotal à régler : {{ total }}\n\nNous avons décidé de confier le dossier à un cabinet "
        "d'avocats, qui pourra saisir le tribunal au nom de {{ creditor.name }} ; les intérêts légaux et les frais de "
        "justice pourraient alors s'ajouter. Nous préférons toujours un accord : si vous réglez ce montant, ou "
        "convenez d'un échéancier sur {{ portal_link }}, dans les 14 jours suivant la réception de ce courrier, le "
        "dossier ne sera pas transmis.\n\nSi vous pensez ne pas devoir cette somme, ou si vous avez déjà payé, "
        "contactez-nous : nous vérifierons avant toute autre démarche.",
    ),
    "pl": (
        "Przed przekazaniem sprawy do kancelarii prawnej: {{ total }}",
        "Szanowni Państwo,\n\nponiższe kwoty pozostają niezapłacone mimo naszych wezwań i telefonów.\n\n"
        "{{ debts }}\n\nRazem do zapłaty: {{ total }}\n\nZdecydowaliśmy się przekazać sprawę kancelarii prawnej, "
        "która w imieniu {{ creditor.name }} może skierować ją do sądu; wtedy mogą zostać doliczone odsetki ustawowe "
        "i koszty sądowe. Nadal wolimy porozumienie: jeśli w ciągu 14 dni od otrzymania tego pisma zapłacą Państwo "
        "tę kwotę lub uzgodnią raty pod adresem {{ portal_link }}, sprawa nie zostanie przekazana.\n\nJeśli uważają "
        "Państwo, że ta kwota nie jest należna, albo już ją Państwo zapłacili, prosimy o kontakt: sprawdzimy to przed "
        "podjęciem dalszych kroków.",
    ),
}


def _letter(jurisdiction: str, role: str, key: str, locale: str) -> tuple[str, str]:
    texts = {
        ("FR", "first-letter"): _FR_FIRST,
        ("FR", "second-letter"): _FR_SECOND,
        ("FR", ATTORNEY_LETTER_KEY): _FR_ATTORNEY,
        ("US", "first-letter"): _US_FIRST,
        ("US", "second-letter"): _US_SECOND,
        ("US", ATTORNEY_LETTER_KEY): _US_ATTORNEY,
        ("PL", "first-letter"): _PL_FIRST,
        ("PL", "second-letter"): _PL_SECOND,
        ("PL", ATTORNEY_LETTER_KEY): _PL_ATTORNEY,
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
        subject, body = _letter(jurisdiction, role, ATTORNEY_LETTER_KEY, locale)
        rows.append(
            {
                "key": ATTORNEY_LETTER_KEY,
                "channel": Channel.LETTER,
                "subject": subject,
                "body": body,
                "locale": locale,
                "stage": Stage.FINAL,
                "is_legal": True,
                "is_exception": False,
            }
        )
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


# Call scripts (C3) ---------------------------------------------------------------------------------------------
# What an agent aims for, says and asks on a call. A script is composed of the stage's text, the segment's angle
# (none for the "any segment" script), the jurisdiction's disclosures and a voicemail that reveals nothing about
# the debt to whoever hears it. Talking points and questions are one per line.

SCRIPT_STAGES: dict[str, dict[str, dict[str, Any]]] = {
    Stage.FRIENDLY: {
        "en": {
            "goal": "Find out why the payment has not arrived, and agree a date or a way to pay that works for them.",
            "talking_points": [
                "Start warmly: most late payments are an oversight or a passing difficulty.",
                "Say plainly what is open: {{ total }}.",
                "Offer to send the link to the payment page, where they can pay or choose a plan.",
                "If paying everything now is hard, say they can pay in instalments or pick a later date.",
                "Before you hang up, repeat what you agreed and record it.",
            ],
            "open_questions": [
                "Did the invoice reach you?",
                "Is anything making it hard to pay at the moment?",
                "Which date would suit you to pay?",
            ],
        },
        "fr": {
            "goal": "Comprendre pourquoi le paiement n'est pas arrivé, et convenir d'une date ou d'un moyen de payer "
            "qui convienne.",
            "talking_points": [
                "Commencez chaleureusement : la plupart des retards sont un oubli ou une difficulté passagère.",
                "Dites simplement ce qui reste à régler : {{ total }}.",
                "Proposez d'envoyer le lien vers la page de paiement, où la personne peut payer ou choisir un "
                "échéancier.",
                "Si tout payer maintenant est difficile, dites qu'elle peut payer en plusieurs fois ou choisir une "
                "date plus tardive.",
                "Avant de raccrocher, reformulez ce qui a été convenu et notez-le.",
            ],
            "open_questions": [
                "Avez-vous bien reçu la facture ?",
                "Qu'est-ce qui rend le paiement difficile en ce moment ?",
                "Quelle date vous conviendrait pour payer ?",
            ],
        },
        "pl": {
            "goal": "Dowiedz się, dlaczego płatność nie dotarła, i uzgodnij termin lub sposób zapłaty, który "
            "odpowiada rozmówcy.",
            "talking_points": [
                "Zacznij życzliwie: większość opóźnień to przeoczenie albo chwilowa trudność.",
                "Powiedz wprost, co pozostaje do zapłaty: {{ total }}.",
                "Zaproponuj wysłanie linku do strony płatności, gdzie można zapłacić lub wybrać raty.",
                "Jeśli zapłata całości teraz jest trudna, powiedz, że można rozłożyć ją na raty albo wybrać "
                "późniejszy termin.",
                "Przed zakończeniem rozmowy powtórz, co ustaliliście, i zapisz to.",
            ],
            "open_questions": [
                "Czy faktura do Pana/Pani dotarła?",
                "Co teraz utrudnia zapłatę?",
                "Jaki termin zapłaty by Panu/Pani odpowiadał?",
            ],
        },
    },
    Stage.FIRM: {
        "en": {
            "goal": "Agree a concrete next step today: a payment, a date, or a plan inside the margins.",
            "talking_points": [
                "Mention the reminders already sent and that {{ total }} is still open.",
                "Listen to the reason and record it; show that you understand.",
                "Propose a plan or a promise to pay inside the margins; beyond them, say a manager will answer.",
                "Agree a date, and say the agreement will be confirmed in writing.",
            ],
            "open_questions": [
                "What has made it difficult to pay so far?",
                "How much could you pay now, and how much each month?",
                "Which day of the month suits your budget?",
            ],
        },
        "fr": {
            "goal": "Convenir aujourd'hui d'une étape concrète : un paiement, une date ou un échéancier dans les "
            "marges.",
            "talking_points": [
                "Rappelez les relances déjà envoyées et que {{ total }} reste à régler.",
                "Écoutez la raison et notez-la ; montrez que vous comprenez.",
                "Proposez un échéancier ou une promesse de paiement dans les marges ; au-delà, dites qu'un "
                "responsable répondra.",
                "Convenez d'une date, et dites que l'accord sera confirmé par écrit.",
            ],
            "open_questions": [
                "Qu'est-ce qui a rendu le paiement difficile jusqu'ici ?",
                "Combien pourriez-vous payer maintenant, et combien chaque mois ?",
                "Quel jour du mois convient le mieux à votre budget ?",
            ],
        },
        "pl": {
            "goal": "Uzgodnij dziś konkretny kolejny krok: wpłatę, termin albo plan spłaty w ramach marż.",
            "talking_points": [
                "Wspomnij o wysłanych już przypomnieniach i o tym, że {{ total }} nadal czeka na zapłatę.",
                "Wysłuchaj powodu i zapisz go; pokaż, że rozumiesz.",
                "Zaproponuj raty lub obietnicę zapłaty w ramach marż; poza nimi powiedz, że odpowie kierownik.",
                "Uzgodnij termin i powiedz, że porozumienie zostanie potwierdzone na piśmie.",
            ],
            "open_questions": [
                "Co do tej pory utrudniało zapłatę?",
                "Ile mógłby Pan/mogłaby Pani zapłacić teraz, a ile co miesiąc?",
                "Który dzień miesiąca najlepiej pasuje do Pana/Pani budżetu?",
            ],
        },
    },
    Stage.FINAL: {
        "en": {
            "goal": "Reach an agreement before the account is escalated, and explain plainly what happens otherwise.",
            "talking_points": [
                "Say that this is the last call before the account is reviewed for further steps.",
                "Explain the options that remain: pay in full, a settlement if the margins allow it, or a plan.",
                "If nothing is agreed, say honestly what happens next: only steps {{ creditor.name }} has actually "
                "decided on.",
                "Stay calm and respectful, even if the conversation gets tense.",
                "Record the outcome and the reason: a manager then decides on an attorney letter or an agency.",
            ],
            "open_questions": [
                "Is there anything we do not know about your situation?",
                "What would make it possible for you to settle this?",
                "Can we agree the date of a first payment today?",
            ],
        },
        "fr": {
            "goal": "Trouver un accord avant que le dossier ne passe à l'étape suivante, et expliquer simplement ce "
            "qui se passera sinon.",
            "talking_points": [
                "Dites que c'est le dernier appel avant que le dossier soit réexaminé pour la suite.",
                "Expliquez les options qui restent : payer en une fois, un règlement réduit si les marges le "
                "permettent, ou un échéancier.",
                "Sans accord, dites honnêtement ce qui se passera ensuite : seulement les démarches que "
                "{{ creditor.name }} a réellement décidées.",
                "Restez calme et respectueux, même si la conversation devient tendue.",
                "Notez le résultat et la raison : un responsable décide ensuite d'une lettre d'avocat ou d'une agence.",
            ],
            "open_questions": [
                "Y a-t-il quelque chose que nous ne savons pas sur votre situation ?",
                "Qu'est-ce qui vous permettrait de régler ce dossier ?",
                "Pouvons-nous convenir aujourd'hui de la date d'un premier paiement ?",
            ],
        },
        "pl": {
            "goal": "Osiągnij porozumienie, zanim sprawa przejdzie dalej, i wyjaśnij prosto, co stanie się w "
            "przeciwnym razie.",
            "talking_points": [
                "Powiedz, że to ostatni telefon, zanim sprawa zostanie przejrzana pod kątem dalszych kroków.",
                "Wyjaśnij pozostałe możliwości: zapłata całości, ugoda, jeśli pozwalają na nią marże, albo raty.",
                "Jeśli nie ma porozumienia, powiedz uczciwie, co będzie dalej: tylko kroki, o których "
                "{{ creditor.name }} naprawdę zdecydował.",
                "Zachowaj spokój i szacunek, nawet jeśli rozmowa staje się napięta.",
                "Zapisz wynik i powód: kierownik zdecyduje potem o piśmie od prawnika albo o firmie windykacyjnej.",
            ],
            "open_questions": [
                "Czy jest coś, czego nie wiemy o Pana/Pani sytuacji?",
                "Co pozwoliłoby Panu/Pani uregulować tę sprawę?",
                "Czy możemy dziś ustalić termin pierwszej wpłaty?",
            ],
        },
    },
}

# The segment's angle, added to the stage's text (segments: apps.debtors.segments).
SCRIPT_SEGMENTS: dict[str, dict[str, dict[str, Any]]] = {
    "new": {
        "en": {
            "goal": "They are a new customer: keep the relationship good.",
            "talking_points": ["Check that the invoice reached the right person and that they know how to pay."],
            "open_questions": ["Who should receive our invoices?"],
        },
        "fr": {
            "goal": "C'est un nouveau client : préservez la bonne relation.",
            "talking_points": [
                "Vérifiez que la facture est arrivée à la bonne personne et qu'elle sait comment payer."
            ],
            "open_questions": ["À qui devons-nous envoyer nos factures ?"],
        },
        "pl": {
            "goal": "To nowy klient: zadbaj o dobrą relację.",
            "talking_points": ["Sprawdź, czy faktura trafiła do właściwej osoby i czy wiadomo, jak zapłacić."],
            "open_questions": ["Do kogo powinniśmy wysyłać faktury?"],
        },
    },
    "on_time": {
        "en": {
            "goal": "They usually pay on time: this is probably a slip.",
            "talking_points": ["Thank them for paying on time until now."],
            "open_questions": ["Has something changed recently?"],
        },
        "fr": {
            "goal": "Ce client paie d'habitude à temps : c'est sans doute un oubli.",
            "talking_points": ["Remerciez-le d'avoir toujours payé à temps jusqu'ici."],
            "open_questions": ["Quelque chose a-t-il changé récemment ?"],
        },
        "pl": {
            "goal": "Ten klient zwykle płaci w terminie: to pewnie przeoczenie.",
            "talking_points": ["Podziękuj za dotychczasowe terminowe płatności."],
            "open_questions": ["Czy coś się ostatnio zmieniło?"],
        },
    },
    "repeatedly_late": {
        "en": {
            "goal": "They often pay late: agree a fixed date they can keep.",
            "talking_points": ["Suggest payment dates that match when they get paid."],
            "open_questions": ["When in the month do you usually have money available?"],
        },
        "fr": {
            "goal": "Ce client paie souvent en retard : convenez d'une date fixe qu'il pourra tenir.",
            "talking_points": ["Proposez des dates de paiement qui suivent ses rentrées d'argent."],
            "open_questions": ["À quel moment du mois avez-vous généralement de l'argent disponible ?"],
        },
        "pl": {
            "goal": "Ten klient często płaci po terminie: uzgodnij stały termin, którego dotrzyma.",
            "talking_points": ["Zaproponuj terminy wpłat dopasowane do dnia, w którym otrzymuje pieniądze."],
            "open_questions": ["Kiedy w miesiącu zwykle ma Pan/Pani dostępne środki?"],
        },
    },
    "at_risk": {
        "en": {
            "goal": "A previous arrangement did not hold: find out what changed and agree something realistic.",
            "talking_points": [
                "Ask about the last arrangement without blame, and propose smaller, realistic steps inside the margins."
            ],
            "open_questions": ["What happened with the last arrangement?", "What could you really manage each month?"],
        },
        "fr": {
            "goal": "Un accord précédent n'a pas tenu : comprenez ce qui a changé et convenez d'un accord réaliste.",
            "talking_points": [
                "Parlez du dernier accord sans reproche, et proposez des étapes plus petites et réalistes dans les "
                "marges."
            ],
            "open_questions": [
                "Que s'est-il passé avec le dernier accord ?",
                "Combien pourriez-vous vraiment payer chaque mois ?",
            ],
        },
        "pl": {
            "goal": "Poprzednie porozumienie nie zostało dotrzymane: dowiedz się, co się zmieniło, i uzgodnij coś "
            "realnego.",
            "talking_points": [
                "Zapytaj bez wyrzutów o ostatnie porozumienie i zaproponuj mniejsze, realne kroki w ramach marż."
            ],
            "open_questions": [
                "Co się stało z ostatnim porozumieniem?",
                "Ile naprawdę mógłby Pan/mogłaby Pani płacić co miesiąc?",
            ],
        },
    },
}

# A voicemail may be heard by someone else: it names no debt, amount or reason (US: Regulation F's limited-content
# message, 12 CFR 1006.2(j); elsewhere the debtor's privacy).


def _call_back_on(words: str) -> str:
    """The tenant's support number after `words` ("on +1 212 …") when it has one, nothing otherwise."""
    return "{% if creditor.phone %} " + words + " {{ creditor.phone }}{% endif %}"


_HELLO = {
    "en": "Hello, this is (your first name) from {{ creditor.name }}, with a message for {{ debtor.name }}. ",
    "fr": "Bonjour, ici (votre prénom), de {{ creditor.name }}, pour {{ debtor.name }}. ",
    "pl": "Dzień dobry, mówi (Twoje imię) z {{ creditor.name }}, wiadomość dla {{ debtor.name }}. ",
}
_ON = {"en": _call_back_on("on"), "fr": _call_back_on("au"), "pl": _call_back_on("pod numer")}
_BYE = {"en": ". Thank you, goodbye.", "fr": ". Bonne journée.", "pl": ". Dziękuję, do widzenia."}
_ASK = {
    Stage.FRIENDLY: {
        "en": "Please call us back when it suits you",
        "fr": "Merci de nous rappeler quand cela vous convient",
        "pl": "Prosimy o oddzwonienie w dogodnej chwili",
    },
    Stage.FIRM: {
        "en": "Please call us back in the next few days",
        "fr": "Merci de nous rappeler dans les prochains jours",
        "pl": "Prosimy o oddzwonienie w ciągu kilku dni",
    },
    Stage.FINAL: {
        "en": "It is important that we speak this week: please call us back",
        "fr": "Il est important que nous parlions cette semaine : merci de nous rappeler",
        "pl": "To ważne, abyśmy porozmawiali w tym tygodniu: prosimy o oddzwonienie",
    },
}
SCRIPT_VOICEMAIL: dict[str, dict[str, str]] = {
    stage: {locale: _HELLO[locale] + asks[locale] + _ON[locale] + _BYE[locale] for locale in LOCALES}
    for stage, asks in _ASK.items()
}

# What each jurisdiction requires on every call, one instruction or sentence a line; validation.py checks for the
# marked phrases and quotes these lines when one is missing.
US_THIRD_PARTY = {
    "en": "Confirm you are speaking with {{ debtor.name }} before you say why you are calling. If anyone else "
    "answers, give only your first name and {{ creditor.name }} and ask when to call back: never mention the debt "
    "to anyone else.",
    "fr": "Vérifiez que vous parlez bien à {{ debtor.name }} avant de dire pourquoi vous appelez. Si quelqu'un "
    "d'autre répond, donnez seulement votre prénom et {{ creditor.name }} et demandez quand rappeler : ne parlez de "
    "la dette à personne d'autre.",
    "pl": "Upewnij się, że rozmawiasz z {{ debtor.name }}, zanim powiesz, dlaczego dzwonisz. Jeśli odbierze ktoś "
    "inny, podaj tylko swoje imię i {{ creditor.name }} i zapytaj, kiedy oddzwonić: nikomu innemu nie mów o długu.",
}
US_THIRD_PARTY_PHRASE = {"en": "anyone else", "fr": "personne d'autre", "pl": "nikomu innemu"}
_US_MINI_MIRANDA_SAY = {
    "en": "Then say: “This is (your first name) from {{ creditor.name }}. " + MINI_MIRANDA["en"] + "”",
    "fr": "Puis dites : « Je suis (votre prénom), de {{ creditor.name }}. " + MINI_MIRANDA["fr"] + " »",
    "pl": "Następnie powiedz: „Nazywam się (Twoje imię), dzwonię z {{ creditor.name }}. " + MINI_MIRANDA["pl"] + "”",
}
_US_STOP = {
    "en": "If they ask you not to call again, or tell you someone represents them for this debt, note it and end "
    "the call politely.",
    "fr": "Si la personne demande à ne plus être appelée, ou indique que quelqu'un la représente pour cette dette, "
    "notez-le et terminez poliment l'appel.",
    "pl": "Jeśli rozmówca poprosi, by więcej nie dzwonić, albo powie, że ktoś reprezentuje go w tej sprawie, "
    "zanotuj to i uprzejmie zakończ rozmowę.",
}
FR_IDENTITY = {
    "en": "Introduce yourself: “I am (your first name), from {{ creditor.name }}.” Check that you are speaking with "
    "{{ debtor.name }} before you mention what is owed; if not, say nothing more and ask when to call back.",
    "fr": "Présentez-vous : « Je suis (votre prénom), de {{ creditor.name }}. » Vérifiez que vous parlez bien à "
    "{{ debtor.name }} avant d'évoquer la somme due ; sinon, ne dites rien de plus et demandez quand rappeler.",
    "pl": "Przedstaw się: „Nazywam się (Twoje imię), dzwonię z {{ creditor.name }}.” Upewnij się, że rozmawiasz z "
    "{{ debtor.name }}, zanim wspomnisz o należności; jeśli nie, nie mów nic więcej i zapytaj, kiedy oddzwonić.",
}
FR_AMICABLE = {
    "en": "Say that this is an amicable recovery: we are looking for an agreement together.",
    "fr": "Précisez qu'il s'agit d'un recouvrement amiable : nous cherchons ensemble une solution.",
    "pl": "Powiedz, że to polubowne odzyskiwanie należności: wspólnie szukamy rozwiązania.",
}
FR_AMICABLE_PHRASE = {"en": "amicable", "fr": "amiable", "pl": "polubown"}
FR_NO_COSTS = {
    "en": "Say that it costs them nothing: under article L111-8 of the French Code of civil enforcement procedures, "
    "the costs of an amicable recovery stay with the creditor.",
    "fr": "Précisez que cela ne lui coûte rien : selon l'article L111-8 du code des procédures civiles d'exécution, "
    "les frais d'un recouvrement amiable restent à la charge du créancier.",
    "pl": "Powiedz, że nic to nie kosztuje: zgodnie z francuskim art. L111-8 koszty polubownego odzyskiwania "
    "należności ponosi wierzyciel.",
}
PL_IDENTITY = {
    "en": "Introduce yourself: “I am (your first name), calling on behalf of {{ creditor.name }}.” Check that you "
    "are speaking with {{ debtor.name }} before you mention what is owed; tell nobody else anything about it.",
    "fr": "Présentez-vous : « Je suis (votre prénom), j'appelle de la part de {{ creditor.name }}. » Vérifiez que "
    "vous parlez bien à {{ debtor.name }} avant d'évoquer la somme due ; n'en dites rien à personne d'autre.",
    "pl": "Przedstaw się: „Nazywam się (Twoje imię), dzwonię w imieniu {{ creditor.name }}.” Upewnij się, że "
    "rozmawiasz z {{ debtor.name }}, zanim wspomnisz o należności; innym osobom nie mów nic o sprawie.",
}
PL_BASIS = {
    "en": "Explain what the amount is for, invoice by invoice:\n{{ debts }}",
    "fr": "Expliquez à quoi correspond la somme, facture par facture :\n{{ debts }}",
    "pl": "Wyjaśnij podstawę roszczenia, faktura po fakturze:\n{{ debts }}",
}
PL_NO_HARASSMENT = {
    "en": "Stay calm and respectful, never pressure or frighten, and keep to the contact hours and call limits "
    "(article 190a of the Polish Criminal Code prohibits harassment).",
    "fr": "Restez calme et respectueux, sans pression ni intimidation, et respectez les heures et le nombre "
    "d'appels autorisés (l'article 190a du code pénal polonais interdit le harcèlement).",
    "pl": "Zachowaj spokój i szacunek, bez nacisku i zastraszania, i przestrzegaj godzin kontaktu oraz limitu "
    "połączeń (art. 190a Kodeksu karnego – zakaz nękania).",
}
PL_NO_HARASSMENT_MARK = "190a"


def script_disclosures(jurisdiction: str, locale: str) -> str:
    """The default disclosure block of a call in `jurisdiction`, in `locale`."""
    lines = {
        "US": [US_THIRD_PARTY, _US_MINI_MIRANDA_SAY, _US_STOP],
        "FR": [FR_IDENTITY, FR_AMICABLE, FR_NO_COSTS],
        "PL": [PL_IDENTITY, PL_BASIS, PL_NO_HARASSMENT],
    }[jurisdiction]
    return "\n".join(text[locale] for text in lines)


RECORDING_NOTICE = {
    "en": "This call is recorded so that we both have an accurate record of what we agree.",
    "fr": "Cet appel est enregistré, afin de garder une trace exacte de ce que nous convenons.",
    "pl": "Ta rozmowa jest nagrywana, abyśmy mieli dokładny zapis naszych ustaleń.",
}
RECORDING_PHRASE = {"en": "record", "fr": "enregistr", "pl": "nagryw"}


def default_call_scripts(jurisdiction: str) -> list[dict[str, Any]]:
    """A script for every stage, for any segment and for each segment, in en, fr and pl (CallScript values)."""
    rows: list[dict[str, Any]] = []
    for stage, by_locale in SCRIPT_STAGES.items():
        for locale in LOCALES:
            base = by_locale[locale]
            for segment in ["", *SCRIPT_SEGMENTS]:
                angle = SCRIPT_SEGMENTS[segment][locale] if segment else {}
                goal = f"{base['goal']} {angle['goal']}" if angle else base["goal"]
                points = [*base["talking_points"][:-1], *angle.get("talking_points", []), base["talking_points"][-1]]
                questions = [*angle.get("open_questions", []), *base["open_questions"]]
                rows.append(
                    {
                        "stage": str(stage),
                        "segment": segment,
                        "locale": locale,
                        "goal": goal,
                        "talking_points": "\n".join(points),
                        "open_questions": "\n".join(questions),
                        "voicemail": SCRIPT_VOICEMAIL[stage][locale],
                        "disclosures": script_disclosures(jurisdiction, locale),
                        "recording_notice": RECORDING_NOTICE[locale],
                    }
                )
    return rows
