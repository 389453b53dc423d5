"""RBAC: Roles and ClusterRoles granted through RoleBindings and ClusterRoleBindings.

rules.py       one PolicyRule against one request (pure)
policy.py      the four kinds indexed by subject
authorizer.py  the `RBAC` mode: cached decisions over the policy
escalation.py  what a user may grant (escalate / bind), with upstream's messages
bootstrap_policy.py, bootstrap_roles.py  the default roles and bindings every cluster starts with
"""
