"""The private storage evidence files live in: STORAGES["evidence"] (settings.py).

A FileSystemStorage under EVIDENCE_ROOT by default; a deployment can name
another backend there. Nothing serves it: no URL maps to it, WhiteNoise only
serves STATIC_ROOT.
"""

from django.core.files.storage import Storage, storages


def evidence_storage() -> Storage:
    return storages["evidence"]
