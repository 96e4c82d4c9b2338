"""Small, valid PDF and PNG files made in code: the demo patients' documents and the upload tests' files."""

from __future__ import annotations

import struct
import zlib
from typing import Any


def _pdf_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def sample_pdf(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """A one-page PDF (Letter, Helvetica) with a title and a few lines, with a correct cross-reference table."""
    text = [f"BT /F1 16 Tf 72 720 Td ({_pdf_text(title)}) Tj ET"]
    for i, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 72 {690 - 16 * i} Td ({_pdf_text(line)}) Tj ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def sample_png(width: int = 240, height: int = 120, *, trace: bool = True) -> bytes:
    """An RGB PNG: white paper with a grid and, with `trace`, a heart-tracing-like line (an ECG strip's look)."""
    rows = []
    baseline = height // 2
    spike = [0, -2, -4, 2, 30, -12, 0, 0, 4, 6, 4, 0]
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            colour = (255, 255, 255)
            if x % 10 == 0 or y % 10 == 0:
                colour = (250, 200, 200)
            if trace:
                offset = spike[(x // 2) % len(spike)] if (x // 24) % 2 == 0 else 0
                if abs(y - (baseline - offset)) <= 1:
                    colour = (20, 20, 20)
            row += bytes(colour)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b"")


# (patient e-mail local part, [(kind, uploaded name, file maker, by staff)]): drew was cleared with records in
# hand, morgan's case is being read with a referral letter; taylor was asked for lab results and has not sent them.
DEMO_DOCUMENTS = {
    "drew": [
        ("referral", "Referral letter - Dr Lee.pdf", "referral", False),
        ("labs", "Blood tests November.pdf", "labs", False),
        ("ecg", "ECG.png", "ecg", True),
    ],
    "morgan": [("referral", "referral.pdf", "referral", False)],
}


def _demo_file(what: str, clinic_name: str) -> bytes:
    if what == "ecg":
        return sample_png(480, 160)
    if what == "labs":
        return sample_pdf(
            "Laboratory report (demo)",
            [
                "Comprehensive metabolic panel",
                "Sodium 140 mmol/L (135-145)",
                "Potassium 4.1 mmol/L (3.5-5.1)",
                "Creatinine 0.9 mg/dL (0.6-1.2)",
                "ALT 22 U/L (7-56)",
                "Fictional data for the demo.",
            ],
        )
    return sample_pdf(
        "Referral letter (demo)",
        [
            f"To the psychiatrists of {clinic_name},",
            "I refer my patient for an assessment for ketamine treatment.",
            "Two antidepressant trials at adequate dose and duration did not help.",
            "Fictional letter for the demo.",
        ],
    )


def demo_documents(clinic: Any) -> list[str]:
    """Idempotent: a demo patient who has documents at the clinic already is left as they are."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clinics import access
    from clinics.models import Role
    from intake.models import Document
    from intake.services_documents import document_upload

    User = get_user_model()
    coordinator = next(iter(access.members(clinic, [Role.COORDINATOR])), None)
    lines = []
    domain = clinic.slug.split("-")[0]
    for local, files in DEMO_DOCUMENTS.items():
        patient = User.objects.filter(email=f"{local}@patients.{domain}.demo.example").first()
        if patient is None or Document.objects.filter(patient=patient, clinic=clinic).exists():
            continue
        for kind, name, what, by_staff in files:
            document_upload(
                patient=patient,
                clinic=clinic,
                kind=kind,
                upload=SimpleUploadedFile(name, _demo_file(what, clinic.name)),
                uploaded_by=coordinator.user if by_staff and coordinator else patient,
            )
        lines.append(f"  {patient.email:<40} {len(files)} document(s)")
    return lines
