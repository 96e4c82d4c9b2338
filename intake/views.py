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
from formtools.wizard.views import NamedUrlWizardView, StepsHelper

from core import hooks
from screening.rules import suggestion_names

from . import selectors, services, steps
from .forms import RowsStepForm
from .instruments import PHQ9_NOTICE
from .models import IntakeDraft, IntakeSubmission
from .storage import DraftStorage

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


class IntakeWizard(NamedUrlWizardView):
    """django-formtools' named-URL wizard with the draft row as its storage.

    Every Next, Back, "Save and finish later" and "Add another" stores what was posted for the step,
    valid or not, then redirects (post/redirect/get): the step's page shows the stored answers and
    their errors, so nothing typed is ever lost and a refresh never posts twice.
    """

    form_list = [(step.name, step.form_class) for step in steps.STEPS]
    template_name = "intake/step.html"
    url_name = "intake:step"
    done_step_name = "sent"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path() if request.method == "GET" else request.path)
        self.draft = _draft_or_404(request, kwargs["draft_id"])
        if self.draft.is_submitted:
            submission = selectors.submission_latest_for_draft(user=request.user, draft=self.draft)
            if submission is None:  # pragma: no cover - a submitted draft always has its submission
                raise Http404("No such intake.")
            return redirect(_submission_url(submission))
        self.prefix = self.get_prefix(request, *args, **kwargs)
        self.storage = DraftStorage(self.prefix, request, draft=self.draft)
        self.steps = StepsHelper(self)
        if kwargs.get("step") in self.form_list:
            self.storage.current_step = kwargs["step"]
        return View.dispatch(self, request, *args, **kwargs)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "intake"

    def get_step_url(self, step: str) -> str:
        return reverse(self.url_name, kwargs={"draft_id": self.draft.pk, "step": step})

    def get_form_initial(self, step: str) -> dict[str, Any]:
        if step in self.draft.answers or step not in steps.RECORD_STEP_FIELDS:
            return {"weight_unit": "lb"} if step == "about" else {}  # stored answers are shown as they are
        # A second clinic's intake starts from the phone and the record the patient already gave.
        initial = steps.record_initial(self.request.user, step)
        if step == "about":
            return {"weight_unit": "lb", **initial}
        return initial

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        return steps.form_kwargs(step or self.steps.current, self.draft.answers, self.draft.clinic)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs.get("step")
        if step is None or step not in self.form_list:
            return redirect(self.get_step_url(steps.check_draft(self.draft, clinic=self.draft.clinic).first_incomplete))
        form = self.get_form(step, data=self.storage.get_step_data(step))
        if request.GET.get(CHECK) != "1":
            _quiet(form)  # a half-saved page comes back as it was left: errors only after Next
        return self.render(form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        step = kwargs.get("step")
        if step not in self.form_list:
            return redirect(self.get_step_url(steps.check_draft(self.draft, clinic=self.draft.clinic).first_incomplete))
        action = request.POST.get("action", "next")
        if step != steps.REVIEW:
            form = self.get_form(step, data=request.POST)
            if action in ("next", "add_row") or form.has_changed() or step in self.draft.answers:
                data = steps.clean_for_storage(step, request.POST, add_row=action == "add_row")
                try:
                    self.storage.set_step_data(step, data)
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
            previous = self.get_prev_step(step)
            return redirect(self.get_step_url(previous) if previous else reverse("patients:dashboard"))
        if action == "add_row":
            return redirect(request.get_full_path() + "#rows-end")
        if step == steps.REVIEW:
            return self.render_done(None, **kwargs)
        if not steps.bind(step, self.draft.answers, clinic=self.draft.clinic).is_valid():
            return redirect(_with_check(request))
        if step in (self.draft.unconfirmed_steps or []):  # carried from an earlier intake: now checked
            services.draft_confirm_step(draft=self.draft, step=step)
        if request.GET.get("from") == steps.REVIEW:  # an Edit link on the review page: straight back to it
            return redirect(self.get_step_url(steps.REVIEW))
        return redirect(self.get_step_url(self.get_next_step(step)))

    def render_done(self, form: Any, **kwargs: Any) -> HttpResponse:
        """Every step is checked again on Submit, once, by the submit itself under the draft's lock; the first
        one that is not complete is shown."""
        return self.done([], form_dict={})

    def render_revalidation_failure(self, failed_step: str, form: Any, **kwargs: Any) -> HttpResponse:
        if failed_step in (self.draft.unconfirmed_steps or []):
            messages.info(self.request, _("Please check this page and press Next before you send your answers."))
            return redirect(self.get_step_url(failed_step))
        messages.info(self.request, _("Please finish this page before you send your answers."))
        return redirect(self.get_step_url(failed_step) + f"?{CHECK}=1")

    def done(self, form_list: Any, **kwargs: Any) -> HttpResponse:
        try:
            submission = services.submission_submit(draft=self.draft, patient=self.request.user, request=self.request)
        except services.IntakeIncomplete as exc:
            return self.render_revalidation_failure(exc.step, None)
        # Crisis help first when the result is urgent, else the result: the patients app knows (core.hooks).
        return redirect(hooks.ask("after_submit_url", submission))

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        step = steps.STEP_BY_NAME[self.steps.current]
        context.update(
            draft=self.draft,
            clinic=self.draft.clinic,
            step=step,
            step_number=min(self.steps.step1, steps.PAGE_COUNT),
            step_count=steps.PAGE_COUNT,
            carried=self._carried_context(step.name),
            is_first=self.steps.step0 == 0,
            error_items=form.error_items() if form.is_bound else [],
            rows_step=isinstance(form, RowsStepForm),
            phq9_notice=PHQ9_NOTICE if step.name == "phq9" else "",
            amendment=self._amendment_context(),
        )
        if isinstance(form, RowsStepForm):
            context["drug_datalist"] = _drug_datalist()
        if step.name == steps.REVIEW:
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
                    "url": self.get_step_url(name),
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


intake_wizard = IntakeWizard.as_view(url_name="intake:step", done_step_name="sent")


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
