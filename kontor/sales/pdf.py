"""A quote as PDF: rendered from an HTML template (letterhead, the
customer's address, the lines, the totals, a footer with the company data
from the settings) by kontor.core.pdf."""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kontor.core.pdf import html_to_pdf
from kontor.sales.lines import document_totals
from kontor.sales.models import Quote


def quote_context(quote: Quote) -> dict:
    return {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "totals": document_totals(quote),
        "company": {
            "name": settings.KONTOR_COMPANY_NAME,
            "address": settings.KONTOR_COMPANY_ADDRESS,
            "email": settings.KONTOR_COMPANY_EMAIL,
            "phone": settings.KONTOR_COMPANY_PHONE,
            "vat_id": settings.KONTOR_COMPANY_VAT_ID,
            "register": settings.KONTOR_COMPANY_REGISTER,
            "bank": settings.KONTOR_COMPANY_BANK,
        },
        "contact_name": quote.contact.display_name if quote.contact else "",
        "address_lines": [line for line in quote.customer_address.splitlines() if line.strip()],
    }


def quote_pdf(quote: Quote, *, language: str | None = None) -> bytes:
    """The quote's PDF in ``language`` (default: the active one)."""
    with translation.override(language or translation.get_language()):
        html = render_to_string("sales/quote_pdf.html", quote_context(quote))
    return html_to_pdf(html, what=f"the quote {quote.number}")


def quote_file_name(quote: Quote) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", quote.number) + ".pdf"
