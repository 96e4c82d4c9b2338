"""The signed-in person's notifications: the same messages as the e-mails, read in the app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from . import hooks
from .hooks import is_clinic_staff
from .notifications import inbox_link, inbox_page
from .outbox import notification_mark_all_read, notification_mark_read


def _needs_second_factor(request: HttpRequest) -> HttpResponse | None:
    """Staff finish signing in (second factor) before their notifications, like on every staff page."""
    user = request.user
    staff = getattr(request, "is_clinic_staff", None)
    if staff is None:
        staff = request.is_clinic_staff = is_clinic_staff(user)
    if (staff or user.is_staff) and not user.is_verified():
        return redirect(f"{reverse('account:two_factor')}?{urlencode({'next': request.get_full_path()})}")
    return None


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if (response := _needs_second_factor(request)) is not None:
        return response
    before = request.GET.get("before")
    page = inbox_page(request.user, before=before)
    if request.is_clinic_staff:
        # Staff read whom each message is about (never in the e-mail): the apps above core know the patients.
        names = hooks.ask(
            "notification_patient_names", notifications=[r.notification for r in page.rows], user=request.user
        )
        for row in page.rows:
            row.notification.patient_name = names.get(row.notification.pk, "")
    context = {
        "rows": page.rows,
        "next_before": page.next_before,
        "paged": bool(before),
        "any_unread": any(row.notification.read_at is None for row in page.rows),
    }
    return render(request, "core/notifications.html", context)


@require_POST
@login_required
def read(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Mark one notification read; with `open`, go on to the page it is about."""
    if (response := _needs_second_factor(request)) is not None:
        return response
    notification = notification_mark_read(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404("No such notification.")
    link = inbox_link(notification)
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    if (response := _needs_second_factor(request)) is not None:
        return response
    count = notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, "All notifications are marked as read.")
    return redirect("notifications:inbox")
