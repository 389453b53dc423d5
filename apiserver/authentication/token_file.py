"""`--token-auth-file`: a CSV of `token,user,uid,"group1,group2"` lines, read once at start (as kube-apiserver)."""

from __future__ import annotations

import csv
from pathlib import Path

from apiserver.authentication.user import AUTHENTICATED_GROUP, UserInfo


class TokenFileError(ValueError):
    pass


def load_token_file(path: Path) -> dict[str, UserInfo]:
    users: dict[str, UserInfo] = {}
    with path.open(newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if len(row) < 3:
                raise TokenFileError(f'{path}: line {number}: want token,user,uid[,"groups"], got {len(row)} columns')
            token, name, uid = (value.strip() for value in row[:3])
            if not token or not name:
                raise TokenFileError(f"{path}: line {number}: the token and the user name must not be empty")
            groups = [g.strip() for g in row[3].split(",") if g.strip()] if len(row) > 3 else []
            users[token] = UserInfo(name, uid=uid, groups=(*groups, AUTHENTICATED_GROUP))
    return users
