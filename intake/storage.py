"""A django-formtools storage backed by the IntakeDraft row instead of the session.

The draft in the database is the source of truth: signing out, an expired session or another device
all see the same answers. Each step is written as soon as it is posted (intake.services.draft_save_step).
"""

from __future__ import annotations

from typing import Any

from django.utils.datastructures import MultiValueDict
from formtools.wizard.storage.base import BaseStorage

from . import steps
from .models import IntakeDraft


class DraftStorage(BaseStorage):
    def __init__(self, prefix: str, request: Any = None, file_storage: Any = None, *, draft: IntakeDraft) -> None:
        super().__init__(prefix, request, file_storage)
        self.draft = draft
        self.data = {
            self.step_key: None,
            self.step_data_key: draft.answers,
            self.step_files_key: {},
            self.extra_data_key: {},
        }

    def get_step_data(self, step: str) -> MultiValueDict | None:
        return steps.step_data(self.draft.answers, step)

    def set_step_data(self, step: str, cleaned_data: Any) -> None:
        from .services import draft_save_step

        if isinstance(cleaned_data, MultiValueDict):
            cleaned_data = dict(cleaned_data.lists())
        draft_save_step(draft=self.draft, step=step, data=cleaned_data)

    def reset(self) -> None:
        """Never wipe a draft: a submitted draft is frozen as the record of what was sent."""

    def update_response(self, response: Any) -> None:
        """Nothing to add to the response: no cookies, no temporary files."""
