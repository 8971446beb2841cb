"""Argon2id with the same parameters as Portcullis' defaults (OWASP: m=19456 KiB, t=2, p=1)."""
from django.contrib.auth.hashers import Argon2PasswordHasher


class BenchArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 19456
    time_cost = 2
    parallelism = 1
