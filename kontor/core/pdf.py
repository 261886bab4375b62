"""Documents as PDF: HTML rendered by xhtml2pdf, a PDF library that needs no
system libraries (quotes, the register of processing activities)."""

import io


class PdfFailed(Exception):
    pass


def html_to_pdf(html: str, *, what: str) -> bytes:
    """``html`` as a PDF. Raises PdfFailed, naming ``what``, when xhtml2pdf
    cannot render it."""
    # Imported when a PDF is made, not by every process that loads the URLs
    # (xhtml2pdf and openpyxl together: 0.2-0.3 s of CPU, docs/performance.md).
    from xhtml2pdf import pisa

    output = io.BytesIO()
    if pisa.CreatePDF(html, dest=output, encoding="utf-8").err:
        raise PdfFailed(f"{what} could not be rendered as PDF")
    return output.getvalue()
