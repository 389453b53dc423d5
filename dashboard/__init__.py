"""kubemini's web dashboard: a live view of the cluster, as the logged-in user sees it.

browser ──(HttpOnly session cookie)──► dashboard (Starlette)
    ├─ /login: bearer token ──► checked against the API ──► session (server-side only)
    ├─ /api/stream?feeds=...: per feed list-then-watch with the user's token ──► rows (shaping/) ──► SSE
    │      the SSE id carries every feed's resourceVersion, so a reconnect resumes the watches (410: relist)
    ├─ /api/logs/...: pods/log?follow=true ──► SSE lines
    ├─ /api/access: SelfSubjectAccessReviews ──► which actions the UI offers
    └─ /api/actions: scale, restart, delete pod, cordon ──► PATCH/DELETE with the user's token
The static UI (static/: HTML, CSS, ES modules) is served as it is: no CDN, no build step.
"""
