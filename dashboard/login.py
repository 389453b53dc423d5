"""Login and logout: a bearer token in, an HttpOnly session cookie out.

    POST /login {"token"} ──► SelfSubjectReview with that token (who is it?)
        401 ──► refused   404 (API without it) ──► GET /api with the token decides
        ──► session ──► Set-Cookie: <id>; HttpOnly; SameSite=Strict; Path=/
    POST /logout ──► session dropped, cookie cleared
Every POST must carry `X-Kubemini-Dashboard: 1`: a header other sites cannot add without CORS.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dashboard.sessions import COOKIE_NAME, IDLE_TIMEOUT_SECONDS, Session, SessionStore
from dashboard.upstream import user_client
from kubemini.client.api_client import ApiClient
from kubemini.client.credentials import ClientConfig
from kubemini.client.errors import ApiError, NotFound, Unauthorized

CSRF_HEADER = "x-kubemini-dashboard"
SELF_SUBJECT_REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
MAX_TOKEN_CHARS = 16384


def problem(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=code)


def csrf_problem(request: Request) -> JSONResponse | None:
    if request.headers.get(CSRF_HEADER) != "1":
        return problem(403, f"requests must carry the {CSRF_HEADER} header")
    return None


async def identify(client: ApiClient) -> str:
    """The token's username as the API sees it; raises Unauthorized for a token it refuses."""
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    try:
        answer = await client.request("POST", SELF_SUBJECT_REVIEW_PATH, body=review)
    except NotFound:
        await client.request("GET", "/api")
        return ""
    return str((((answer or {}).get("status") or {}).get("userInfo") or {}).get("username") or "")


def current_session(request: Request, sessions: SessionStore) -> Session | None:
    return sessions.get(request.cookies.get(COOKIE_NAME))


async def log_in(request: Request, *, sessions: SessionStore, target: ClientConfig) -> Response:
    refused = csrf_problem(request)
    if refused is not None:
        return refused
    try:
        body: dict[str, Any] = await request.json()
    except ValueError:
        return problem(400, 'the body must be JSON: {"token": "..."}')
    token = str((body or {}).get("token") or "").strip()
    if not token or len(token) > MAX_TOKEN_CHARS or any(c.isspace() for c in token):
        return problem(400, "a bearer token is required (one line, no spaces)")
    client = user_client(target, token)
    try:
        username = await identify(client)
    except Unauthorized:
        await client.close()
        return problem(401, "the API refused this token")
    except ApiError as error:
        await client.close()
        return problem(502, f"the API could not check the token: {error.message}")
    session, dropped = sessions.create(token, client, username=username)
    for old in dropped:
        await old.client.close()
    response = JSONResponse({"username": username})
    response.set_cookie(
        COOKIE_NAME,
        session.id,
        max_age=int(IDLE_TIMEOUT_SECONDS),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def log_out(request: Request, *, sessions: SessionStore) -> Response:
    refused = csrf_problem(request)
    if refused is not None:
        return refused
    session = sessions.remove(request.cookies.get(COOKIE_NAME))
    if session is not None:
        await session.client.close()
    response = JSONResponse({})
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response
