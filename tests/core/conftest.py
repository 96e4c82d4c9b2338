"""The notification and outbox tests' world: a clinic with one person in each role and a patient (Zelda) whose name,
address and phone no e-mail may contain."""

import pytest

from tests.factories.notifications import notify_world


@pytest.fixture
def mail_world():
    return notify_world()
