"""The patient's intake: start, the wizard and the crisis page while answering (after submitting: patients)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET, require_http_methods

from core import hooks
from screening.rules import suggestion_names

from . import selectors, services, steps
from .forms import RowsStepForm
from .instruments import PHQ9_NOTICE
from .models import IntakeDraft, IntakeSubmission

CHECK = "check"  # ?check=1: the page shows its errors (after Next)
SAVED_MESSAGE = gettext_lazy("Your answers are saved. You can come back and carry on at any time.")


def _submission_url(submission: IntakeSubmission) -> str:
    """The submission's page (patients, the app above: a URL name, not an import)."""
    return reverse("patients:submission", kwargs={"submission_id": submission.pk})


def _draft_or_404(request: HttpRequest, draft_id: Any) -> IntakeDraft:
    draft = selectors.draft_for_patient(user=request.user, draft_id=draft_id)
    if draft is None:
        raise Http404("No such intake.")
    return draft


# --- dashboard and start --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = selectors.clinic_accepting(slug=slug)
    if clinic is None:
        raise Http404("No such clinic.")
    open_draft = selectors.draft_open_for_clinic(user=request.user, clinic=clinic)
    if open_draft is not None:
        return redirect("intake:resume", draft_id=open_draft.pk)
    sent = selectors.submission_for_clinic(user=request.user, clinic=clinic)
    # Declined or ineligible there: they may apply again (from their last answers); otherwise the answers sent stand.
    if sent is not None and not hooks.ask("submission_may_apply_again", sent):
        messages.info(request, _("You have already sent your answers to %(clinic)s.") % {"clinic": clinic.name})
        return redirect(_submission_url(sent))
    if request.method == "POST":
        draft = services.draft_get_or_start(patient=request.user, clinic=clinic)
        if request.session.get("chosen_clinic") == clinic.slug:
            del request.session["chosen_clinic"]
        return redirect("intake:resume", draft_id=draft.pk)
    earlier = selectors.submission_latest_for_patient(user=request.user)
    return render(request, "intake/start.html", {"clinic": clinic, "step_count": steps.PAGE_COUNT, "earlier": earlier})


# --- the wizard -----------------------------------------------------------------------------------


@cache
def _drug_datalist() -> SafeString:
    """Every drug name the engine knows, for the rows' suggestions: the same for every patient, so built once per
    process (drawing its 550 options through the template engine cost ~5 ms on every rows page)."""
    options = format_html_join("", '<option value="{}"></option>', ((name,) for name in suggestion_names()))
    return format_html('<datalist id="drug-names">{}</datalist>', options)


class IntakeWizard(View):
    """One page per step of intake/steps.py, over the draft row (the source of truth: another device, an expired
    session or signing out all see the same answers).

    Every Next, Back, "Save and finish later" and "Add another" stores what was posted for the step,
    valid or not, then redirects (post/redirect/get): the step's page shows the stored answers and
    their errors, so nothing typed is ever lost and a refresh never posts twice.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path() if request.method == "GET" else request.path)
        self.draft = _draft_or_404(request, kwargs["draft_id"])
        if self.draft.is_submitted:
            submission = selectors.submission_latest_for_draft(user=request.user, draft=self.draft)
            if submission is None:  # pragma: no cover - a submitted draft always has its submission
                raise Http404("No such intake.")
            return redirect(_submission_url(submission))
        return super().dispatch(request, *args, **kwargs)

    def step_url(self, step: str) -> str:
        return reverse("intake:step", kwargs={"draft_id": self.draft.pk, "step": step})

    def first_incomplete(self) -> HttpResponse:
        """The resume link, or a step that does not exist: the first page not complete yet."""
        return redirect(self.step_url(steps.check_draft(self.draft, clinic=self.draft.clinic).first_incomplete))

    def form(self, step: str, data: Any = None) -> Any:
        """The step's form: bound to `data` (default: the stored answers), or unbound with the account's record as
        its first answers (a second clinic's intake starts from the phone and the record the patient already gave).
        """
        fresh = step in steps.RECORD_STEP_FIELDS and step not in self.draft.answers
        initial = steps.record_initial(self.request.user, step) if fresh else {}
        return steps.bind(step, self.draft.answers, data, clinic=self.draft.clinic, initial=initial)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs.get("step")
        if step not in steps.STEP_BY_NAME:
            return self.first_incomplete()
        form = self.form(step)
        if request.GET.get(CHECK) != "1":
            _quiet(form)  # a half-saved page comes back as it was left: errors only after Next
        return render(request, "intake/step.html", self.page_context(step, form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs.get("step")
        if step not in steps.STEP_BY_NAME:
            return self.first_incomplete()
        action = request.POST.get("action", "next")
        if step != steps.REVIEW:
            form = self.form(step, data=request.POST)
            if action in ("next", "add_row") or form.has_changed() or step in self.draft.answers:
                data = steps.clean_for_storage(step, request.POST, add_row=action == "add_row")
                try:
                    services.draft_save_step(draft=self.draft, step=step, data=data)
                except services.DraftSubmitted:  # sent from another tab a moment ago
                    return redirect("intake:resume", draft_id=self.draft.pk)
        if step == "about":
            services.draft_contact_save(draft=self.draft, patient=request.user)
        if step in steps.RECORD_STEP_FIELDS:
            services.draft_record_save(draft=self.draft, patient=request.user, step=step)
        if action == "save":
            messages.success(request, SAVED_MESSAGE)
        if step == "safety" and services.safety_risk_high(steps.safety_answers(self.draft.answers)):
            # Whatever button was pressed, and even before the page is complete: help comes first.
            services.draft_report_risk(draft=self.draft)
            return redirect("intake:reach_out", draft_id=self.draft.pk)
        if action == "save":
            return redirect("patients:dashboard")
        if action == "back":
            previous = steps.previous_step(step)
            return redirect(self.step_url(previous) if previous else reverse("patients:dashboard"))
        if action == "add_row":
            return redirect(request.get_full_path() + "#rows-end")
        if step == steps.REVIEW:
            return self.submit()
        if not steps.bind(step, self.draft.answers, clinic=self.draft.clinic).is_valid():
            return redirect(_with_check(request))
        if step in (self.draft.unconfirmed_steps or []):  # carried from an earlier intake: now checked
            services.draft_confirm_step(draft=self.draft, step=step)
        if request.GET.get("from") == steps.REVIEW:  # an Edit link on the review page: straight back to it
            return redirect(self.step_url(steps.REVIEW))
        return redirect(self.step_url(steps.next_step(step)))

    def submit(self) -> HttpResponse:
        """Every step is checked again on Submit, once, by the submit itself under the draft's lock; the first
        one that is not complete is shown."""
        try:
            submission = services.submission_submit(draft=self.draft, patient=self.request.user, request=self.request)
        except services.IntakeIncomplete as exc:
            if exc.step in (self.draft.unconfirmed_steps or []):
                messages.info(self.request, _("Please check this page and press Next before you send your answers."))
                return redirect(self.step_url(exc.step))
            messages.info(self.request, _("Please finish this page before you send your answers."))
            return redirect(self.step_url(exc.step) + f"?{CHECK}=1")
        # Crisis help first when the result is urgent, else the result: the patients app knows (core.hooks).
        return redirect(hooks.ask("after_submit_url", submission))

    def page_context(self, name: str, form: Any) -> dict[str, Any]:
        step = steps.STEP_BY_NAME[name]
        index = steps.STEP_NAMES.index(name)
        context = {
            "form": form,
            "draft": self.draft,
            "clinic": self.draft.clinic,
            "step": step,
            "step_number": min(index + 1, steps.PAGE_COUNT),
            "step_count": steps.PAGE_COUNT,
            "carried": self._carried_context(name),
            "is_first": index == 0,
            "error_items": form.error_items() if form.is_bound else [],
            "rows_step": isinstance(form, RowsStepForm),
            "phq9_notice": PHQ9_NOTICE if name == "phq9" else "",
            "amendment": self._amendment_context(),
        }
        if isinstance(form, RowsStepForm):
            context["drug_datalist"] = _drug_datalist()
        if name == steps.REVIEW:
            context.update(self._review_context())
        return context

    def _amendment_context(self) -> dict[str, Any] | None:
        """For a draft that updates answers already sent: the version it replaces and the psychiatrist's question."""
        if not self.draft.amends_id:
            return None
        question = hooks.ask("amendment_question", self.draft)
        return {"previous": self.draft.amends, "question": question}

    def _carried_context(self, step: str) -> dict[str, Any] | None:
        """On a step carried from an earlier intake and not yet confirmed: when those answers were sent."""
        carried_from = self.draft.carried_from
        if carried_from is None or step not in (self.draft.unconfirmed_steps or []):
            return None
        return {"submitted_at": carried_from.submitted_at}

    def _review_context(self) -> dict[str, Any]:
        checked = steps.check_draft(self.draft, clinic=self.draft.clinic)
        groups = []
        for name in steps.ANSWER_STEPS:
            valid = checked.valid[name]
            groups.append(
                {
                    "step": steps.STEP_BY_NAME[name],
                    "url": self.step_url(name),
                    "complete": valid,
                    "unconfirmed": name in checked.unconfirmed,
                    "rows": checked.forms[name].display() if valid else [],
                }
            )
        return {"groups": groups, "complete": checked.complete}


def _with_check(request: HttpRequest) -> str:
    """The same page, asked to show what needs another look (after Next, not after "Save and finish later")."""
    query = request.GET.copy()
    query[CHECK] = "1"
    return f"{request.path}?{query.urlencode()}"


def _quiet(form: Any) -> None:
    """The form keeps the answers as typed but shows no errors (validated already, so they stay cleared)."""
    if not form.is_bound:
        return
    form.is_valid()
    form._errors = ErrorDict()
    if isinstance(form, RowsStepForm):
        form.rows.is_valid()
        form.rows._errors = [ErrorDict() for _row in form.rows.forms]
        form.rows._non_form_errors = form.rows.error_class()
        for row in form.rows.forms:
            row._errors = ErrorDict()


intake_wizard = IntakeWizard.as_view()


@login_required
@require_GET
def reach_out(request: HttpRequest, draft_id: Any) -> HttpResponse:
    """Shown at once after safety answers that mean high risk: how to get help now."""
    draft = _draft_or_404(request, draft_id)
    if draft.is_submitted:
        return redirect("intake:resume", draft_id=draft.pk)
    return render(
        request,
        "intake/reach_out.html",
        # Carry on at the first page not yet complete (the next one, or the safety page if it was left half-done).
        {"clinic": draft.clinic, "continue_url": reverse("intake:resume", kwargs={"draft_id": draft.pk})},
    )
