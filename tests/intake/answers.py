"""The intake scenarios live in the app (the demo data uses them too); tests import them from here."""

from intake.scenarios import BASE, SCENARIOS, post_data, raw_answers, scenario, stored

__all__ = ["BASE", "SCENARIOS", "post_data", "raw_answers", "scenario", "stored"]
