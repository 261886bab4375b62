"""Workflow rules: when something happens to a record (or a time comes),
check conditions on it and run actions through the domains' services, as
the rule's owner. See docs/workflow.md."""
