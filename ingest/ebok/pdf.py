"""Invoice PDFs carrying what a Polish VAT invoice must show (Art. 106e of the Polish VAT Act).

That is: issue date; a unique sequential number; seller's and buyer's names and addresses; the seller's
NIP; the date of supply (here the end of the billing period) when it differs from the issue date; for
each line the name of the service, unit, quantity, net unit price, net value and VAT rate; the net total
per VAT rate, the tax per rate and the gross amount due.  Payment details (due date, the customer's
virtual account) are added because customers pay from this paper.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
ITEM_NAMES = {"water": "Dostawa wody", "sewage": "Odprowadzanie ścieków", "abonament": "Opłata abonamentowa"}


def _zl(v: Any) -> str:
    return f"{Decimal(v):,.2f}".replace(",", " ").replace(".", ",")


def _pct(v: Any) -> str:
    return f"{Decimal(v).normalize():f}"


def invoice_pdf(inv: Any, lines: list[Any], buyer: Any, settings: Any, nrb_text: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists():
        pdf.add_font("dv", "", str(regular))
        pdf.add_font("dv", "B", str(bold if bold.exists() else regular))
        font = "dv"
    else:  # pragma: no cover - Debian ships DejaVu with chromium's dependencies
        font = "helvetica"
    pdf.add_page()
    pdf.set_font(font, "B", 15)
    pdf.cell(0, 9, f"Faktura VAT nr {inv.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9.5)
    for text in (f"Data wystawienia: {inv.issue_date:%Y-%m-%d}",
                 f"Data wykonania usługi (koniec okresu): {inv.period_end:%Y-%m-%d}",
                 f"Okres rozliczeniowy: {inv.period_start:%Y-%m-%d} – {inv.period_end:%Y-%m-%d}",
                 f"Umowa: {inv.contract_id}"):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    y = pdf.get_y()
    pdf.set_font(font, "B", 10)
    pdf.cell(95, 5, "Sprzedawca")
    pdf.cell(0, 5, "Nabywca", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9.5)
    pdf.multi_cell(90, 5, f"{settings.seller_name}\n{settings.seller_address}\nNIP: {settings.seller_nip}")
    pdf.set_xy(pdf.l_margin + 95, y + 5)
    pdf.multi_cell(90, 5, f"{buyer.name or ''}\n{buyer.address or ''}\nNr klienta: {buyer.customer_id}")
    pdf.ln(10)
    heads = [("Lp.", 9), ("Nazwa usługi", 52), ("J.m.", 11), ("Ilość", 17), ("Cena netto", 20),
             ("Wartość netto", 23), ("VAT %", 13), ("Kwota VAT", 20), ("Brutto", 22)]
    pdf.set_font(font, "B", 8.5)
    for h, w in heads:
        pdf.cell(w, 6, h, border=1, align="C")
    pdf.ln()
    pdf.set_font(font, "", 8.5)
    per_rate: dict[Decimal, list[Decimal]] = {}
    for ln in lines:
        name = ITEM_NAMES.get(ln.item, ln.item)
        if ln.price_from and ln.price_to:
            name += f" {ln.price_from:%d.%m}–{ln.price_to:%d.%m.%Y}"
        cells = [str(ln.line_no), name, ln.unit.replace("m3", "m³"), f"{ln.quantity:g}",
                 _zl(ln.unit_price_net), _zl(ln.net), _pct(ln.vat_rate_pct), _zl(ln.vat), _zl(ln.gross)]
        for (_, w), text in zip(heads, cells, strict=True):
            pdf.cell(w, 6, text[:40], border=1, align="L" if w == 52 else "R")
        pdf.ln()
        acc = per_rate.setdefault(Decimal(ln.vat_rate_pct), [Decimal(0)] * 3)
        for i, v in enumerate((ln.net, ln.vat, ln.gross)):
            acc[i] += Decimal(v)
    pdf.ln(3)
    pdf.set_font(font, "B", 9)
    pdf.cell(0, 5, "Podsumowanie wg stawek VAT", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9)
    for rate, (net, vat, gross) in sorted(per_rate.items()):
        pdf.cell(0, 5, f"Stawka {_pct(rate)}%: netto {_zl(net)} zł, VAT {_zl(vat)} zł, brutto {_zl(gross)} zł",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"Razem: netto {_zl(inv.net)} zł, VAT {_zl(inv.vat)} zł", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "B", 12)
    pdf.cell(0, 8, f"Do zapłaty: {_zl(inv.gross)} zł", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 9.5)
    pdf.cell(0, 5, f"Termin płatności: {inv.due_date:%Y-%m-%d}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"Rachunek do wpłat: {nrb_text}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
