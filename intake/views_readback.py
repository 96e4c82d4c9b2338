"""How a typed medicine name reads, for intake.js to say beside the row when the patient leaves the field.

One POST per changed name (never per keystroke, never the name in a URL); the page works without it: the
server draws the same words with every page (templates/intake/_row_readback.html).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import readback
from .views import _draft_or_404


@login_required
@require_POST
@never_cache
def read_back(request: HttpRequest, draft_id: Any) -> JsonResponse:
    _draft_or_404(request, draft_id)  # the patient's own intake only; anyone else gets 404
    name = request.POST.get("name", "")[:100]
    read = readback.read_back(name, trial=request.POST.get("kind") == "trial")
    return JsonResponse({"text": readback.sentence(read) if read else "", "recognised": bool(read and read.recognised)})
