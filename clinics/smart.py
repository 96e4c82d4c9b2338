"""SMART Backend Services (SMART App Launch 2.x, client-confidential-asymmetric) for the FHIR endpoint.

A clinic admin registers a client with its public keys (a JWKS, RS384 or ES384). The client posts a JWT it
signed (iss = sub = its client_id, aud = our token URL, a unique jti, exp at most five minutes ahead) to
/fhir/R4/auth/token and gets an access token for SMART_TOKEN_SECONDS, with `system/*.read` or narrower scopes.
Signatures are checked with PyJWT (and `cryptography`); nothing cryptographic is written here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from core.audit import audit_record

from .models import ApiToken, Clinic, SmartAccessToken, SmartAssertion, SmartClient

ALGORITHMS = ("RS384", "ES384")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_MAX_SECONDS = 300  # the spec: exp no more than five minutes in the future
TOKEN_PREFIX = "kcs_"  # noqa: S105 (marks our access tokens, not a secret)
# What a client may ask for: every type's read, or one type's (v1 `.read` or v2 `.rs`).
SCOPE_TYPES = (
    "Patient",
    "QuestionnaireResponse",
    "Provenance",
    "Observation",
    "RiskAssessment",
    "MedicationStatement",
    "Appointment",
    "DocumentReference",
    "Binary",
)
PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


class TokenError(Exception):
    """An OAuth error: `code` (invalid_client, invalid_grant, invalid_scope, ...) and a description."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def jwks_parse(text: str) -> dict[str, Any]:
    """The JWKS an admin pasted, checked: public RSA or P-384 EC keys only, each usable with RS384 or ES384."""
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError('This is not JSON. Paste the client\'s JWKS: {"keys": [...]}.') from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ValidationError('A JWKS has a "keys" list with at least one key.')
    for index, key in enumerate(keys, start=1):
        if not isinstance(key, dict):
            raise ValidationError(f"Key {index} is not a JSON object.")
        if PRIVATE_PARTS & set(key):
            raise ValidationError(f"Key {index} holds a private key. Give only the public keys; keep the private one.")
        if key.get("kty") == "RSA":
            expected = "RS384"
        elif key.get("kty") == "EC" and key.get("crv") == "P-384":
            expected = "ES384"
        else:
            raise ValidationError(f"Key {index} must be an RSA key (RS384) or an EC P-384 key (ES384).")
        if key.get("alg", expected) != expected:
            raise ValidationError(f"Key {index} says alg {key.get('alg')}; this server accepts {expected} for it.")
        try:
            jwt.PyJWK.from_dict({**key, "alg": expected})
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            raise ValidationError(f"Key {index} is not a valid public key.") from None
    return {"keys": keys}


@transaction.atomic
def smart_client_create(
    *, clinic: Clinic, name: str, jwks: str, created_by: Any, request: HttpRequest | None = None
) -> SmartClient:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the client a name, such as the system that will use it.")
    keys = jwks_parse(jwks)
    if SmartClient.objects.filter(clinic=clinic, name__iexact=name, revoked_at__isnull=True).exists():
        raise ValidationError("An active client already has this name.")
    client = SmartClient.objects.create(
        clinic=clinic, name=name, client_id=secrets.token_urlsafe(24), jwks=keys, created_by=created_by
    )
    audit_record(action="smart_client.create", actor=created_by, clinic=clinic, obj=client, request=request, detail={})
    return client


@transaction.atomic
def smart_client_revoke(*, client: SmartClient, actor: Any, request: HttpRequest | None = None) -> None:
    """The client gets no new token, and the tokens it has stop working at once."""
    client = SmartClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at:
        return
    client.revoked_at, client.revoked_by = timezone.now(), actor
    client.save(update_fields=["revoked_at", "revoked_by"])
    SmartAccessToken.objects.filter(client=client).delete()
    audit_record(action="smart_client.revoke", actor=actor, clinic=client.clinic, obj=client, request=request)


def scopes_granted(requested: str) -> list[str]:
    """The requested scopes this server grants (read-only system scopes); unknown ones are left out."""
    granted = []
    for scope in requested.split():
        context, _, rest = scope.partition("/")
        kind, _, access = rest.partition(".")
        if context == "system" and (kind == "*" or kind in SCOPE_TYPES) and access in ("read", "rs", "r", "s"):
            granted.append(scope)
    return granted


def token_issue(*, form: dict[str, str], token_url: str) -> dict[str, Any]:
    """The token endpoint's answer to a client_credentials request with a signed JWT assertion; raises TokenError."""
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials.")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}.")
    assertion = form.get("client_assertion", "")
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenError("invalid_client", "client_assertion is not a JWT.") from None
    if header.get("alg") not in ALGORITHMS:
        raise TokenError("invalid_client", f"The assertion must be signed with {' or '.join(ALGORITHMS)}.")
    client_id = claims.get("iss")
    client = (
        SmartClient.objects.select_related("clinic").filter(client_id=client_id, revoked_at__isnull=True).first()
        if isinstance(client_id, str)
        else None
    )
    if client is None:
        raise TokenError("invalid_client", "No active client has this client_id (the assertion's iss).")
    verified = _verify(assertion, header, client, token_url)
    if verified.get("sub") != client_id:
        raise TokenError("invalid_client", "The assertion's sub must be the client_id, like its iss.")
    expires = verified["exp"]
    if expires - timezone.now().timestamp() > ASSERTION_MAX_SECONDS + 30:
        raise TokenError("invalid_client", "The assertion's exp is more than five minutes away.")
    scope = scopes_granted(form.get("scope", ""))
    if not scope:
        raise TokenError("invalid_scope", "Ask for system/*.read or narrower (system/Patient.read, ...).")
    jti = verified.get("jti")
    if not isinstance(jti, str) or not jti:
        raise TokenError("invalid_client", "The assertion needs a jti.")
    now = timezone.now()
    try:
        with transaction.atomic():
            SmartAssertion.objects.filter(expires_at__lt=now - timedelta(minutes=10)).delete()
            SmartAssertion.objects.create(client=client, jti=jti, expires_at=datetime.fromtimestamp(expires, tz=UTC))
    except IntegrityError:
        raise TokenError("invalid_client", "This assertion (its jti) was already used; sign a new one.") from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = settings.SMART_TOKEN_SECONDS
    SmartAccessToken.objects.filter(expires_at__lt=now).delete()
    SmartAccessToken.objects.create(
        digest=_digest(token), client=client, scope=" ".join(scope), expires_at=now + timedelta(seconds=lifetime)
    )
    SmartClient.objects.filter(pk=client.pk).update(last_used_at=now)
    audit_record(action="smart_client.token", clinic=client.clinic, obj=client, detail={"scope": " ".join(scope)})
    return {"access_token": token, "token_type": "bearer", "expires_in": lifetime, "scope": " ".join(scope)}


def _verify(assertion: str, header: dict[str, Any], client: SmartClient, token_url: str) -> dict[str, Any]:
    keys = [k for k in client.jwks.get("keys", []) if not header.get("kid") or k.get("kid") == header.get("kid")]
    if not keys:
        raise TokenError("invalid_client", "No key of this client has the assertion's kid.")
    for key in keys:
        try:
            public = jwt.PyJWK.from_dict({**key, "alg": header["alg"]})
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError):
            continue
        try:
            return jwt.decode(
                assertion,
                key=public,
                algorithms=[header["alg"]],
                audience=token_url,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
                leeway=30,
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise TokenError("invalid_client", "The assertion has expired.") from None
        except jwt.InvalidAudienceError:
            raise TokenError("invalid_client", f"The assertion's aud must be {token_url}.") from None
        except jwt.PyJWTError as error:
            raise TokenError("invalid_client", f"The assertion was refused: {error}.") from None
    raise TokenError("invalid_client", "The assertion's signature does not match any of the client's keys.")


@dataclass(frozen=True)
class Reader:
    """Who reads the FHIR endpoint: a clinic's API key or a SMART client's access token, and what it may read."""

    clinic: Clinic
    label: str
    api_token: ApiToken | None = None
    smart_client: SmartClient | None = None
    scope: tuple[str, ...] = ()

    @property
    def obj(self) -> Any:
        return self.api_token or self.smart_client

    def allows(self, resource_type: str) -> bool:
        if self.api_token is not None:
            return True
        return any(s.split("/", 1)[1].split(".", 1)[0] in ("*", resource_type) for s in self.scope)


def access_token_reader(token: str) -> Reader | None:
    """The reader behind a SMART access token that is still valid, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    found = (
        SmartAccessToken.objects.select_related("client__clinic")
        .filter(digest=_digest(token), expires_at__gt=timezone.now(), client__revoked_at__isnull=True)
        .first()
    )
    if found is None:
        return None
    client = found.client
    return Reader(
        clinic=client.clinic,
        label=f"SMART client {client.name}",
        smart_client=client,
        scope=tuple(found.scope.split()),
    )
