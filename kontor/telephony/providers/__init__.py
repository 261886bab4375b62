"""Adapters of phone systems: each turns what its system sends into
``CallEventData`` for ``kontor.telephony.services`` and answers in the form
the system expects."""
