"""The demo patients carry documents: real PDFs and PNGs that open, on the cases a psychiatrist reads, and one
patient still asked for their lab results; loading twice adds nothing."""

import filetype
import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse

from intake.models import Document
from screening.selectors_documents import document_requests_open


@pytest.mark.django_db
def test_demo_patients_have_documents_and_a_request_and_loading_twice_adds_none(client):
    call_command("load_demo")
    count = Document.objects.count()
    call_command("load_demo")

    assert Document.objects.count() == count >= 4
    for document in Document.objects.all():
        with storages["documents"].open(document.storage_name, "rb") as stored:
            assert filetype.guess_mime(stored.read(261)) == document.content_type
    drew = Document.objects.filter(patient__email="drew@patients.cedar.demo.example")
    assert sorted(drew.values_list("kind", flat=True)) == ["ecg", "labs", "referral"]
    taylor = get_user_model().objects.get(email="taylor@patients.cedar.demo.example")
    assert [r.kind for r in document_requests_open(patient=taylor)] == ["labs"]
    client.force_login(taylor)
    assert "Recent lab results" in client.get(reverse("patients:dashboard")).content.decode()
