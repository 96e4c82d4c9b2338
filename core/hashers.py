"""Argon2id with OWASP's parameters (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).

Django's own defaults (m=100 MiB, p=8) cost more memory per sign-in than a small server has to spare under
load; OWASP's first configuration is as strong against a GPU and costs tens of milliseconds of one core.
The algorithm name stays "argon2", so a change of parameters rehashes at the next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
