"""Schemathesis hooks for tests/api/openapi.rs (loaded through SCHEMATHESIS_HOOKS).

A well-formed Idempotency-Key drawn by Schemathesis is replaced with a fresh one, so two different
bodies never share a key by chance (the service rightly answers that with 422
`idempotency_key_reused`). A malformed key is left as drawn: the service must refuse it.
"""

import re
import uuid

import schemathesis

_WELL_FORMED = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            value = headers[name]
            if isinstance(value, str) and _WELL_FORMED.match(value):
                headers[name] = uuid.uuid4().hex
