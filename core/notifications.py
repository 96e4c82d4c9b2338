"""What each kind of notification says: its e-mail (subject, body, attachments) and its line in the inbox.

Apps register kinds in `<app>/notification_kinds.py` with `@notification_kind("case.urgent", ...)`; those
modules are imported on first use (autodiscover), so the sender and the inbox know every kind.

Nothing here may carry patient data: an e-mail names the clinic and links to a page behind sign-in.
A kind's `in_app` text and `link` read only the notification's own fields and its clinic (the inbox
renders many rows with a fixed number of queries); only the e-mail function may query.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# "account": the sign-in e-mails (verification, password reset, invitation), sent whatever the clinic.
Audience = Literal["patient", "staff", "account"]
# (filename, content, mimetype), as django.core.mail.EmailMessage takes them.
Attachment = tuple[str, bytes | str, str]


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    # Where it goes when not to the recipient's address (an invitation: the invited address).
    to: list[str] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    # (notification) -> Message, or any object with subject, body, attachments; None: nothing to send any more
    email: Callable[[Any], Any]
    in_app: Callable[[Any], str]
    link: Callable[[Any], str]  # a path on this site ("" when there is nothing to open)
    audience: Audience
    # Coalesce: every unsent row of this kind for one recipient at one clinic goes out as one e-mail,
    # NOTIFICATION_DIGEST_WINDOW after the first of them was written.
    digest: Callable[[Sequence[Any]], Any] | None = None
    # False: e-mail only, never listed in the inbox (a password-reset link is not news to read later).
    inbox: bool = True
    # True: the e-mail depends only on the event (kind, object, clinic) and the language, never on who gets it;
    # one event's rows (every psychiatrist for an urgent case) render it once per language (core.outbox).
    same_for_everyone: bool = False


_registry: dict[str, Kind] = {}
_discovered = False
_discover_lock = threading.Lock()


def _text(template: str | Callable[[Any], str]) -> Callable[[Any], str]:
    if callable(template):
        return template
    return lambda notification: template.format(clinic=clinic_name(notification))


def notification_kind(
    name: str,
    *,
    in_app: str | Callable[[Any], str],
    audience: Audience,
    link: Callable[[Any], str] | None = None,
    digest: Callable[[Sequence[Any]], Any] | None = None,
    inbox: bool = True,
    same_for_everyone: bool = False,
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register the decorated `(notification) -> Message` as the e-mail of kind `name`.

    `in_app`: the inbox line, a str with an optional "{clinic}" placeholder or a function of the notification.
    `audience`: "staff" messages are not sent to someone no longer active at the clinic.
    `inbox`: False for e-mail-only kinds; their rows are written read and never listed.
    """

    def register(email: Callable[[Any], Any]) -> Callable[[Any], Any]:
        existing = _registry.get(name)
        if existing is not None and _origin(existing.email) != _origin(email):
            raise ImproperlyConfigured(f"notification kind {name!r} is registered twice")
        _registry[name] = Kind(
            name=name,
            email=email,
            in_app=_text(in_app),
            link=link or (lambda notification: ""),
            audience=audience,
            digest=digest,
            inbox=inbox,
            same_for_everyone=same_for_everyone,
        )
        return email

    return register


def _origin(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def kinds() -> dict[str, Kind]:
    """Every registered kind (imports each app's notification_kinds module the first time)."""
    global _discovered
    if not _discovered:
        with _discover_lock:
            if not _discovered:
                autodiscover_modules("notification_kinds")
                _discovered = True
    return _registry


def kind_for(name: str) -> Kind | None:
    return kinds().get(name)


def hidden_kinds() -> list[str]:
    """The kinds never listed in the inbox."""
    return sorted(name for name, kind in kinds().items() if not kind.inbox)


# --- helpers for the kind modules ------------------------------------------------------------------

# Patient e-mails are rendered in the recipient's language (core.outbox); these are translated when used.
PRIVACY_LINE = gettext_noop("For your privacy, this e-mail does not include any details. Sign in to read them.")
CRISIS_LINE = gettext_noop("If you are in crisis, call or text 988 at any time. In an emergency, call 911.")
STAFF_LINE = "This e-mail leaves out patient details on purpose; they are only shown after you sign in."


def patient_body(notification: Any, first: str) -> str:
    return f"{_('Hello,')}\n\n{first}\n\n{email_link(notification)}\n\n{_(PRIVACY_LINE)}\n\n{_(CRISIS_LINE)}\n"


def staff_body(notification: Any, *lines: str) -> str:
    text = "\n\n".join(lines)
    return f"Hello,\n\n{text}\n\nSign in to see it:\n{email_link(notification)}\n\n{STAFF_LINE}\n"


def clinic_slug(notification: Any) -> str:
    return notification.clinic.slug if notification.clinic is not None else ""


def clinic_name(notification: Any) -> str:
    clinic = notification.clinic
    return clinic.name if clinic is not None else "your clinic"


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def url_or_empty(name: str, **kwargs: Any) -> str:
    """reverse(), or "" when the kwargs do not fit the URL."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def first_url(*candidates: tuple[str, dict[str, Any]]) -> str:
    """The first of (url name, kwargs) that resolves."""
    for name, kwargs in candidates:
        if url := url_or_empty(name, **kwargs):
            return url
    return ""


# --- what the sender and the inbox call -----------------------------------------------------------


def inbox_link(notification: Any) -> str:
    """Where the notification's inbox entry and its e-mail lead ("" when nowhere in particular)."""
    kind = kind_for(notification.kind)
    return kind.link(notification) if kind is not None else ""


def in_app_text(notification: Any) -> str:
    kind = kind_for(notification.kind)
    if kind is None:
        return f"You have a new notification from {clinic_name(notification)}."
    return kind.in_app(notification)


def email_link(notification: Any) -> str:
    """The e-mail's one link: the page about it, or the inbox; either asks the reader to sign in first."""
    return absolute_url(inbox_link(notification) or reverse("notifications:inbox"))


# --- reads for the inbox and the nav badge -----------------------------------------------------------

INBOX_PAGE_SIZE = 30
UNREAD_BADGE_CAP = 99


@dataclass(frozen=True)
class InboxRow:
    notification: Any
    text: str
    link: str


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_before: str | None  # the cursor of the next (older) page


def _cursor(notification: Any) -> str:
    return f"{notification.created_at.isoformat()}|{notification.pk}"


def _parse_cursor(raw: str | None) -> tuple[Any, Any] | None:
    import uuid
    from datetime import datetime

    if not raw or "|" not in raw:
        return None
    when, _, pk = raw.partition("|")
    try:
        moment = datetime.fromisoformat(when)
        return (moment, uuid.UUID(pk)) if moment.tzinfo is not None else None
    except ValueError:
        return None


def inbox_page(user: Any, *, before: str | None = None, limit: int = INBOX_PAGE_SIZE) -> InboxPage:
    """One page of the user's notifications, newest first, keyset-paginated (one query)."""
    from django.db.models import Q

    from .models import Notification

    rows = Notification.objects.filter(recipient=user).exclude(kind__in=hidden_kinds()).select_related("clinic")
    if (cursor := _parse_cursor(before)) is not None:
        moment, pk = cursor
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    page = list(rows.order_by("-created_at", "-pk")[: limit + 1])
    next_before = _cursor(page[limit - 1]) if len(page) > limit else None
    return InboxPage([InboxRow(n, in_app_text(n), inbox_link(n)) for n in page[:limit]], next_before)


def unread_count(user: Any) -> int:
    """Unread notifications, counted up to UNREAD_BADGE_CAP + 1 (the badge says "99+"); one query."""
    from .models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True)[: UNREAD_BADGE_CAP + 1].count()


def clinic_staff_and_unread(user: Any, staff_exists: Callable[[Any], Any]) -> tuple[bool, int]:
    """(is clinic staff, unread_count()) in one query, both asked on every signed-in page. `staff_exists` is
    the clinics app's Exists() for the user an OuterRef("pk") points at (core.hooks "clinic_staff_exists")."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    sql, params, positions = _staff_and_unread_sql(staff_exists)
    params = list(params)
    user_id = get_user_model()._meta.pk.get_db_prep_value(user.pk, connection)
    for position in positions:
        params[position] = user_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (bool(row[0]), int(row[1] or 0)) if row else (False, 0)


_NOBODY = uuid.UUID(int=0)  # stands for the user's id while the query is compiled


@lru_cache(maxsize=4)
def _staff_and_unread_sql(staff_exists: Callable[[Any], Any]) -> tuple[str, list[Any], tuple[int, ...]]:
    """The query compiled once per process (building it cost more than running it): its SQL, its parameters
    and where the user's id goes in them."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Func, OuterRef, Subquery

    from .models import Notification

    # Counted as unread_count() counts: over at most UNREAD_BADGE_CAP + 1 rows.
    unread_rows = Notification.objects.filter(recipient=OuterRef(OuterRef("pk")), read_at__isnull=True)
    capped = unread_rows.order_by().values("pk")[: UNREAD_BADGE_CAP + 1]
    unread = Subquery(Notification.objects.filter(pk__in=capped).order_by().values(n=Func("pk", function="COUNT")))
    query = get_user_model().objects.filter(pk=_NOBODY).values_list(staff_exists(OuterRef("pk")), unread)[:1].query
    sql, params = query.sql_with_params()
    nobody = get_user_model()._meta.pk.get_db_prep_value(_NOBODY, connection)
    positions = tuple(n for n, value in enumerate(params) if value == nobody)
    if not positions:
        raise ImproperlyConfigured("the user's id is not a parameter of the staff-and-unread query")
    return sql, tuple(params), positions
