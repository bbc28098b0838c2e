"""Documents a debtor sends: PDF, JPEG or PNG recognised by content, never by name; at most 10 MB each; clear errors;
a refused upload changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.casework.models import Case, CaseAttachment
from apps.casework.uploads import MAX_BYTES, check_upload, clean_name
from apps.debts.models import DebtStatus
from tests.casework.conftest import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("receipt.pdf", pdf_bytes(), "application/pdf"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("scan.png", image_bytes("PNG"), "image/png"),
        # The name says PDF, the content is a PNG: the content decides.
        ("scan.pdf", image_bytes("PNG"), "image/png"),
    ],
)
def test_it_accepts_pdf_jpeg_and_png_by_their_content(upload, name, content, content_type):
    checked = check_upload(upload(name, content, "application/pdf"))
    assert (checked.content_type, checked.size) == (content_type, len(content))
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"just some text, not a PDF", "is not a PDF, JPEG or PNG file"),
        ("setup.png", b"MZ\x90\x00\x03" + b"\x00" * 200, "is not a PDF, JPEG or PNG file"),
        ("fake.pdf", b"%PDF-1.4\nthis is not really a PDF", "looks like a PDF but cannot be read"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "looks like a picture but cannot be read"),
        ("secret.pdf", pdf_bytes(password="s3cret"), "is protected by a password"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_it_refuses_anything_else_with_a_reason_a_person_can_act_on(upload, name, content, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content))
    text = " ".join(refused.value.messages)
    assert message in text
    assert name in text


def test_it_refuses_a_file_over_10_mb(upload):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload("big.pdf", b"%PDF-1.4" + b"0" * MAX_BYTES))
    assert "Each file can be at most 10 MB" in refused.value.messages[0]


def test_it_keeps_only_the_last_part_of_a_file_name_for_display():
    assert clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert clean_name("C:\\Users\\me\\reçu\x00.pdf") == "reçu.pdf"
    assert clean_name("") == "document"


def test_it_stores_documents_under_a_name_of_its_own(portal, debt, upload):
    portal.post(
        f"/p/help/debts/{debt.pk}/not-mine/",
        {"details": "Not me.", "documents": [upload("../../x.pdf", pdf_bytes()), upload("id.png", image_bytes("PNG"))]},
    )
    attachments = list(CaseAttachment.objects.order_by("id"))
    assert [a.original_name for a in attachments] == ["x.pdf", "id.png"]
    for attachment in attachments:
        assert attachment.original_name not in attachment.file.name
        assert attachment.file.name.startswith(f"cases/{attachment.case_id}/")


def test_it_stores_the_same_document_once_per_case(portal, debt, upload):
    same = pdf_bytes()
    portal.post(
        f"/p/help/debts/{debt.pk}/not-mine/",
        {"details": "Not me.", "documents": [upload("a.pdf", same), upload("a-copy.pdf", same)]},
    )
    assert CaseAttachment.objects.count() == 1


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (("virus.pdf", b"MZ not a pdf"), "is not a PDF, JPEG or PNG file"),
        (("huge.png", b"\x89PNG\r\n\x1a\n" + b"0" * (MAX_BYTES + 1)), "Each file can be at most 10 MB"),
    ],
)
def test_it_changes_nothing_when_a_document_is_refused(portal, debt, upload, document, message):
    response = portal.post(
        f"/p/help/debts/{debt.pk}/dispute/", {"reason": "wrong_amount", "documents": upload(*document)}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert message in body
    assert 'id="id_documents_error"' in body
    assert "please choose them again" in body
    assert Case.objects.count() == 0
    assert CaseAttachment.objects.count() == 0
    debt.refresh_from_db()
    assert debt.status == DebtStatus.OVERDUE


def test_it_takes_at_most_five_files_at_a_time(portal, debt, upload):
    files = [upload(f"p{i}.pdf", pdf_bytes(pages=i + 1)) for i in range(6)]
    response = portal.post("/p/help/hardship/", {"details": "Hard times.", "documents": files})
    assert response.status_code == 422
    assert "Send at most 5 files at a time." in response.content.decode()
    assert Case.objects.count() == 0
