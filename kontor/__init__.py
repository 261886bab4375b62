"""Kontor — an open-source CRM."""
