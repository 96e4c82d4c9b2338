"""Clinic pages: the public directory, and the staff area (members, policy, audit log)."""
